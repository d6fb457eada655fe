"""Reconciliation in the pure domain: the real handlers over in-memory repositories produce what
funds holds; drift is made on purpose and must be reported exactly, and replay must repair only
what replay can."""
import datetime as dt
import json
import uuid
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import marketplace
from funds import reconciliation, reconciliation_report
from funds.credits import Credit
from funds.ledger import CLEARING
from funds.levy import Agreement
from funds.reconciliation import Finding, Held, MarketOrder, compare_order, ledger_findings
from funds_fakes import Store, order_event, paid, refunded

FUND = uuid.UUID(int=1)
HOME_FUND = uuid.UUID(int=2)
SELLER = uuid.UUID(int=10)
BUYER = uuid.UUID(int=11)
SINCE = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
PER_BAG = Agreement(uuid.UUID(int=100), 1, SELLER, "per_unit", 400, "fund", fund_id=FUND, effective_from=SINCE)
TO_BUYER_HOME = Agreement(uuid.UUID(int=101), 1, SELLER, "basis_points", 100, "buyer_home_fund",
                          effective_from=SINCE)
AGREEMENTS = [PER_BAG, TO_BUYER_HOME]
HOME_FUNDS = {BUYER: HOME_FUND}


def an_order(bags=25, price=25_000):
    return {"order_id": uuid.uuid4(), "seller_org_id": SELLER, "buyer_org_id": BUYER,
            "lines": [{"line_no": 1, "product_id": uuid.UUID(int=7), "product_name": "ข้าวหอมมะลิ",
                       "category": "rice", "unit": "ถุง", "quantity": bags, "unit_price_satang": price}],
            "total_satang": bags * price}


def market(order, *outcomes, paid_event=None):
    paid_event = paid_event or paid(order)
    return MarketOrder(order["order_id"], "confirmed", "unfulfilled", paid_event.data["paid_at"],
                       paid_event, tuple(outcomes))


class Funds:
    """The funds service in memory: the real handlers over funds_fakes."""

    def __init__(self):
        self.store = Store(agreements=AGREEMENTS, funds=[FUND, HOME_FUND])

    def apply(self, event):
        uow = self.store.unit_of_work()
        uow.home_fund_of = HOME_FUNDS.get
        self.store.handle(event, uow)

    def replay(self, order):
        for event in order.events:
            self.apply(event)

    def held(self, order_id):
        credits = tuple(credit for credit in self.store.credits.values() if credit.order_id == order_id)
        ledger = {}
        for (_, _, credit_id), legs in self.store.transactions.items():
            for account, phase, amount in legs:
                if account != CLEARING:
                    booked = ledger.setdefault(credit_id, {})
                    booked[phase] = booked.get(phase, 0) + amount
        outcomes = [outcome for known, outcome in self.store.outcomes if known == order_id]
        return Held(credits=credits, ledger=ledger,
                    recorded_events=frozenset(o.source_event_id for o in outcomes),
                    recorded_refunds=frozenset(o.refund_id for o in outcomes if o.refund_id))

    def compare(self, order):
        return compare_order(order, AGREEMENTS, HOME_FUNDS.get, self.held(order.order_id))


def stored_credit(order_id, fund_id, agreement_id, amount_satang):
    """A credit as the database could hold it, whatever the order owes."""
    return Credit(id=uuid.uuid4(), order_id=order_id, fund_id=fund_id, agreement_id=agreement_id,
                  agreement_version=1, seller_org_id=SELLER, buyer_org_id=BUYER,
                  amount_satang=amount_satang, lines=())


def kinds(findings):
    return sorted(finding.kind for finding in findings)


def delivered(order):
    return order_event(marketplace.ORDER_DELIVERED, order)


def cancelled(order):
    return order_event(marketplace.ORDER_CANCELLED, order)


# -- nothing to report --------------------------------------------------------------------

def test_an_order_credited_and_settled_as_told_has_no_drift():
    funds, order = Funds(), an_order()
    told = market(order, delivered(order), refunded(order, [(1, 5)]))
    funds.replay(told)
    assert funds.compare(told) == []


def test_events_received_out_of_order_end_in_the_same_state_and_no_drift():
    funds, order = Funds(), an_order()
    told = market(order, refunded(order, [(1, 5)]), cancelled(order))
    for event in reversed(told.events):  # cancellation first, payment last
        funds.apply(event)
    assert funds.compare(told) == []


def test_an_order_that_owes_nothing_and_holds_nothing_has_no_drift():
    order = {**an_order(), "seller_org_id": uuid.UUID(int=99)}
    assert compare_order(market(order), AGREEMENTS, HOME_FUNDS.get, Held()) == []


# -- drift, by kind -----------------------------------------------------------------------

