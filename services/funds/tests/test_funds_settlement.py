"""Two-phase credits in the pure domain: posting, voiding, proportional reversal, out-of-order
outcomes and replays, through the real handlers over in-memory repositories."""
import datetime as dt
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contracts import funds as fund_events
from contracts import marketplace
from devtools import samples
from funds import handlers, settlement
from funds.ledger import CLEARING, fund_account, receivable_account
from funds.credits import Credit
from funds.levy import Agreement
from funds.settlement import Outcome, settle
from funds_fakes import Store, order_event, paid, refunded

FUND = uuid.UUID(int=1)
OTHER_FUND = uuid.UUID(int=2)
SELLER = uuid.UUID(int=10)
SINCE = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)


def credit(levies=((25, 10_000),), status="pending", refunded=None):
    """A credit over lines numbered from 1, each (quantity, levy in satang)."""
    lines = tuple({"line_no": n, "product_id": uuid.UUID(int=n), "product_name": f"สินค้า {n}",
                   "unit": "ถุง", "quantity": quantity, "levy_satang": levy}
                  for n, (quantity, levy) in enumerate(levies, start=1))
    return Credit(id=uuid.uuid4(), order_id=uuid.uuid4(), fund_id=FUND, agreement_id=uuid.uuid4(),
                  agreement_version=1, seller_org_id=SELLER, buyer_org_id=uuid.uuid4(),
                  amount_satang=sum(levy for _, levy in levies), lines=lines, status=status,
                  refunded=refunded or {})


def refund(*lines):
    return Outcome(settlement.REFUNDED, uuid.uuid4(), uuid.uuid4(), tuple(lines))


def outcome(kind):
    return Outcome(kind, uuid.uuid4())


def net(legs, account, phase):
    return sum(amount for a, p, amount in legs if (a, p) == (account, phase))


# -- settle(): one credit, one outcome --------------------------------------------------

def test_delivery_moves_the_pending_levy_to_posted_for_fund_and_clearing():
    effect = settle(credit(), outcome(settlement.DELIVERED), fund_posted_satang=0)
    assert effect.kind == settlement.POSTED and effect.amount == 10_000
    assert effect.credit.status == "posted"
    assert net(effect.legs, fund_account(FUND), "pending") == -10_000
    assert net(effect.legs, fund_account(FUND), "posted") == 10_000
    assert net(effect.legs, CLEARING, "pending") == 10_000
    assert net(effect.legs, CLEARING, "posted") == -10_000


@pytest.mark.parametrize("kind", [settlement.CANCELLED, settlement.EXPIRED])
def test_cancellation_or_expiry_before_delivery_voids_the_pending_levy(kind):
    effect = settle(credit(), outcome(kind), fund_posted_satang=0)
    assert effect.kind == settlement.VOIDED and effect.credit.status == "voided"
    assert effect.legs == [(fund_account(FUND), "pending", -10_000), (CLEARING, "pending", 10_000)]


def test_a_voided_credit_ignores_every_later_outcome():
    voided = credit(status="voided")
    for later in (outcome(settlement.DELIVERED), outcome(settlement.CANCELLED), refund((1, 5))):
        assert settle(voided, later, fund_posted_satang=10_000) is None


def test_a_posted_credit_ignores_cancellation_and_a_second_delivery():
    posted = credit(status="posted")
    assert settle(posted, outcome(settlement.CANCELLED), 10_000) is None
    assert settle(posted, outcome(settlement.DELIVERED), 10_000) is None


def test_refund_of_five_of_twenty_five_bags_reverses_their_levy_from_posted():
    effect = settle(credit(status="posted"), refund((1, 5)), fund_posted_satang=10_000)
    assert effect.kind == settlement.REVERSED and effect.amount == 2_000
    assert effect.credit.status == "posted" and effect.credit.refunded == {1: 5}
    assert effect.credit.outstanding == 8_000
    assert effect.lines[0]["quantity"] == 5 and effect.lines[0]["levy_satang"] == 2_000
    assert effect.legs == [(fund_account(FUND), "posted", -2_000), (CLEARING, "posted", 2_000)]


def test_a_refund_before_delivery_reverses_from_pending_and_delivery_posts_the_rest():
    reversed_ = settle(credit(), refund((1, 5)), fund_posted_satang=0)
    assert reversed_.legs == [(fund_account(FUND), "pending", -2_000), (CLEARING, "pending", 2_000)]
    posted = settle(reversed_.credit, outcome(settlement.DELIVERED), fund_posted_satang=0)
    assert posted.amount == 8_000


