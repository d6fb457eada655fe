"""Reconciliation: does the ledger hold what the marketplace's paid orders owe? (pure domain logic)

The marketplace tells, for each paid order, the events it published about it (order.paid and the
outcomes: delivered, cancelled, expired, refunded) with their original event ids. From those and
the levy agreements, the funds service knows what it should hold: the credits ``levy`` freezes at
payment, settled by ``settlement`` through each outcome. Comparing that with what it does hold
gives the *drift*, by order and fund:

=====================  ====================================================  =================
kind                   meaning                                               replay repairs?
=====================  ====================================================  =================
missing_credit         a levy the order owes a fund was never credited       yes
outcome_missing        an outcome event of the order was never recorded      yes
status_differs         e.g. delivered but the credit is still pending,      when an outcome
                       cancelled but not voided                              is missing
refund_not_reversed    a refund's levy was not (fully) reversed              when an outcome
                                                                             is missing
unexpected_credit      a credit for which no paid order owes anything        no
amount_differs         the credit's amount is not what the order owes        no
ledger_differs         the credit's ledger entries do not match its state    no
paid_event_missing     the marketplace has no order.paid event to replay     no
unbalanced_transaction a ledger transaction whose legs do not sum to zero    no
account_total_differs  an account's total is not the sum of its entries     no
=====================  ====================================================  =================

Replay can only add what is missing (the ledger is append-only, credits are keyed by order, fund
and agreement): anything else needs an officer's attention.
"""
import datetime as dt
from dataclasses import asdict, dataclass, field

from chassis.thai import format_baht, thai_date, thai_datetime

from funds import handlers, settlement
from funds.levy import credits_for_paid_order

# kind → (Thai, English, replay repairs it)
KINDS = {
    "missing_credit": ("ไม่มีเงินสมทบที่คำสั่งซื้อนี้ต้องให้กองทุน", "levy credit missing", True),
    "outcome_missing": ("ไม่ได้บันทึกผลของคำสั่งซื้อ", "order outcome not recorded", True),
    "status_differs": ("สถานะเงินสมทบไม่ตรงกับคำสั่งซื้อ", "credit status differs from the order", None),
    "refund_not_reversed": ("ยังไม่ได้กลับรายการเงินสมทบของการคืนเงิน", "refund not reversed", None),
    "unexpected_credit": ("มีเงินสมทบที่ไม่มีคำสั่งซื้อที่ชำระแล้วรองรับ", "credit without a paid order owing it",
                          False),
    "amount_differs": ("ยอดเงินสมทบไม่ตรงกับที่คำสั่งซื้อต้องให้", "credit amount differs", False),
    "ledger_differs": ("รายการบัญชีของเงินสมทบไม่ตรงกับสถานะ", "credit's ledger entries differ from its state",
                       False),
    "paid_event_missing": ("ตลาดไม่มีเหตุการณ์ order.paid ให้เล่นซ้ำ", "no order.paid event to replay", False),
    "unbalanced_transaction": ("รายการบัญชีไม่สมดุล", "ledger transaction does not balance", False),
    "account_total_differs": ("ยอดบัญชีไม่ตรงกับผลรวมรายการ", "account total differs from its entries", False),
}

# What a fund could hold posted, for the simulation: large enough that no reversal falls short
# (a shortfall changes which account a reversal takes from, never the credit's own state).
_UNLIMITED = 10 ** 18


@dataclass(frozen=True)
class Finding:
    kind: str
    order_id: object = None
    fund_id: object = None
    agreement_id: object = None
    credit_id: object = None
    expected_satang: int = None
    actual_satang: int = None
    detail: str = ""
    repairable: bool = False

    @property
    def key(self):
        """What identifies the same drift before and after a repair."""
        return (self.kind, self.order_id, self.fund_id, self.agreement_id, self.credit_id, self.detail)


@dataclass(frozen=True)
class MarketOrder:
    """A paid order as the marketplace tells it: its state and its events (contracts.Event)."""

    order_id: object
    status: str
    fulfilment_status: str
    paid_at: dt.datetime
    paid: object                     # the order.paid Event, or None if the marketplace lost it
    outcomes: tuple = ()             # the outcome Events, in the order they were staged

    @property
    def events(self):
        return ((self.paid,) if self.paid else ()) + tuple(self.outcomes)


@dataclass(frozen=True)
class Held:
    """What the funds service holds for one order."""

    credits: tuple = ()              # rows: id, fund_id, agreement_id, amount_satang, lines, status, refunded
    recorded_events: frozenset = frozenset()    # source event ids of the recorded outcomes
    recorded_refunds: frozenset = frozenset()   # refund ids of the recorded refunds
    ledger: dict = field(default_factory=dict)  # credit id → {"pending": satang, "posted": satang}


