"""Levy follows money, as a property: for any order and any agreements, the levy credited never
exceeds the money paid for the order, and refunds never reverse more than was credited."""
import datetime as dt
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from funds.credits import credits_for_paid_order, credits_for_trade, reversed_levy
from funds.levy import BASES, TRADE_KINDS, Agreement

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


# Issue 17: a shipping line (the fee, its own line) and the kinds of trade an agreement lists.
kinded_agreements = st.lists(st.tuples(st.sampled_from(BASES), st.integers(0, 10**6),
                                       st.sampled_from([None, "rice", "basketry"]), st.booleans(),
                                       st.sets(st.sampled_from(TRADE_KINDS), min_size=1)),
                             min_size=1, max_size=4)


def with_shipping(order, fee):
    line = {"line_no": len(order["lines"]) + 1, "kind": "shipping", "product_id": None,
            "product_name": "ค่าจัดส่ง", "category": "shipping", "unit": "ครั้ง", "quantity": 1,
            "unit_price_satang": fee}
    return {**order, "lines": [{**goods, "kind": "goods"} for goods in order["lines"]] + [line]}


def kinded(drawn):
    return [Agreement(id=uuid.uuid4(), version=1, seller_org_id=SELLER, basis=basis, rate=rate, recipient="fund",
                      fund_id=FUND, category=category, effective_from=PAID_AT - dt.timedelta(days=1),
                      levies_shipping=shipping, trade_kinds=tuple(sorted(kinds)))
            for basis, rate, category, shipping, kinds in drawn]


@settings(max_examples=300, deadline=None)
@given(lines, st.integers(0, 10**6), kinded_agreements)
def test_with_a_shipping_line_the_levy_still_never_exceeds_the_money_paid(drawn_lines, fee, drawn_agreements):
    order = with_shipping(an_order(drawn_lines), fee)
    paid = sum(line["quantity"] * line["unit_price_satang"] for line in order["lines"])
    agreements_by_id = {agreement.id: agreement for agreement in kinded(drawn_agreements)}
    for credit in credits_for_paid_order(list(agreements_by_id.values()), order, lambda org: None):
        agreement = agreements_by_id[credit.agreement_id]
        assert 0 < credit.amount_satang <= paid
        assert agreement.levies("sale")  # an agreement that does not list sales levies no order
        value = {line["line_no"]: line["quantity"] * line["unit_price_satang"] for line in order["lines"]}
        assert all(line["levy_satang"] <= value[line["line_no"]] for line in credit.lines)
        if not agreement.levies_shipping:  # the fee is levied only when the agreement says so
            assert all(line["kind"] == "goods" for line in credit.lines)


@settings(max_examples=300, deadline=None)
@given(lines, st.integers(1, 10**6), kinded_agreements)
def test_the_shipping_fee_adds_levy_only_under_agreements_that_levy_shipping(drawn_lines, fee, drawn_agreements):
    order = an_order(drawn_lines)
    agreements = kinded(drawn_agreements)
    without = {c.agreement_id: c.amount_satang for c in credits_for_paid_order(agreements, order, lambda o: None)}
    shipped = credits_for_paid_order(agreements, with_shipping(order, fee), lambda o: None)
    for credit in shipped:
        agreement = next(a for a in agreements if a.id == credit.agreement_id)
        if not agreement.levies_shipping:
            assert credit.amount_satang == without[credit.agreement_id]
        elif agreement.basis != "per_order":
            assert credit.amount_satang >= without.get(credit.agreement_id, 0)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 10**4), kinded_agreements, st.sampled_from(["share", "exchange"]))
def test_a_trade_without_money_is_levied_only_by_agreements_that_list_its_kind(quantity, drawn_agreements,
                                                                                kind):
    trade = {"trade_kind": kind, "order_id": uuid.uuid4(), "seller_org_id": SELLER, "buyer_org_id": uuid.uuid4(),
             "goods": {"product_id": uuid.uuid4(), "product_name": "ข้าว", "category": "rice", "unit": "ถุง",
                       "quantity": quantity}, "route": None, "received_at": PAID_AT}
    agreements = {agreement.id: agreement for agreement in kinded(drawn_agreements)}
    for credit in credits_for_trade(list(agreements.values()), trade, PAID_AT, lambda org: None):
        agreement = agreements[credit.agreement_id]
        assert agreement.levies(kind) and agreement.basis in ("per_unit", "per_order")
        assert credit.trade_kind == kind
        assert credit.amount_satang == (quantity * agreement.rate if agreement.basis == "per_unit"
                                        else agreement.rate) > 0