def test_partial_refunds_round_per_line_and_add_up_to_exactly_the_line_levy():
    """10 satang over 3 units: one unit carries 3.33 → 3, two carry 6.67 → 7, three carry 10."""
    state, shares = credit(levies=((3, 10),), status="posted"), []
    for _ in range(3):
        effect = settle(state, refund((1, 1)), fund_posted_satang=10)
        shares.append(effect.amount)
        state = effect.credit
    assert shares == [3, 4, 3]
    assert state.outstanding == 0


def test_a_refund_beyond_the_line_quantity_or_of_an_unlevied_line_reverses_only_what_exists():
    effect = settle(credit(levies=((2, 800),)), refund((1, 5), (9, 1)), fund_posted_satang=0)
    assert effect.amount == 800 and effect.credit.refunded == {1: 2}
    assert settle(effect.credit, refund((1, 1)), fund_posted_satang=0) is None


def test_a_reversal_larger_than_the_fund_holds_books_the_shortfall_as_receivable():
    """The fund holds only 500 posted (say it paid out the rest): it goes to 0, not below."""
    effect = settle(credit(status="posted"), refund((1, 5)), fund_posted_satang=500)
    assert effect.shortfall == 1_500
    assert net(effect.legs, fund_account(FUND), "posted") == -500
    assert net(effect.legs, receivable_account(FUND), "posted") == -1_500
    assert net(effect.legs, CLEARING, "posted") == 2_000
    assert sum(amount for _, _, amount in effect.legs) == 0


# -- handlers over in-memory repositories ------------------------------------------------

def order_of(lines):
    """An order of lines (category, quantity), 250 baht a unit."""
    order_lines = [{"line_no": n, "kind": "goods", "product_id": uuid.UUID(int=100 + n),
                    "product_name": f"สินค้า {n}", "category": category, "unit": "ถุง", "quantity": quantity,
                    "unit_price_satang": 25_000} for n, (category, quantity) in enumerate(lines, start=1)]
    return {"order_id": uuid.uuid4(), "seller_org_id": SELLER, "buyer_org_id": uuid.UUID(int=11),
            "lines": order_lines, "total_satang": sum(l["quantity"] * 25_000 for l in order_lines),
            "route": samples.route()}


def agreement(rate, fund_id=FUND, category=None):
    return Agreement(id=uuid.uuid4(), version=1, seller_org_id=SELLER, basis="per_unit", rate=rate,
                     recipient="fund", fund_id=fund_id, category=category, effective_from=SINCE)


def deliver(store, event):
    store.handle(event)


def headline_store():
    return Store([agreement(400)], [FUND])


def test_headline_pending_then_posted_then_a_linked_reversal():
    store, order = headline_store(), order_of([("rice", 25)])
    deliver(store, paid(order))
    assert store.fund_balance(FUND) == {"posted": 0, "pending": 10_000}
    deliver(store, order_event(marketplace.ORDER_DELIVERED, order))
    assert store.fund_balance(FUND) == {"posted": 10_000, "pending": 0}
    deliver(store, refunded(order, [(1, 5)]))
    assert store.fund_balance(FUND) == {"posted": 8_000, "pending": 0}
    kinds = [event_type for event_type, _ in store.published]
    assert kinds == [fund_events.LEVY_PENDING, fund_events.LEVY_POSTED, fund_events.LEVY_REVERSED]
    pending, reversal = store.published[0][1], store.published[2][1]
    assert reversal["original_credit_id"] == reversal["credit_id"] == pending["credit_id"]
    assert reversal["amount_satang"] == 2_000 and reversal["phase"] == "posted"
    assert reversal["balance"] == {"posted_satang": 8_000, "pending_satang": 0}


@pytest.mark.parametrize("early", ["order.delivered", "order.cancelled", "order.refunded"])
def test_an_outcome_that_arrives_before_the_payment_is_applied_when_the_credit_is_created(early):
    store, order = headline_store(), order_of([("rice", 25)])
    event = (refunded(order, [(1, 5)]) if early == "order.refunded" else
             order_event({"order.delivered": marketplace.ORDER_DELIVERED,
                          "order.cancelled": marketplace.ORDER_CANCELLED}[early], order))
    deliver(store, event)
    assert store.fund_balance(FUND) == {"posted": 0, "pending": 0} and not store.published
    deliver(store, paid(order))
    assert store.fund_balance(FUND) == {
        "order.delivered": {"posted": 10_000, "pending": 0},
        "order.cancelled": {"posted": 0, "pending": 0},
        "order.refunded": {"posted": 0, "pending": 8_000}}[early]