def expected_credits(order, agreements, home_fund_of):
    """{(fund_id, agreement_id): settlement.Credit} the order should hold after all its outcomes."""
    if order.paid is None:
        return {}
    outcomes, told = [], set()
    for event in order.outcomes:  # as recorded: once per event, and a refund once under any event id
        outcome = handlers.outcome_of(event)
        keys = {("event", event.event_id)} | ({("refund", outcome.refund_id)} if outcome.refund_id else set())
        if not keys & told:
            outcomes.append(outcome)
        told |= keys
    expected = {}
    for agreement, fund_id, lines, _amount in credits_for_paid_order(agreements, order.paid.data,
                                                                      home_fund_of):
        credit = settlement.Credit(id=None, fund_id=fund_id, status="pending", lines=tuple(lines))
        for outcome in outcomes:
            effect = settlement.settle(credit, outcome, _UNLIMITED)
            if effect is not None:
                credit = effect.credit
        expected[(fund_id, agreement.id)] = credit
    return expected


def _recorded(event, held):
    refund_id = event.data.get("refund_id") if event.type.name == "order.refunded" else None
    return event.event_id in held.recorded_events or (refund_id is not None
                                                       and refund_id in held.recorded_refunds)


def held_credit(row):
    """A credit row as the settlement domain sees it."""
    return settlement.Credit(id=row["id"], fund_id=row["fund_id"], status=row["status"],
                             lines=tuple(row["lines"]),
                             refunded={int(n): q for n, q in (row.get("refunded") or {}).items()})


def compare_order(order, agreements, home_fund_of, held):
    """Every drift of one paid order between what it owes and what the funds service holds."""
    findings = []
    oid = order.order_id
    missing_outcomes = [event for event in order.outcomes if not _recorded(event, held)]
    for event in missing_outcomes:
        findings.append(Finding("outcome_missing", oid, detail=f"{event.type.name} {event.event_id}",
                                repairable=True))
    if order.paid is None:
        if held.credits or order.outcomes:
            findings.append(Finding("paid_event_missing", oid))
        return findings + [_unexpected(oid, row, "no order.paid event") for row in held.credits]
    expected = expected_credits(order, agreements, home_fund_of)
    by_key = {(row["fund_id"], row["agreement_id"]): row for row in held.credits}
    for key, credit in expected.items():
        row = by_key.get(key)
        if row is None:
            findings.append(Finding("missing_credit", oid, key[0], key[1], expected_satang=credit.amount,
                                    actual_satang=0, repairable=True))
            continue
        findings += _compare_credit(oid, credit, row, held, replay_may_fix=bool(missing_outcomes))
    findings += [_unexpected(oid, row, "the order owes this fund nothing under this agreement")
                 for key, row in by_key.items() if key not in expected]
    return findings


def _unexpected(order_id, row, detail):
    return Finding("unexpected_credit", order_id, row["fund_id"], row["agreement_id"], row["id"],
                   expected_satang=0, actual_satang=row["amount_satang"], detail=detail)


def _compare_credit(order_id, expected, row, held, replay_may_fix):
    ids = {"order_id": order_id, "fund_id": row["fund_id"], "agreement_id": row["agreement_id"],
           "credit_id": row["id"]}
    actual = held_credit(row)
    findings = []
    if row["amount_satang"] != expected.amount or actual.amount != expected.amount:
        findings.append(Finding("amount_differs", **ids, expected_satang=expected.amount,
                                actual_satang=row["amount_satang"]))
    if actual.status != expected.status:
        findings.append(Finding("status_differs", **ids, expected_satang=expected.outstanding,
                                actual_satang=actual.outstanding,
                                detail=f"expected {expected.status}, found {actual.status}",
                                repairable=replay_may_fix))
    elif actual.status != "voided" and actual.refunded != expected.refunded:
        findings.append(Finding("refund_not_reversed", **ids, expected_satang=expected.outstanding,
                                actual_satang=actual.outstanding,
                                detail=f"refunded lines expected {expected.refunded}, found {actual.refunded}",
                                repairable=replay_may_fix))
    booked = held.ledger.get(row["id"], {})
    should = {"pending": actual.outstanding if actual.status == "pending" else 0,
              "posted": actual.outstanding if actual.status == "posted" else 0}
    if {phase: booked.get(phase, 0) for phase in should} != should:
        findings.append(Finding("ledger_differs", **ids, expected_satang=actual.outstanding,
                                actual_satang=booked.get("pending", 0) + booked.get("posted", 0),
                                detail=f"{actual.status}: entries pending {booked.get('pending', 0)}, "
                                       f"posted {booked.get('posted', 0)}"))
    return findings


def orphan_credit_findings(order_id, credits):
    """Credits of an order the marketplace does not know as paid."""
    return [_unexpected(order_id, row, "no paid order with this id") for row in credits]


def ledger_findings(unbalanced, accounts):
    """Whole-ledger integrity: ``unbalanced`` rows (transaction_id, total) and ``accounts`` rows
    (code, fund_id, pending_satang, posted_satang, entries_pending, entries_posted) that differ."""
    findings = [Finding("unbalanced_transaction", detail=f"transaction {row['transaction_id']}",
                        expected_satang=0, actual_satang=row["total"]) for row in unbalanced]
    for row in accounts:
        for phase in ("pending", "posted"):
            if row[f"{phase}_satang"] != row[f"entries_{phase}"]:
                findings.append(Finding("account_total_differs", fund_id=row["fund_id"],
                                        detail=f"{row['code']} {phase}",
                                        expected_satang=row[f"entries_{phase}"],
                                        actual_satang=row[f"{phase}_satang"]))
    return findings


