"""Delivery in the domain alone (no broker, no DB): postal tracking numbers, sellers' delivery
options and the route and shipping line they give an order, disputes, the automatic receipt."""
import datetime as dt
import uuid

import pytest
from marshmallow import ValidationError

from chassis.auth import Principal
from chassis.errors import Conflict, Forbidden, InvalidInput, Unprocessable
from contracts import encode
from contracts import marketplace as events
from devtools.samples import place
from marketplace import collection, delivery, orders, schemas
from marketplace.orders import Line, Order

T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.timezone.utc)
DAYS7 = dt.timedelta(days=7)
SELLER, BUYER = uuid.uuid4(), uuid.uuid4()
CENTRE = uuid.uuid4()
PAYMENT = {"method": "direct_transfer", "provider": None, "charge_id": None, "reference": "KTB-1",
           "confirmed_by": {"kind": "organisation", "id": str(SELLER)}, "received_at": T0}


# -- UPU S10: 2 letters, 8 digits, check digit (weights 8 6 4 2 3 5 9 7; 11 - sum % 11, 10 → 0,
# 11 → 5), 2-letter country ----------------------------------------------------------------

@pytest.mark.parametrize("number", [
    "EE123456785TH",   # 8+12+12+8+15+30+63+56 = 204, 204 % 11 = 6: 11 - 6 = 5
    "RR123456785TH",   # another service indicator, the same serial and check digit
    "EA000000005TH",   # sum 0: 11 - 0 = 11 → 5
    "EE000000080TH",   # 8 × 7 = 56, 56 % 11 = 1: 11 - 1 = 10 → 0
])
def test_true_s10_numbers_pass(number):
    assert delivery.tracking_number_problem("thailand_post", number) is None


@pytest.mark.parametrize("number", [
    "EE123456784TH",   # the check digit off by one
    "EE123456780TH",
    "EA000000000TH",   # 11 → 5, not 0
    "EE000000085TH",   # 10 → 0, not 5
    "EE123456785ZZ",   # no such country
])
def test_s10_shaped_postal_numbers_with_a_wrong_check_digit_or_country_are_refused(number):
    problem = delivery.tracking_number_problem("thailand_post", number)
    assert problem is not None and problem.startswith("เลขพัสดุไปรษณีย์ไทย")


@pytest.mark.parametrize("carrier, number", [
    ("kerry", "EE123456784TH"),          # other carriers: not S10, the general rule only
    ("thailand_post", "TH0123456789"),   # not of the S10 shape
    ("thailand_post", "ee123456785th"),  # lower case is the same number
])
def test_other_carriers_and_shapes_keep_the_general_rule(carrier, number):
    assert delivery.tracking_number_problem(carrier, number) is None


def test_the_shipment_schema_refuses_a_wrong_check_digit_and_capitalises_postal_numbers():
    with pytest.raises(ValidationError) as refused:
        schemas.ShipmentIn().load({"carrier": "thailand_post", "tracking_number": "EE123456784TH"})
    assert "tracking_number" in refused.value.messages
    loaded = schemas.ShipmentIn().load({"carrier": "thailand_post", "tracking_number": "ee123456785th"})
    assert loaded["tracking_number"] == "EE123456785TH"
    assert schemas.ShipmentIn().load({"carrier": "kerry", "tracking_number": "kex123456"})["tracking_number"] \
        == "kex123456"


# -- delivery options and what they make of an order --------------------------------------------

def centre(status="active", subdistrict="300101"):
    return {"id": CENTRE, "name_th": "ศูนย์กระจายสินค้านครราชสีมา", "name_en": None, "place": place(subdistrict),
            "address": "ถนนมิตรภาพ", "opening_hours": [{"days": ["mon"], "opens": "08:00", "closes": "17:00"}],
            "time_zone": "Asia/Bangkok", "contact": {"name_th": "ผู้ประสานงาน"}, "serves_groups": [10],
            "status": status}


class FakeSellers:
    def exists(self, seller_org_id):
        return seller_org_id == SELLER

    def place(self, seller_org_id):
        return place("360101")


class FakeCentres:
    def __init__(self, *centres):
        self.rows = {row["id"]: row for row in centres}

    def get_many(self, ids):
        return {i: self.rows[i] for i in ids if i in self.rows}

    def all(self):
        return list(self.rows.values())


class FakeOptions:
    def __init__(self, options=None):
        self.options = options

    def get(self, seller_org_id):
        return self.options

    def put(self, seller_org_id, options):
        self.options = options