def test_the_same_refund_told_again_under_a_new_event_id_is_reversed_once():
    store, order = headline_store(), order_of([("rice", 25)])
    deliver(store, paid(order))
    refund_id = uuid.uuid4()
    deliver(store, refunded(order, [(1, 5)], refund_id=refund_id))
    deliver(store, refunded(order, [(1, 5)], refund_id=refund_id))
    assert store.fund_balance(FUND)["pending"] == 8_000


# -- properties: any allowed history ends in the same, right place ------------------------

@st.composite
def histories(draw):
    """An order (1-3 lines), its events in an allowed arrival order, some delivered twice.

    Two agreements: 1-500 satang a unit for every line to FUND, and another rate for rice lines
    only to OTHER_FUND. Each order is delivered or cancelled/expired or neither (never both),
    with partial refunds that never exceed a line's quantity.
    """
    lines = draw(st.lists(st.tuples(st.sampled_from(["rice", "craft"]), st.integers(1, 20)),
                          min_size=1, max_size=3))
    order = order_of(lines)
    refunds, left = [], {n: q for n, (_, q) in enumerate(lines, start=1)}
    for _ in range(draw(st.integers(0, 3))):
        line_no = draw(st.sampled_from(sorted(left)))
        if left[line_no]:
            quantity = draw(st.integers(1, left[line_no]))
            left[line_no] -= quantity
            refunds.append((line_no, quantity))
    ending = draw(st.sampled_from([None, marketplace.ORDER_DELIVERED, marketplace.ORDER_CANCELLED,
                                   marketplace.ORDER_EXPIRED]))
    canonical = [paid(order)] + [refunded(order, [r]) for r in refunds]
    if ending is not None:
        canonical.append(order_event(ending, order))
    arrival = draw(st.permutations(canonical))
    arrival = arrival + draw(st.lists(st.sampled_from(canonical), max_size=3))  # redeliveries
    rates = (draw(st.integers(1, 500)), draw(st.integers(1, 500)))
    return order, rates, ending, left, canonical, arrival


def run(rates, events):
    store = Store([agreement(rates[0]), agreement(rates[1], OTHER_FUND, category="rice")],
                  [FUND, OTHER_FUND])
    for event in events:
        deliver(store, event)
    return store


@settings(max_examples=300, deadline=None)
@given(histories())
def test_posted_plus_pending_is_the_levy_of_what_was_paid_and_kept(history):
    order, rates, ending, left, _, arrival = history
    store = run(rates, arrival)
    kept = ending not in (marketplace.ORDER_CANCELLED, marketplace.ORDER_EXPIRED)
    for fund_id, rate, category in ((FUND, rates[0], None), (OTHER_FUND, rates[1], "rice")):
        expected = kept * sum(rate * left[line["line_no"]] for line in order["lines"]
                              if category in (None, line["category"]))
        balance = store.fund_balance(fund_id)
        assert balance["posted"] + balance["pending"] == expected
        if ending == marketplace.ORDER_DELIVERED:
            assert balance["pending"] == 0
        else:
            assert balance["posted"] == 0


@settings(max_examples=300, deadline=None)
@given(histories())
def test_every_transaction_balances_and_arrival_order_or_replays_change_nothing(history):
    *_, rates, _, _, canonical, arrival = history
    in_order, shuffled = run(rates, canonical), run(rates, arrival)
    for legs in shuffled.transactions.values():
        assert sum(amount for _, _, amount in legs) == 0
    assert sum(shuffled.balances.values()) == 0
    assert {k: v for k, v in shuffled.balances.items() if v} == {
        k: v for k, v in in_order.balances.items() if v}


def test_a_cancellation_after_payment_is_a_cancellation_even_when_it_tells_of_money_returned():
    """The marketplace's order.cancelled carries the refund it made; the fund just voids (found by make chaos)."""
    import datetime as dt
    import uuid as uuid_

    from contracts import Event, marketplace
    from funds import settlement as settlement_

    line = {"line_no": 1, "product_id": uuid_.uuid4(), "product_name": "ข้าว", "category": "rice",
            "unit": "ถุง", "quantity": 3, "unit_price_satang": 25000}
    event = Event(uuid_.uuid4(), marketplace.ORDER_CANCELLED, dt.datetime.now(dt.timezone.utc), {
        "order_id": uuid_.uuid4(), "seller_org_id": uuid_.uuid4(), "buyer_org_id": uuid_.uuid4(),
        "lines": [line], "total_satang": 75000, "reason": None, "refund_id": uuid_.uuid4(),
        "refunded_lines": [{"line_no": 1, "quantity": 3}], "refunded_satang": 75000})
    outcome = handlers.outcome_of(event)
    assert outcome.kind == settlement_.CANCELLED
    assert outcome.refund_id is None and outcome.refunded_lines == ()