@dataclass
class Report:
    paid_from: dt.datetime = None
    paid_to: dt.datetime = None
    repair: bool = False
    orders_checked: int = 0
    findings: list = field(default_factory=list)       # drift that remains
    repaired: list = field(default_factory=list)       # drift a replay removed
    replayed_orders: int = 0

    @property
    def orders_in_drift(self):
        return len({finding.order_id for finding in self.findings if finding.order_id is not None})

    @property
    def clean(self):
        return not self.findings

    def by_kind(self):
        counts = {}
        for finding in self.findings:
            counts[finding.kind] = counts.get(finding.kind, 0) + 1
        return counts


def after_repair(before, after):
    """(repaired, remaining): what drift a replay removed, and what is left."""
    left = {finding.key for finding in after}
    return [finding for finding in before if finding.key not in left], list(after)


def to_json(report, fund_names=None):
    names = fund_names or {}

    def finding(item):
        out = {name: (str(value) if value is not None and name.endswith("_id") else value)
               for name, value in asdict(item).items()}
        th, en, _ = KINDS[item.kind]
        out.update(kind_th=th, kind_en=en,
                   fund_name_th=names.get(item.fund_id) if item.fund_id else None)
        return out

    return {
        "paid_from": report.paid_from.isoformat() if report.paid_from else None,
        "paid_to": report.paid_to.isoformat() if report.paid_to else None,
        "repair": report.repair, "orders_checked": report.orders_checked,
        "orders_in_drift": report.orders_in_drift, "clean": report.clean,
        "replayed_orders": report.replayed_orders, "by_kind": report.by_kind(),
        "findings": [finding(item) for item in report.findings],
        "repaired": [finding(item) for item in report.repaired],
    }


def _money(satang):
    return "-" if satang is None else format_baht(satang)


def _lines(findings, fund_names, heading):
    out = [heading]
    by_fund = {}
    for item in findings:
        by_fund.setdefault(item.fund_id, []).append(item)
    for fund_id, items in sorted(by_fund.items(), key=lambda pair: str(pair[0] or "")):
        if fund_id is None:
            out.append("  คำสั่งซื้อและบัญชีโดยรวม (orders and the ledger as a whole)")
        else:
            out.append(f"  กองทุน {fund_names.get(fund_id) or ''} ({fund_id})")
        for item in items:
            th, en, _ = KINDS[item.kind]
            where = f"คำสั่งซื้อ {item.order_id}" if item.order_id else ""
            money = ""
            if item.expected_satang is not None or item.actual_satang is not None:
                money = f" ควรเป็น {_money(item.expected_satang)}, พบ {_money(item.actual_satang)}"
            detail = f" [{item.detail}]" if item.detail else ""
            out.append(f"    - {th} ({en}) {where}{money}{detail}".rstrip())
    return out


def _period(report):
    start = thai_date(report.paid_from) if report.paid_from else "เริ่มต้น (the beginning)"
    end = thai_datetime(report.paid_to) if report.paid_to else "ปัจจุบัน (now)"
    return f"{start} ถึง {end}"


def render_text(report, fund_names=None):
    """The human report, Thai first: what was checked, what was repaired, what is left and why."""
    names = fund_names or {}
    out = [f"การกระทบยอดเงินสมทบกับคำสั่งซื้อ (levy reconciliation), ชำระเงิน {_period(report)}",
           f"ตรวจ {report.orders_checked:,} คำสั่งซื้อ (orders checked)"]
    if report.repair:
        out.append(f"เล่นเหตุการณ์ซ้ำ {report.replayed_orders:,} คำสั่งซื้อ (orders replayed), "
                   f"แก้แล้ว {len(report.repaired):,} รายการ (drift repaired)")
        if report.repaired:
            out += _lines(report.repaired, names, "แก้ไขแล้ว (repaired):")
    if report.clean:
        out.append("ไม่พบความคลาดเคลื่อน (no drift)")
        return "\n".join(out) + "\n"
    out.append(f"พบความคลาดเคลื่อน {len(report.findings):,} รายการ ใน {report.orders_in_drift:,} "
               "คำสั่งซื้อ (drift found)")
    out += _lines(report.findings, names, "ยังคลาดเคลื่อน (remaining drift):")
    replayable = [item for item in report.findings if item.repairable]
    if replayable and not report.repair:
        out.append("เรียกอีกครั้งด้วย --repair เพื่อเล่นเหตุการณ์เดิมซ้ำ (run with --repair to replay)")
    if any(not item.repairable for item in report.findings):
        out.append("รายการที่เล่นซ้ำแก้ไม่ได้ต้องให้เจ้าหน้าที่กองทุนตรวจสอบ "
                   "(drift replay cannot repair needs an officer's attention; see docs/operations.md)")
    return "\n".join(out) + "\n"
