"""Issue 17 in the funds domain, without broker or database: shipping lines levied only when an
agreement says so, the trade kinds an agreement lists, shares and exchanges credited and posted at
receipt (once), and the routes report."""
import datetime as dt
import uuid

import pytest

from chassis.errors import InvalidInput
from chassis.geography import default_geography
from contracts import Event
from contracts import funds as fund_events
from contracts import marketplace
from devtools import samples
from funds import handlers, routes
from funds.credits import Credit, credits_for_paid_order
from funds.levy import Agreement, refusals
from funds_fakes import Store, paid

SELLER, BUYER, FUND, HOME = uuid.UUID(int=10), uuid.UUID(int=11), uuid.UUID(int=1), uuid.UUID(int=2)
SINCE = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
RECEIVED = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)


def agreement(basis="per_unit", rate=400, trade_kinds=("sale",), levies_shipping=False, category=None,
              seller=SELLER, recipient="fund"):
    return Agreement(id=uuid.uuid4(), version=1, seller_org_id=seller, basis=basis, rate=rate,
                     recipient=recipient, fund_id=FUND if recipient == "fund" else None, category=category,
                     effective_from=SINCE, levies_shipping=levies_shipping, trade_kinds=tuple(trade_kinds))


def rice_with_shipping(bags=25, shipping_satang=15_000):
    lines = [{"line_no": 1, "kind": "goods", "product_id": uuid.UUID(int=101), "product_name": "ข้าวหอมมะลิ",
              "category": "rice", "unit": "ถุง", "quantity": bags, "unit_price_satang": 25_000},
             {"line_no": 2, "kind": "shipping", "product_id": None, "product_name": "ค่าจัดส่ง",
              "category": "shipping", "unit": "ครั้ง", "quantity": 1, "unit_price_satang": shipping_satang}]
    return {"order_id": uuid.uuid4(), "seller_org_id": SELLER, "buyer_org_id": BUYER, "lines": lines,
            "total_satang": bags * 25_000 + shipping_satang, "route": samples.route(), "paid_at": RECEIVED}


def levies(agreements, order):
    return [[(line["line_no"], line["kind"], line["levy_satang"]) for line in credit.lines]
            for credit in credits_for_paid_order(agreements, order, lambda org: None)]


def test_a_shipping_line_is_levied_only_when_the_agreement_says_so():
    order = rice_with_shipping()
    assert levies([agreement()], order) == [[(1, "goods", 10_000)]]
    assert levies([agreement(levies_shipping=True)], order) == [[(1, "goods", 10_000), (2, "shipping", 400)]]
    # basis points of the fee; a category narrows the goods, not the shipping it is told to levy
    assert levies([agreement(basis="basis_points", rate=1_000, levies_shipping=True, category="basketry")],
                  order) == [[(2, "shipping", 1_500)]]


def test_a_per_order_levy_never_lands_on_a_shipping_line_it_does_not_levy():
    order = rice_with_shipping()
    order["lines"][0]["unit_price_satang"] = 0  # the goods given for nothing: only the fee was paid
    assert levies([agreement(basis="per_order", rate=5_000)], order) == []
    assert levies([agreement(basis="per_order", rate=50_000, levies_shipping=True)], order) == [
        [(1, "goods", 0), (2, "shipping", 15_000)]]  # never more than the fee paid


def test_lines_of_orders_before_line_kinds_are_goods():
    order = rice_with_shipping()
    del order["lines"][1]
    del order["lines"][0]["kind"]
    assert levies([agreement()], order) == [[(1, "goods", 10_000)]]


def test_an_agreement_that_does_not_list_sales_levies_no_order():
    assert levies([agreement(trade_kinds=("share",))], rice_with_shipping()) == []


@pytest.mark.parametrize("basis, kinds, field", [
    ("per_unit", (), "trade_kinds"), ("per_unit", ("sale", "sale"), "trade_kinds"),
    ("basis_points", ("sale", "share"), "trade_kinds"), ("basis_points", ("exchange",), "trade_kinds"),
])
def test_what_an_agreement_cannot_say_is_refused_in_thai_first(basis, kinds, field):
    [message] = refusals(basis, kinds)[field]
    assert message[0] >= "\u0e00" and "(" in message  # Thai, then the English in brackets


def test_sound_agreements_are_not_refused():
    assert refusals("per_unit", ("sale", "share", "exchange")) == {}
    assert refusals("basis_points", ("sale",)) == {}


