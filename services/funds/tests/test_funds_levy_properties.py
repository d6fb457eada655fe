"""Levy follows money, as a property: for any order and any agreements, the levy credited never
exceeds the money paid for the order, and refunds never reverse more than was credited."""
import datetime as dt
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from funds.credits import credits_for_paid_order, reversed_levy
from funds.levy import BASES, Agreement

SELLER, FUND = uuid.UUID(int=10), uuid.UUID(int=1)
PAID_AT = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)

lines = st.lists(st.tuples(st.integers(1, 500), st.integers(0, 10**7), st.sampled_from(["rice", "basketry"])),
                 min_size=1, max_size=6)
agreements = st.lists(st.tuples(st.sampled_from(BASES), st.integers(0, 10**6),
                                st.sampled_from([None, "rice", "basketry"])), min_size=1, max_size=4)


def an_order(drawn_lines):
    return {"order_id": uuid.uuid4(), "seller_org_id": SELLER, "buyer_org_id": uuid.uuid4(), "paid_at": PAID_AT,
            "lines": [{"line_no": no, "product_id": uuid.uuid4(), "product_name": "สินค้า", "category": category,
                       "unit": "ชิ้น", "quantity": quantity, "unit_price_satang": price}
                      for no, (quantity, price, category) in enumerate(drawn_lines, start=1)]}


def the_agreements(drawn):
    return [Agreement(id=uuid.uuid4(), version=1, seller_org_id=SELLER, basis=basis, rate=rate, recipient="fund",
                      fund_id=FUND, category=category, effective_from=PAID_AT - dt.timedelta(days=1))
            for basis, rate, category in drawn]


@settings(max_examples=300, deadline=None)
@given(lines, agreements)
def test_the_levy_credited_never_exceeds_the_money_paid(drawn_lines, drawn_agreements):
    order = an_order(drawn_lines)
    paid = sum(line["quantity"] * line["unit_price_satang"] for line in order["lines"])
    for credit in credits_for_paid_order(the_agreements(drawn_agreements), order, lambda org: None):
        assert 0 < credit.amount_satang <= paid
        value = {line["line_no"]: line["quantity"] * line["unit_price_satang"] for line in order["lines"]}
        assert all(line["levy_satang"] <= value[line["line_no"]] for line in credit.lines)
    if paid == 0:
        assert credits_for_paid_order(the_agreements(drawn_agreements), order, lambda org: None) == []


@settings(max_examples=300, deadline=None)
@given(lines, agreements, st.data())
def test_refunds_in_any_steps_never_reverse_more_than_was_credited(drawn_lines, drawn_agreements, data):
    order = an_order(drawn_lines)
    for credit in credits_for_paid_order(the_agreements(drawn_agreements), order, lambda org: None):
        for line in credit.lines:
            refunded = 0
            while refunded < line["quantity"]:
                refunded += data.draw(st.integers(1, line["quantity"] - refunded))
                assert 0 <= reversed_levy(line, refunded) <= line["levy_satang"]
            assert reversed_levy(line, refunded) == line["levy_satang"]
