"""Payment reconciliation's comparison, with no I/O: each kind of drift is found, and only drift."""
import datetime as dt
import json
import uuid

from hypothesis import given, settings, strategies as st

from chassis.thai import THAI_TIME
from marketplace.payment_reconciliation import KINDS, RecordedPayment, compare, render_text, to_json
from marketplace.payments import Charge

DAY = dt.date(2026, 11, 30)
NOON = dt.datetime(2026, 11, 30, 12, 0, tzinfo=THAI_TIME)


def charge(number, amount=45_625, status="successful", refunded=0, order_ref=None, currency="THB",
           minutes=0):
    created = NOON + dt.timedelta(minutes=minutes)
    return Charge(id=f"chrg_test_{number}", order_ref=order_ref or f"CODI-{number:08d}", status=status,
                  amount_satang=amount, currency=currency, refunded_satang=refunded, created_at=created,
                  paid_at=created + dt.timedelta(minutes=2) if status == "successful" else None)


def recorded(of, amount=None, status="matched", refunded=None, order_ref=None):
    return RecordedPayment(charge_id=of.id, order_id=uuid.uuid5(uuid.NAMESPACE_URL, of.id),
                           order_ref=order_ref or of.order_ref,
                           amount_satang=of.amount_satang if amount is None else amount, status=status,
                           received_at=of.paid_at or of.created_at, refunded_satang=refunded)


def kinds(report):
    return [finding.kind for finding in report.findings]


def test_a_day_where_both_sides_agree_is_clean():
    paid, refunded, pending, expired = (charge(1), charge(2, refunded=10_000), charge(3, status="pending"),
                                        charge(4, status="expired"))
    report = compare(DAY, [paid, refunded, pending, expired],
                     [recorded(paid), recorded(refunded, refunded=10_000)])
    assert report.clean and kinds(report) == []
    assert (report.charges_checked, report.payments_checked) == (4, 2)
    assert report.by_kind() == {kind: 0 for kind in KINDS}


def test_a_charge_paid_at_the_provider_that_the_marketplace_never_recorded():
    lost = charge(1)
    [finding] = compare(DAY, [lost], []).findings
    assert (finding.kind, finding.charge_id, finding.order_ref, finding.provider_satang,
            finding.marketplace_satang) == ("missing_at_marketplace", lost.id, lost.order_ref, 45_625, None)


def test_a_payment_the_provider_does_not_know():
    forged = recorded(charge(9))
    [finding] = compare(DAY, [], [forged]).findings
    assert (finding.kind, finding.order_id, finding.marketplace_satang, finding.provider_satang) == (
        "missing_at_provider", forged.order_id, 45_625, None)


def test_a_payment_whose_charge_the_provider_does_not_call_paid():
    for status in ("pending", "failed", "expired", "reversed"):
        unpaid = charge(1, status=status)
        [finding] = compare(DAY, [unpaid], [recorded(unpaid)]).findings
        assert (finding.kind, finding.provider_status, finding.marketplace_status) == (
            "status_mismatch", status, "matched")


def test_amounts_refunds_orders_currencies_and_doubles_that_differ():
    paid = charge(1)
    assert kinds(compare(DAY, [paid], [recorded(paid, amount=45_000, status="held")])) == ["amount_mismatch"]
    assert kinds(compare(DAY, [charge(2, currency="USD")], [recorded(charge(2))])) == ["amount_mismatch"]
    assert kinds(compare(DAY, [paid], [recorded(paid, refunded=0)])) == []
    assert kinds(compare(DAY, [charge(3, refunded=500)], [recorded(charge(3), refunded=0)])) == ["refund_mismatch"]
    assert kinds(compare(DAY, [paid], [recorded(paid, order_ref="CODI-OTHER")])) == ["order_mismatch"]
    twice = compare(DAY, [paid], [recorded(paid), recorded(paid)])
    assert kinds(twice) == ["duplicate_payment"] and twice.by_kind()["duplicate_payment"] == 1


def test_a_charge_paid_within_the_grace_is_in_flight_not_drift():
    early, late = charge(1), charge(2, minutes=50)
    report = compare(DAY, [early, late], [], settled_before=late.paid_at)
    assert kinds(report) == ["missing_at_marketplace"] and report.findings[0].charge_id == early.id
    assert report.in_flight == 1


def test_the_report_in_thai_with_english_and_json():
    lost, forged = charge(1, amount=123_450), recorded(charge(2))
    report = compare(DAY, [lost], [forged])
    text = render_text(report)
    assert "30 พฤศจิกายน 2569" in text and "1,234.50 บาท" in text and "456.25 บาท" in text
    assert "ผู้ให้บริการรับเงินแล้ว แต่ตลาดไม่ได้บันทึกการชำระ (paid at the provider, not recorded" in text
    assert "พบความคลาดเคลื่อน 2 รายการ (drift found)" in text
    body = json.loads(json.dumps(to_json(report), ensure_ascii=False))
    assert body["day"] == "2026-11-30" and body["clean"] is False
    assert body["by_kind"]["missing_at_marketplace"] == body["by_kind"]["missing_at_provider"] == 1
    assert {f["kind"]: f["order_id"] for f in body["findings"]} == {
        "missing_at_marketplace": None, "missing_at_provider": str(forged.order_id)}
    assert "ไม่พบความคลาดเคลื่อน (no drift)" in render_text(compare(DAY, [], []))


# -- properties: agreeing sides are clean; each change is found once, whatever the order ----------

charges_of_a_day = st.lists(st.tuples(st.integers(2_000, 15_000_000),
                                      st.sampled_from(["successful", "pending", "failed", "expired"]),
                                      st.integers(0, 600)),
                            min_size=1, max_size=25).map(
    lambda specs: [charge(number, amount, status, minutes=minutes)
                   for number, (amount, status, minutes) in enumerate(specs)])


def agreeing(charges):
    return [recorded(item) for item in charges if item.paid]


@settings(max_examples=200)
@given(charges_of_a_day, st.randoms())
def test_agreeing_sides_are_clean_in_any_order(charges, rng):
    payments = agreeing(charges)
    rng.shuffle(charges)
    rng.shuffle(payments)
    assert compare(DAY, charges, payments).clean


@settings(max_examples=200)
@given(charges_of_a_day, st.data())
def test_one_change_on_one_side_is_exactly_one_finding_of_its_kind(charges, data):
    payments = agreeing(charges)
    change = data.draw(st.sampled_from(["drop_payment", "drop_charge", "amount"] if payments else ["forge"]))
    if change == "forge":
        payments.append(recorded(charge(10_000)))
        expected = "missing_at_provider"
    else:
        index = data.draw(st.integers(0, len(payments) - 1))
        victim = next(item for item in charges if item.id == payments[index].charge_id)
        if change == "drop_payment":
            del payments[index]
            expected = "missing_at_marketplace"
        elif change == "drop_charge":
            charges.remove(victim)
            expected = "missing_at_provider"
        else:
            payments[index] = recorded(victim, amount=victim.amount_satang + data.draw(
                st.integers(-1_000, 1_000).filter(bool)), status="held")
            expected = "amount_mismatch"
    report = compare(DAY, charges, payments)
    assert kinds(report) == [expected]