class FakeProducts:
    def __init__(self):
        self.product = {"id": uuid.uuid4(), "seller_org_id": SELLER, "active": True, "name_th": "ข้าว",
                        "category": "rice", "unit": "ถุง", "unit_price_satang": 25_000,
                        "listing_kind": "sale"}

    def get_many(self, ids):
        return {self.product["id"]: self.product}

    def reserve(self, product_id, quantity):
        return True

    def release(self, product_id, quantity):
        pass


class FakeOrders:
    def __init__(self, *stored):
        self.rows = {order.id: order for order in stored}

    def add(self, order):
        self.rows[order.id] = order

    def get(self, order_id, for_update=False):
        return self.rows.get(order_id)

    def save(self, order, **details):
        pass

    def due_for_automatic_receipt(self, shipped_before, limit):
        return [o.id for o in self.rows.values() if o.fulfilment_status == "shipped" and o.dispute is None
                and o.shipment["shipped_at"] <= shipped_before][:limit]


class FakePayments:
    def of_order(self, order_id):
        return []  # a direct transfer: refunds count at once


class FakeUnitOfWork:
    def __init__(self, options=None, centres=(), stored=()):
        self.sellers, self.distribution_centres = FakeSellers(), FakeCentres(*centres)
        self.delivery_options, self.products = FakeOptions(options), FakeProducts()
        self.orders, self.payments = FakeOrders(*stored), FakePayments()
        self.emitted = []

    def emit(self, event_type, data):
        encode(event_type, data)  # raises if the payload breaks the contract
        self.emitted.append((event_type, data))


SHIP_TO = {"name": "เครือข่ายภูเก็ต", "address_line": "ถนนถลาง", "subdistrict_code": "830101"}
AS_SELLER, AS_BUYER = Principal("organisation", SELLER), Principal("organisation", BUYER)
OPERATOR = Principal("operator")


def place_order(uow, delivery_choice=None):
    command = {"lines": [{"product_id": uow.products.product["id"], "quantity": 2}], "ship_to": SHIP_TO}
    if delivery_choice is not None:
        command["delivery"] = delivery_choice
    return orders.place_order(uow, AS_BUYER, command, T0, dt.timedelta(hours=1))


def test_a_seller_that_never_said_ships_by_carrier_at_no_fee_or_is_picked_up_at():
    uow = FakeUnitOfWork()
    assert delivery.get_delivery_options(uow, SELLER) == {"seller_org_id": SELLER, **delivery.DEFAULT_OPTIONS}
    order = place_order(uow)  # no delivery given: by a carrier to ship_to
    assert [line.kind for line in order.lines] == ["goods"]
    assert order.route["destination"]["method"] == "carrier"
    assert order.route["destination"]["subdistrict_code"] == "830101"
    local = place_order(uow, {"method": "local_pickup"})
    assert local.route["destination"]["subdistrict_code"] == "360101"  # the seller's own place


def test_a_carrier_fee_is_its_own_shipping_line_in_the_total():
    uow = FakeUnitOfWork({"carrier": {"fee_satang": 5_000}, "distribution_centre_ids": [], "local_pickup": False})
    order = place_order(uow, {"method": "carrier"})
    goods, shipping = order.lines
    assert (shipping.kind, shipping.product_id, shipping.product_name, shipping.quantity,
            shipping.unit_price_satang, shipping.line_no) == ("shipping", None, "ค่าจัดส่ง", 1, 5_000, 2)
    assert order.total_satang == 2 * 25_000 + 5_000
    [(event_type, data)] = uow.emitted
    assert event_type == events.ORDER_PLACED and data["total_satang"] == 55_000


def test_a_pickup_at_a_centre_goes_to_the_centres_place_with_its_name_and_id():
    uow = FakeUnitOfWork({"carrier": None, "distribution_centre_ids": [CENTRE], "local_pickup": False},
                         centres=[centre()])
    order = place_order(uow, {"method": "distribution_centre", "distribution_centre_id": CENTRE})
    destination = order.route["destination"]
    assert (destination["method"], destination["distribution_centre_id"], destination["subdistrict_code"],
            destination["province_code"], destination["name_th"]) == (
        "distribution_centre", CENTRE, "300101", "30", "ศูนย์กระจายสินค้านครราชสีมา")
    assert [line.kind for line in order.lines] == ["goods"]