def test_creating_an_agreement_refuses_basis_points_on_shares_and_changes_nothing():
    store = Store(funds=[FUND])
    command = {"seller_org_id": SELLER, "basis": "basis_points", "rate": 100, "recipient": "fund",
               "fund_id": FUND, "effective_from": SINCE, "trade_kinds": ["sale", "share"]}
    uow = store.unit_of_work()
    uow.agreements.add = lambda agreement: store.agreements.append(agreement)
    with pytest.raises(InvalidInput) as refused:
        handlers.create_agreement(uow, command)
    assert set(refused.value.fields) == {"trade_kinds"} and store.agreements == []
    with pytest.raises(InvalidInput):
        handlers.create_agreement(uow, {**command, "basis": "per_unit", "trade_kinds": []})
    assert store.agreements == []
    made = handlers.create_agreement(uow, {**command, "basis": "per_unit", "levies_shipping": True})
    assert made.trade_kinds == ("sale", "share") and made.levies_shipping
    assert handlers.create_agreement(uow, {**command, "basis": "per_unit", "trade_kinds": None}).trade_kinds == (
        "sale",)


# -- shares and exchanges ---------------------------------------------------------------------

def goods(quantity=10, category="rice"):
    return {"product_id": uuid.uuid4(), "product_name": "ข้าวหอมมะลิ", "category": category, "unit": "ถุง",
            "quantity": quantity}


def receipt():
    return {"confirmed_by": "buyer", "received_at": RECEIVED}


def share_received(quantity=10, event_id=None, share_id=None):
    return Event(event_id or uuid.uuid4(), marketplace.SHARE_RECEIVED, RECEIVED, {
        "share_id": share_id or uuid.uuid4(), "giver_org_id": SELLER, "receiver_org_id": BUYER,
        "goods": goods(quantity), "route": samples.route(), "status": "received", "shipment": None,
        "receipt": receipt()})


def exchange_completed(owner_quantity=10, offerer_quantity=4):
    return Event(uuid.uuid4(), marketplace.EXCHANGE_COMPLETED, RECEIVED, {
        "exchange_id": uuid.uuid4(), "owner_org_id": SELLER, "offerer_org_id": BUYER,
        "owner_leg": {"from_org_id": SELLER, "goods": goods(owner_quantity), "route": samples.route(),
                      "receipt": receipt()},
        "offerer_leg": {"from_org_id": BUYER, "goods": goods(offerer_quantity, "basketry"),
                        "route": samples.route("830101", "360101"), "receipt": receipt()},
        "status": "completed"})


def published(store, event_type):
    return [data for kind, data in store.published if kind is event_type]


def test_a_received_share_is_credited_pending_then_posted_at_once_under_an_agreement_that_lists_shares():
    store = Store([agreement(trade_kinds=("sale", "share"))], funds=[FUND])
    store.handle(share_received(quantity=10))
    assert store.fund_balance(FUND) == {"posted": 4_000, "pending": 0}
    [pending], [posted] = published(store, fund_events.LEVY_PENDING), published(store, fund_events.LEVY_POSTED)
    assert pending["trade_kind"] == posted["trade_kind"] == "share"
    assert pending["seller"]["org_id"] == SELLER and pending["buyer"]["org_id"] == BUYER
    assert posted["route"]["destination"]["province_name_th"] == "ภูเก็ต"
    assert [credit.trade_kind for credit in store.counted] == ["share"]


def test_the_same_share_told_again_credits_nothing_more():
    store = Store([agreement(trade_kinds=("share",))], funds=[FUND])
    event = share_received()
    store.handle(event)
    store.handle(event)  # a redelivery past the inbox (a replay)
    store.handle(share_received(share_id=event.data["share_id"]))  # the same share, another event id
    assert store.fund_balance(FUND) == {"posted": 4_000, "pending": 0} and len(store.counted) == 1


def test_a_share_is_not_levied_unless_an_agreement_lists_shares():
    store = Store([agreement(), agreement(trade_kinds=("exchange",))], funds=[FUND])
    store.handle(share_received())
    assert store.published == [] and store.credits == {}


def test_a_fixed_levy_per_share_whatever_the_quantity():
    store = Store([agreement(basis="per_order", rate=2_000, trade_kinds=("share",))], funds=[FUND])
    store.handle(share_received(quantity=300))
    assert store.fund_balance(FUND) == {"posted": 2_000, "pending": 0}


def test_each_side_of_an_exchange_is_levied_by_its_own_givers_agreements():
    home_of_buyer = agreement(seller=BUYER, trade_kinds=("exchange",), rate=100, recipient="seller_home_fund")
    store = Store([agreement(trade_kinds=("exchange",)), agreement(trade_kinds=("sale",)), home_of_buyer],
                  funds=[FUND, HOME])
    store.home_funds[BUYER] = HOME
    store.handle(exchange_completed(owner_quantity=10, offerer_quantity=4))
    assert store.fund_balance(FUND) == {"posted": 4_000, "pending": 0}
    assert store.fund_balance(HOME) == {"posted": 400, "pending": 0}
    routes_of = {data["seller"]["org_id"]: data["route"]["origin"]["province_name_th"]
                 for data in published(store, fund_events.LEVY_POSTED)}
    assert routes_of == {SELLER: "ชัยภูมิ", BUYER: "ภูเก็ต"}


