"""Payment reconciliation: the provider's charges of a day against the payments the marketplace
recorded for them, with no framework or I/O (``marketplace.payment_reconciler`` reads both sides).

Drift is money the two sides disagree about: a charge the provider says was paid that the
marketplace never recorded (the buyer paid, the order is not paid: a lost webhook), a payment the
marketplace recorded that the provider does not know or does not call paid (a credit without money),
another order's charge, different amounts, different refunded amounts, a charge recorded twice.
Amounts are integer satang; the report renders them as baht (Thai first, English in brackets).
"""
import datetime as dt
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from chassis.thai import format_baht, thai_date

# kind → (Thai, English, what an operator does; docs/operations.md "Payment reconciliation")
KINDS = {
    "missing_at_marketplace": ("ผู้ให้บริการรับเงินแล้ว แต่ตลาดไม่ได้บันทึกการชำระ",
                               "paid at the provider, not recorded by the marketplace",
                               "ส่ง webhook ซ้ำจากแดชบอร์ดของผู้ให้บริการ (resend the webhook)"),
    "missing_at_provider": ("ตลาดบันทึกการชำระ แต่ผู้ให้บริการไม่รู้จักรายการนี้",
                            "recorded by the marketplace, unknown to the provider",
                            "ตรวจสอบคำสั่งซื้อ อาจเป็นการชำระปลอม (investigate: a payment without money)"),
    "status_mismatch": ("ตลาดบันทึกการชำระ แต่ผู้ให้บริการไม่ได้รับเงิน",
                        "recorded as paid by the marketplace, not paid at the provider",
                        "ตรวจสอบคำสั่งซื้อ อาจเป็นการชำระปลอม (investigate: a payment without money)"),
    "order_mismatch": ("รายการชำระเป็นของคำสั่งซื้ออื่น", "the charge belongs to another order",
                       "ตรวจสอบทั้งสองคำสั่งซื้อ (investigate both orders)"),
    "amount_mismatch": ("จำนวนเงินไม่ตรงกัน", "amounts differ",
                        "ตรวจสอบการชำระที่รอตรวจ (review the held payment)"),
    "refund_mismatch": ("ยอดคืนเงินไม่ตรงกัน", "refunded amounts differ",
                        "ตรวจสอบการคืนเงินของคำสั่งซื้อ (review the order's refunds)"),
    "duplicate_payment": ("บันทึกการชำระเดียวกันซ้ำ", "one charge recorded more than once",
                          "ตรวจสอบคำสั่งซื้อ (investigate: a payment counted twice)"),
}


@dataclass(frozen=True)
class RecordedPayment:
    """A receipt of money through the provider, as the marketplace recorded it."""

    charge_id: str
    order_id: uuid.UUID
    order_ref: str             # what the charge's metadata must say (the payment request's reference)
    amount_satang: int         # what the marketplace recorded as received
    status: str                # the marketplace's: matched, held, refund_due
    received_at: dt.datetime
    refunded_satang: int = None  # refunds the provider confirmed, as recorded (None: not compared)


@dataclass(frozen=True)
class Finding:
    kind: str
    charge_id: str
    order_id: uuid.UUID = None
    order_ref: str = None
    provider_satang: int = None
    marketplace_satang: int = None
    provider_status: str = None
    marketplace_status: str = None
    detail: str = ""


@dataclass
class Report:
    day: dt.date
    charges_checked: int = 0
    payments_checked: int = 0
    in_flight: int = 0  # paid at the provider so recently that its webhook may be on its way
    findings: list = field(default_factory=list)

    @property
    def clean(self):
        return not self.findings

    def by_kind(self):
        counts = Counter(finding.kind for finding in self.findings)
        return {kind: counts.get(kind, 0) for kind in KINDS}


def compare(day, charges, payments, settled_before=None):
    """The Report of ``day``: ``charges`` are the provider's (``marketplace.payments.Charge``: the
    day's list, and the charge of any
    payment outside it, fetched back; a payment whose charge is absent is one the provider does not
    know), ``payments`` the marketplace's provider payments (those of the day's charges and those
    received that day). A charge paid at or after ``settled_before`` with no payment yet is counted
    as in flight, not drift."""
    recorded = defaultdict(list)
    for payment in payments:
        recorded[payment.charge_id].append(payment)
    report = Report(day=day, charges_checked=len(charges), payments_checked=len(payments))
    known = set()
    for charge in sorted(charges, key=lambda charge: (charge.created_at, charge.id)):
        known.add(charge.id)
        of_charge = sorted(recorded.get(charge.id, ()), key=lambda payment: payment.received_at)
        if of_charge:
            report.findings += _compare_charge(charge, of_charge)
        elif charge.paid:
            if settled_before is not None and (charge.paid_at or charge.created_at) >= settled_before:
                report.in_flight += 1
            else:
                report.findings.append(Finding(
                    "missing_at_marketplace", charge.id, order_ref=charge.order_ref,
                    provider_satang=charge.amount_satang, provider_status=charge.status))
    for charge_id in sorted(set(recorded) - known):
        report.findings += [_finding("missing_at_provider", None, payment) for payment in recorded[charge_id]]
    return report