@pytest.mark.parametrize("options, centres, choice", [
    ({"carrier": None, "distribution_centre_ids": [], "local_pickup": True}, [], {"method": "carrier"}),
    ({"carrier": {"fee_satang": 0}, "distribution_centre_ids": [], "local_pickup": False}, [],
     {"method": "local_pickup"}),
    ({"carrier": {"fee_satang": 0}, "distribution_centre_ids": [], "local_pickup": True}, [centre()],
     {"method": "distribution_centre", "distribution_centre_id": CENTRE}),   # not among its centres
    ({"carrier": None, "distribution_centre_ids": [CENTRE], "local_pickup": False}, [centre("planned")],
     {"method": "distribution_centre", "distribution_centre_id": CENTRE}),   # not open yet
])
def test_an_option_the_seller_does_not_offer_is_refused_in_thai_first(options, centres, choice):
    uow = FakeUnitOfWork(options, centres=centres)
    with pytest.raises(Unprocessable) as refused:
        place_order(uow, choice)
    assert str(refused.value).startswith("ผู้ขายไม่มีวิธีจัดส่งนี้") and not uow.emitted


def test_delivery_options_name_only_known_open_centres_and_only_the_seller_or_an_operator_sets_them():
    uow = FakeUnitOfWork(centres=[centre()])
    command = {"carrier": {"fee_satang": 4_000}, "distribution_centre_ids": [CENTRE], "local_pickup": False}
    assert delivery.set_delivery_options(uow, AS_SELLER, SELLER, command)["distribution_centre_ids"] == [CENTRE]
    assert uow.delivery_options.options == command
    with pytest.raises(Forbidden):
        delivery.set_delivery_options(uow, AS_BUYER, SELLER, command)
    with pytest.raises(Unprocessable):
        delivery.set_delivery_options(uow, OPERATOR, SELLER, {**command, "distribution_centre_ids": [uuid.uuid4()]})
    with pytest.raises(InvalidInput):
        delivery.set_delivery_options(uow, OPERATOR, SELLER, {**command, "distribution_centre_ids": [CENTRE] * 2})
    uow.distribution_centres.rows[CENTRE]["status"] = "closed"
    with pytest.raises(Unprocessable):
        delivery.set_delivery_options(uow, OPERATOR, SELLER, command)
    assert delivery.list_distribution_centres(uow) == []  # closed centres are not listed


def test_the_delivery_schemas_refuse_what_makes_no_sense():
    with pytest.raises(ValidationError):
        schemas.DeliveryOptionsIn().load({"carrier": None, "distribution_centre_ids": [], "local_pickup": False})
    with pytest.raises(ValidationError):
        schemas.DeliveryOptionsIn().load({"carrier": {"fee_satang": -1}, "distribution_centre_ids": [],
                                          "local_pickup": True})
    with pytest.raises(ValidationError):
        schemas.DeliveryIn().load({"method": "distribution_centre"})
    with pytest.raises(ValidationError):
        schemas.DeliveryIn().load({"method": "carrier", "distribution_centre_id": str(CENTRE)})


# -- disputes and the automatic receipt --------------------------------------------------------

def shipped_order(shipped_at=T0):
    order = Order(uuid.uuid4(), SELLER, BUYER, SHIP_TO,
                  [Line(1, uuid.uuid4(), "ข้าว", "rice", "ถุง", 2, 25_000),
                   Line(2, None, "ค่าจัดส่ง", "shipping", "ครั้ง", 1, 5_000, kind="shipping")],
                  placed_at=T0, expires_at=T0 + DAYS7,
                  route=delivery.route(place("360101"), place("830101"), name_th="x"))
    order.pay(uuid.uuid4(), PAYMENT, T0)
    order.ship({"carrier": "thailand_post", "tracking_number": "EE123456785TH", "shipped_at": shipped_at})
    order.events.clear()
    return order


DISPUTE = {"reason": "ได้ของไม่ครบ"}


def test_only_the_buyer_disputes_a_shipped_order_once_and_its_event_keeps_the_contract():
    order = shipped_order()
    uow = FakeUnitOfWork(stored=[order])
    with pytest.raises(Forbidden):
        orders.dispute_order(uow, AS_SELLER, order.id, DISPUTE, T0)
    with pytest.raises(Forbidden):
        orders.dispute_order(uow, OPERATOR, order.id, DISPUTE, T0)
    orders.dispute_order(uow, AS_BUYER, order.id, DISPUTE, T0)
    [(event_type, data)] = uow.emitted
    assert event_type == events.ORDER_DISPUTED and data["dispute"]["opened_by_org_id"] == BUYER
    with pytest.raises(Conflict):
        orders.dispute_order(uow, AS_BUYER, order.id, DISPUTE, T0)
    with pytest.raises(Conflict):  # a disputed order is received only by an operator's resolution
        orders.confirm_receipt(uow, AS_BUYER, order.id, T0)