def test_a_payment_never_handled_is_a_missing_credit_per_fund_with_its_amount():
    order = an_order()
    findings = compare_order(market(order), AGREEMENTS, HOME_FUNDS.get, Held())
    assert {(f.kind, f.fund_id, f.agreement_id, f.expected_satang, f.actual_satang, f.repairable)
            for f in findings} == {
        ("missing_credit", FUND, PER_BAG.id, 25 * 400, 0, True),
        ("missing_credit", HOME_FUND, TO_BUYER_HOME.id, 25 * 25_000 // 100, 0, True)}


def test_a_delivery_never_handled_is_an_outcome_missing_and_a_status_difference_replay_can_fix():
    funds, order = Funds(), an_order()
    told = market(order, delivered(order))
    funds.apply(told.paid)
    findings = funds.compare(told)
    assert kinds(findings) == ["outcome_missing", "status_differs", "status_differs"]
    assert all(f.repairable for f in findings)
    status = [f for f in findings if f.kind == "status_differs"]
    assert {f.detail for f in status} == {"expected posted, found pending"}


def test_a_cancellation_never_handled_shows_the_credit_still_pending():
    funds, order = Funds(), an_order()
    told = market(order, cancelled(order))
    funds.apply(told.paid)
    assert {f.detail for f in funds.compare(told) if f.kind == "status_differs"} == {
        "expected voided, found pending"}


def test_a_refund_never_handled_is_a_refund_not_reversed_with_the_outstanding_amounts():
    funds, order = Funds(), an_order()
    told = market(order, refunded(order, [(1, 5)]))
    funds.apply(told.paid)
    [per_bag] = [f for f in funds.compare(told) if f.kind == "refund_not_reversed" and f.fund_id == FUND]
    assert (per_bag.expected_satang, per_bag.actual_satang, per_bag.repairable) == (20 * 400, 25 * 400, True)


def test_a_refund_told_twice_under_two_event_ids_is_recorded_once_and_is_no_drift():
    funds, order = Funds(), an_order()
    refund_id = uuid.uuid4()
    first = refunded(order, [(1, 5)], refund_id=refund_id)
    again = refunded(order, [(1, 5)], refund_id=refund_id)
    told = market(order, first, again)
    funds.replay(told)
    assert funds.compare(told) == []


def test_a_status_difference_with_every_outcome_recorded_is_not_repairable():
    funds, order = Funds(), an_order()
    told = market(order, delivered(order))
    funds.replay(told)
    for credit in list(funds.store.credits.values()):  # the state lost after the outcome was recorded
        funds.store.credits[credit.id] = replace(credit, status="pending", refunded={})
    findings = funds.compare(told)
    assert "status_differs" in kinds(findings)
    assert not any(f.repairable for f in findings)


def test_a_corrupted_amount_is_reported_and_not_repairable():
    funds, order = Funds(), an_order()
    told = market(order)
    funds.replay(told)
    [credit] = [credit for credit in funds.store.credits.values() if credit.fund_id == FUND]
    funds.store.credits[credit.id] = replace(credit, amount_satang=1)
    [finding] = funds.compare(told)
    assert (finding.kind, finding.expected_satang, finding.actual_satang, finding.repairable) == (
        "amount_differs", 10_000, 1, False)


def test_a_credit_no_agreement_owes_is_unexpected():
    order = an_order()
    stray = stored_credit(order["order_id"], FUND, uuid.uuid4(), 700)
    findings = compare_order(market({**order, "seller_org_id": uuid.UUID(int=99)}), AGREEMENTS,
                             HOME_FUNDS.get, Held(credits=(stray,), ledger={stray.id: {"pending": 700}}))
    assert [(f.kind, f.actual_satang, f.repairable) for f in findings] == [("unexpected_credit", 700, False)]


def test_credits_of_an_order_never_paid_are_unexpected():
    credit = stored_credit(uuid.uuid4(), FUND, PER_BAG.id, 400)
    [finding] = reconciliation.orphan_credit_findings(credit.order_id, [credit])
    assert (finding.kind, finding.order_id, finding.actual_satang) == ("unexpected_credit", credit.order_id, 400)


def test_ledger_entries_that_do_not_match_the_credit_are_reported():
    funds, order = Funds(), an_order()
    told = market(order)
    funds.replay(told)
    held = funds.held(order["order_id"])
    [credit] = [credit for credit in held.credits if credit.fund_id == FUND]
    ledger = {**held.ledger, credit.id: {"pending": 9_000}}
    [finding] = compare_order(told, AGREEMENTS, HOME_FUNDS.get,
                              Held(held.credits, held.recorded_events, held.recorded_refunds, ledger))
    assert (finding.kind, finding.expected_satang, finding.actual_satang) == ("ledger_differs", 10_000, 9_000)


def test_an_order_whose_paid_event_the_marketplace_lost_cannot_be_replayed():
    order = an_order()
    told = MarketOrder(order["order_id"], "delivered", "delivered", None, None, (delivered(order),))
    assert kinds(compare_order(told, AGREEMENTS, HOME_FUNDS.get, Held())) == [
        "outcome_missing", "paid_event_missing"]


def test_whole_ledger_findings_for_unbalanced_transactions_and_account_totals():
    findings = ledger_findings(
        [{"transaction_id": uuid.UUID(int=5), "total": 12}],
        [{"code": f"fund:{FUND}", "fund_id": FUND, "pending_satang": 500, "posted_satang": 0,
          "entries_pending": 400, "entries_posted": 0}])
    assert [(f.kind, f.expected_satang, f.actual_satang) for f in findings] == [
        ("unbalanced_transaction", 0, 12), ("account_total_differs", 400, 500)]


# -- repair by replay ---------------------------------------------------------------------

def test_replay_repairs_what_is_missing_once_and_a_second_replay_changes_nothing():
    funds, order = Funds(), an_order()
    told = market(order, delivered(order), refunded(order, [(1, 3)]))
    funds.apply(told.paid)                       # the outcomes were lost
    before = funds.compare(told)
    funds.replay(told)
    repaired, left = reconciliation.after_repair(before, funds.compare(told))
    assert left == [] and kinds(repaired) == kinds(before)
    credits, transactions = dict(funds.store.credits), dict(funds.store.transactions)
    published = len(funds.store.published)
    funds.replay(told)
    assert funds.store.credits.keys() == credits.keys()
    assert funds.store.transactions == transactions and len(funds.store.published) == published


def test_replay_of_a_lost_payment_credits_each_fund_once_and_applies_the_recorded_outcomes():
    funds, order = Funds(), an_order()
    told = market(order, delivered(order))
    funds.apply(told.outcomes[0])                # the delivery arrived, the payment never did
    funds.replay(told)
    assert funds.compare(told) == []
    assert sorted(credit.status for credit in funds.store.credits.values()) == ["posted", "posted"]
    assert [t.name for t, _ in funds.store.published].count("levy.pending") == 2


@settings(max_examples=60, deadline=None)
@given(lost=st.sets(st.integers(min_value=0, max_value=3)),
       refunds=st.lists(st.integers(min_value=1, max_value=9), max_size=2),
       finish=st.sampled_from(["delivered", "cancelled", None]))
def test_whatever_events_were_lost_replay_leaves_no_drift(lost, refunds, finish):
    funds, order = Funds(), an_order(bags=9, price=3_333)
    outcomes = [refunded(order, [(1, q)]) for q in refunds]
    if finish:
        outcomes.append(delivered(order) if finish == "delivered" else cancelled(order))
    told = market(order, *outcomes)
    for number, event in enumerate(told.events):
        if number not in lost:
            funds.apply(event)
    assert all(f.repairable for f in funds.compare(told))
    funds.replay(told)
    assert funds.compare(told) == []


# -- the report ---------------------------------------------------------------------------

def test_the_text_report_is_thai_first_with_baht_amounts_by_fund():
    report = reconciliation.Report(
        paid_from=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc), repair=False, orders_checked=1234,
        findings=[Finding("missing_credit", uuid.UUID(int=3), FUND, PER_BAG.id, expected_satang=123_450,
                          actual_satang=0, repairable=True)])
    text = reconciliation_report.render_text(report, {FUND: "กองทุนตลาดใหญ่"})
    assert "ตรวจ 1,234 คำสั่งซื้อ" in text
    assert "กองทุน กองทุนตลาดใหญ่" in text and "1,234.50 บาท" in text and "2569" in text
    assert "--repair" in text


def test_the_json_report_names_every_finding_and_is_clean_only_without_drift():
    finding = Finding("amount_differs", uuid.UUID(int=3), FUND, expected_satang=10_000, actual_satang=1)
    body = reconciliation_report.to_json(reconciliation.Report(findings=[finding], orders_checked=1))
    assert json.loads(json.dumps(body))["findings"][0]["kind_en"] == "credit amount differs"
    assert body["clean"] is False and body["orders_in_drift"] == 1
    assert reconciliation_report.to_json(reconciliation.Report())["clean"] is True


@pytest.mark.parametrize("kind", sorted(reconciliation.KINDS))
def test_every_kind_has_thai_and_english(kind):
    th, en, _ = reconciliation.KINDS[kind]
    assert th and en and th != en


# -- the command's wiring -------------------------------------------------------------------

def test_reconcile_is_a_funds_command_only():
    from chassis.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["marketplace", "reconcile"])
    assert exit_.value.code == 2


def test_without_a_marketplace_token_the_command_says_how_to_get_one_and_exits_2(capsys):
    import argparse

    from funds import reconciler

    parser = argparse.ArgumentParser()
    reconciler.add_arguments(parser)
    args = parser.parse_args(["--from", "2026-11-01", "--to", "2026-12-01"])
    assert (args.paid_from.isoformat(), args.paid_to.isoformat()) == (
        "2026-11-01T00:00:00+07:00", "2026-12-01T00:00:00+07:00")
    assert reconciler.command(args, environ={"MARKETPLACE_OPERATOR_TOKEN": ""}) == 2
    assert "codi-admin marketplace token issue --kind operator" in capsys.readouterr().err