def _finding(kind, charge, payment, detail=""):
    return Finding(kind, payment.charge_id, order_id=payment.order_id, order_ref=payment.order_ref,
                   provider_satang=charge.amount_satang if charge else None,
                   marketplace_satang=payment.amount_satang,
                   provider_status=charge.status if charge else None,
                   marketplace_status=payment.status, detail=detail)


def _compare_charge(charge, payments):
    first = payments[0]
    findings = [_finding("duplicate_payment", charge, payment, f"order {first.order_id}")
                for payment in payments[1:]]
    if first.order_ref != charge.order_ref:
        findings.append(_finding("order_mismatch", charge, first, f"charge metadata: {charge.order_ref}"))
    if not charge.paid:
        findings.append(_finding("status_mismatch", charge, first))
    if first.amount_satang != charge.amount_satang or charge.currency != "THB":
        findings.append(_finding("amount_mismatch", charge, first,
                                 "" if charge.currency == "THB" else f"currency {charge.currency}"))
    if first.refunded_satang is not None and first.refunded_satang != charge.refunded_satang:
        findings.append(Finding("refund_mismatch", charge.id, order_id=first.order_id,
                                order_ref=first.order_ref, provider_satang=charge.refunded_satang,
                                marketplace_satang=first.refunded_satang,
                                provider_status=charge.status, marketplace_status=first.status))
    return findings


# -- the report, for people and machines ------------------------------------------------------

def to_json(report):
    def finding(item):
        th, en, action = KINDS[item.kind]
        return {"kind": item.kind, "kind_th": th, "kind_en": en, "action": action,
                "charge_id": item.charge_id, "order_id": str(item.order_id) if item.order_id else None,
                "order_ref": item.order_ref, "provider_satang": item.provider_satang,
                "marketplace_satang": item.marketplace_satang, "provider_status": item.provider_status,
                "marketplace_status": item.marketplace_status, "detail": item.detail}

    return {"day": report.day.isoformat(), "charges_checked": report.charges_checked,
            "payments_checked": report.payments_checked, "in_flight": report.in_flight,
            "clean": report.clean, "by_kind": report.by_kind(),
            "findings": [finding(item) for item in report.findings]}


def _money(satang):
    return "-" if satang is None else format_baht(satang)


def render_text(report):
    """Thai first: what was checked, and each disagreement with what to do about it."""
    out = [f"การกระทบยอดการชำระเงินกับผู้ให้บริการ (payment reconciliation), วันที่ {thai_date(report.day)}",
           f"ตรวจ {report.charges_checked:,} รายการของผู้ให้บริการ (provider charges) และ "
           f"{report.payments_checked:,} การชำระที่ตลาดบันทึก (marketplace payments)"]
    if report.in_flight:
        out.append(f"รอ webhook {report.in_flight:,} รายการที่เพิ่งชำระ (recently paid, webhook in flight)")
    if report.clean:
        out.append("ไม่พบความคลาดเคลื่อน (no drift)")
        return "\n".join(out) + "\n"
    out.append(f"พบความคลาดเคลื่อน {len(report.findings):,} รายการ (drift found):")
    for item in report.findings:
        th, en, action = KINDS[item.kind]
        where = f"รายการ {item.charge_id}" + (f" คำสั่งซื้อ {item.order_id}" if item.order_id else "") \
            + (f" ({item.order_ref})" if item.order_ref else "")
        money = f"ผู้ให้บริการ {_money(item.provider_satang)}, ตลาด {_money(item.marketplace_satang)}"
        states = ""
        if item.provider_status or item.marketplace_status:
            states = f"; สถานะ (status) {item.provider_status or '-'} / {item.marketplace_status or '-'}"
        detail = f" [{item.detail}]" if item.detail else ""
        out.append(f"  - {th} ({en}): {where}; {money}{states}{detail}")
        out.append(f"    ควรทำ (action): {action}")
    out.append("ดู docs/operations.md หัวข้อ Payment reconciliation (what each kind means)")
    return "\n".join(out) + "\n"
