"""Which version of an agreement levies a payment, and the rounding of percentage levies."""
import datetime as dt
import uuid

from funds.credits import credits_for_paid_order
from funds.levy import Agreement

SELLER, FUND = uuid.UUID(int=10), uuid.UUID(int=1)
AGREEMENT = uuid.UUID(int=20)


def version(number, rate, since, until=None, basis="per_unit"):
    return Agreement(id=AGREEMENT, version=number, seller_org_id=SELLER, basis=basis, rate=rate,
                     recipient="fund", fund_id=FUND, effective_from=since, effective_to=until)


def on(year, month):
    return dt.datetime(year, month, 1, tzinfo=dt.timezone.utc)


def order(paid_at, quantity=25, price=25_000):
    return {"order_id": uuid.uuid4(), "seller_org_id": SELLER, "buyer_org_id": uuid.uuid4(),
            "paid_at": paid_at, "lines": [{"line_no": 1, "product_id": uuid.uuid4(), "product_name": "ข้าว",
                                           "category": "rice", "unit": "ถุง", "quantity": quantity,
                                           "unit_price_satang": price}]}


def levied(agreements, paid_at, **kw):
    return [(credit.agreement_version, credit.amount_satang) for credit in
            credits_for_paid_order(agreements, order(paid_at, **kw), lambda org: None)]


def test_a_payment_is_levied_by_the_newest_version_in_force_when_it_was_paid():
    versions = [version(1, 400, on(2020, 1)), version(2, 500, on(2026, 6))]
    assert levied(versions, on(2026, 1)) == [(1, 10_000)]   # a late order.paid keeps the old rate
    assert levied(versions, on(2026, 7)) == [(2, 12_500)]


def test_no_version_in_force_levies_nothing():
    assert levied([version(1, 400, on(2026, 6), until=on(2026, 7))], on(2026, 8)) == []


def test_basis_points_round_half_up_per_line():
    """1.5% of 3 × 33.33 บาท = 149.985 satang → 150."""
    assert levied([version(1, 150, on(2020, 1), basis="basis_points")], on(2026, 1),
                  quantity=3, price=3_333) == [(1, 150)]


def test_a_zero_baht_sale_credits_nothing_whatever_the_agreement():
    for basis, rate in (("per_unit", 400), ("basis_points", 10_000), ("per_order", 5_000)):
        assert levied([version(1, rate, on(2020, 1), basis=basis)], on(2026, 1), price=0) == []


def test_a_levy_never_exceeds_the_money_paid_for_its_line():
    """4 บาท a bag on bags sold at 3 บาท: 3 บาท a bag, never money that was not paid."""
    assert levied([version(1, 400, on(2020, 1))], on(2026, 1), quantity=10, price=300) == [(1, 3_000)]
    assert levied([version(1, 50_000, on(2020, 1), basis="per_order")], on(2026, 1),
                  quantity=2, price=1_000) == [(1, 2_000)]
    assert levied([version(1, 20_000, on(2020, 1), basis="basis_points")], on(2026, 1),
                  quantity=2, price=1_000) == [(1, 2_000)]