def test_an_order_not_yet_shipped_or_already_received_cannot_be_disputed():
    order = shipped_order()
    order.deliver({"confirmed_by": "buyer", "received_at": T0})
    with pytest.raises(Conflict):
        order.open_dispute({**DISPUTE, "opened_by_org_id": BUYER, "opened_at": T0})
    paid = shipped_order()
    paid.fulfilment_status, paid.shipment = "unfulfilled", None
    with pytest.raises(Conflict):
        paid.open_dispute({**DISPUTE, "opened_by_org_id": BUYER, "opened_at": T0})


def test_an_operator_resolving_as_received_delivers_in_its_name_once():
    order = shipped_order()
    uow = FakeUnitOfWork(stored=[order])
    orders.dispute_order(uow, AS_BUYER, order.id, DISPUTE, T0)
    with pytest.raises(Forbidden):
        collection.resolve_dispute(uow, AS_BUYER, order.id, {"outcome": "received"}, T0)
    status, order, refund = collection.resolve_dispute(uow, OPERATOR, order.id, {"outcome": "received"}, T0)
    assert (status, refund, order.status, order.fulfilment_status) == (200, None, "completed", "delivered")
    event_type, data = uow.emitted[-1]
    assert event_type == events.ORDER_DELIVERED and data["receipt"]["confirmed_by"] == "operator"
    assert order.dispute["outcome"] == "received"
    with pytest.raises(Conflict):
        collection.resolve_dispute(uow, OPERATOR, order.id, {"outcome": "refund"}, T0)


def test_an_operator_resolving_as_refund_gives_back_everything_still_paid_and_nothing_is_received():
    order = shipped_order()
    order.refund([{"line_no": 1, "quantity": 1}], uuid.uuid4())  # the seller gave one bag back already
    order.events.clear()
    uow = FakeUnitOfWork(stored=[order])
    orders.dispute_order(uow, AS_BUYER, order.id, DISPUTE, T0)
    status, order, refund = collection.resolve_dispute(uow, OPERATOR, order.id, {"outcome": "refund"}, T0)
    assert status == 200 and refund["status"] == "confirmed"
    assert refund["amount_satang"] == 25_000 + 5_000 and order.payment_status == "refunded"
    assert [event_type for event_type, _ in uow.emitted] == [events.ORDER_DISPUTED, events.ORDER_REFUNDED]
    with pytest.raises(Conflict):
        order.deliver({"confirmed_by": "automatic", "received_at": T0})
    assert not order.receivable_automatically(T0 + 2 * DAYS7, DAYS7)


def test_a_dispute_with_nothing_left_to_refund_is_resolved_without_a_refund():
    order = shipped_order()
    order.refund([{"line_no": 1, "quantity": 2}, {"line_no": 2, "quantity": 1}], uuid.uuid4())
    uow = FakeUnitOfWork(stored=[order])
    orders.dispute_order(uow, AS_BUYER, order.id, DISPUTE, T0)
    status, order, refund = collection.resolve_dispute(uow, OPERATOR, order.id, {"outcome": "refund"}, T0)
    assert (status, refund, order.dispute["outcome"]) == (200, None, "refund")


def test_the_automatic_receipt_takes_only_orders_shipped_long_enough_ago_and_never_disputed():
    due, recent, disputed, received = (shipped_order(), shipped_order(T0 + dt.timedelta(days=2)),
                                       shipped_order(), shipped_order())
    disputed.open_dispute({**DISPUTE, "opened_by_org_id": BUYER, "opened_at": T0})
    received.deliver({"confirmed_by": "buyer", "received_at": T0})
    now = T0 + DAYS7 + dt.timedelta(hours=1)
    assert [order.receivable_automatically(now, DAYS7) for order in (due, recent, disputed, received)] \
        == [True, False, False, False]
    assert due.receivable_automatically(T0 + DAYS7, DAYS7)  # exactly the days: due
    uow = FakeUnitOfWork(stored=[due, recent, disputed])
    disputed.events.clear()
    done = orders.confirm_receipts_automatically(uow, now, DAYS7, limit=100)
    assert [order.id for order in done] == [due.id]
    [(event_type, data)] = uow.emitted
    assert event_type == events.ORDER_DELIVERED and data["receipt"] == {"confirmed_by": "automatic",
                                                                         "received_at": now}
    assert orders.confirm_receipts_automatically(uow, now, DAYS7, limit=100) == []  # once only