# -- the routes report -------------------------------------------------------------------------

def credit_on(route, trade_kind="sale", status="pending", quantity=25, levy=10_000, order_id=None,
              refunded=None, seller=SELLER):
    credit = Credit(id=uuid.uuid4(), order_id=order_id or uuid.uuid4(), fund_id=FUND, agreement_id=uuid.uuid4(),
                    agreement_version=1, seller_org_id=seller, buyer_org_id=BUYER, amount_satang=levy,
                    lines=({"line_no": 1, "kind": "goods", "quantity": quantity, "levy_satang": levy},
                           {"line_no": 2, "kind": "shipping", "quantity": 1, "levy_satang": 0}),
                    status=status, refunded=refunded or {}, trade_kind=trade_kind)
    ends = {end: route[end] if route else {} for end in ("origin", "destination")}
    return {"credit": credit, **{f"{end}_{key}": ends[end].get(key) for end in ends
                                 for key in ("province_code", "province_group")}}


def test_routes_by_province_with_thai_names_levy_and_volume():
    chaiyaphum_phuket, phuket_chaiyaphum = samples.route(), samples.route("830101", "360101")
    shared = uuid.uuid4()
    rows = [credit_on(chaiyaphum_phuket, status="posted"),
            credit_on(chaiyaphum_phuket, quantity=10, levy=4_000, refunded={1: 5}),  # half refunded
            credit_on(chaiyaphum_phuket, order_id=shared, levy=500),
            credit_on(chaiyaphum_phuket, order_id=shared, levy=700),  # the same order, another agreement
            credit_on(phuket_chaiyaphum, trade_kind="share", status="posted", quantity=3, levy=1_200),
            credit_on(None, levy=100)]
    report = routes.report(rows, "province")
    assert [(r["route_th"], r["pending_satang"], r["posted_satang"], r["orders"], r["units"])
            for r in report["routes"]] == [
        ("ชัยภูมิ → ภูเก็ต", 4_000 - 2_000 + 1_200, 10_000, 3, 25 + 5 + 25),
        ("ภูเก็ต → ชัยภูมิ", 0, 1_200, 1, 3),
        ("ไม่ทราบ → ไม่ทราบ", 100, 0, 1, 25)]
    assert report["routes"][0]["origin"] == {"code": "36", "name_th": "ชัยภูมิ"}


def test_routes_by_province_group_and_bangkok_as_itself():
    rows = [credit_on(samples.route("360101", "100101")), credit_on(samples.route("360101", "360102"))]
    report = routes.report(rows, "group", "sale")
    group = default_geography().groups[8].name_th  # Chaiyaphum's
    assert group.startswith("ภาคตะวันออกเฉียงเหนือ")
    assert {r["route_th"] for r in report["routes"]} == {f"{group} → กรุงเทพมหานคร", f"{group} → {group}"}
    assert {r["destination"]["code"] for r in report["routes"]} == {"bangkok", "8"}
    assert report["trade_kind"] == "sale"


def test_a_route_of_voided_credits_holds_no_levy_and_no_volume():
    [route] = routes.report([credit_on(samples.route(), status="voided")], "province")["routes"]
    assert (route["pending_satang"], route["posted_satang"], route["orders"], route["units"]) == (0, 0, 0, 0)


def test_the_handler_reads_an_officers_own_funds_only():
    calls = []

    class Uow:
        class officers:
            funds_of = staticmethod(lambda officer_id: [FUND])

        class credits:
            @staticmethod
            def for_routes(fund_ids, trade_kind):
                calls.append((fund_ids, trade_kind))
                return []

    principal = type("P", (), {"kind": "officer", "subject_id": uuid.uuid4()})()
    assert handlers.routes_report(Uow, principal, "province", "share") == {
        "by": "province", "trade_kind": "share", "routes": []}
    assert calls == [([FUND], "share")]


def test_an_order_paid_with_shipping_is_credited_goods_only_by_default_through_the_handler_table():
    store = Store([agreement()], funds=[FUND])
    store.handle(paid(rice_with_shipping()))
    [pending] = published(store, fund_events.LEVY_PENDING)
    assert [line["kind"] for line in pending["lines"]] == ["goods"] and pending["amount_satang"] == 10_000
    assert pending["route"]["origin"]["province_name_th"] == "ชัยภูมิ"
