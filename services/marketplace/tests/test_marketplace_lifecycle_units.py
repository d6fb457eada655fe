"""The order lifecycle, in the domain alone: every transition, legal and illegal (no broker, no DB)."""
import datetime as dt
import uuid

import pytest

from chassis.auth import Principal
from chassis.errors import Conflict, Forbidden, InvalidInput, Unprocessable
from contracts import encode
from contracts import marketplace as events
from devtools.samples import route
from marketplace import collection, orders
from marketplace.orders import Line, Order

T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.timezone.utc)
TTL = dt.timedelta(minutes=60)
SELLER, BUYER = uuid.uuid4(), uuid.uuid4()


def new_order():
    """25 bags of rice at 250 baht and 3 bottles of honey at 120 baht, placed at T0."""
    lines = [Line(1, uuid.uuid4(), "ข้าวหอมมะลิ", "rice", "ถุง", 25, 25_000),
             Line(2, uuid.uuid4(), "น้ำผึ้งป่า", "honey", "ขวด", 3, 12_000)]
    return Order(uuid.uuid4(), SELLER, BUYER, {"name": "x"}, lines, placed_at=T0, expires_at=T0 + TTL,
                 route=route())


SHIPMENT = {"carrier": "thailand_post", "tracking_number": "EE123456785TH", "shipped_at": T0}
RECEIPT = {"confirmed_by": "buyer", "received_at": T0}
PAYMENT = {"method": "provider", "provider": "omise", "charge_id": "chrg_test_1", "reference": "CODI-ABCD2345",
           "confirmed_by": {"kind": "provider", "id": "omise"}, "received_at": T0}


def paid_order():
    order = new_order()
    order.pay(uuid.uuid4(), PAYMENT, T0)
    order.events.clear()
    return order


def in_state(state):
    """An order brought to ``state`` by legal steps only."""
    order = paid_order() if state != "placed" else new_order()
    steps = {
        "placed": [], "paid": [],
        "partially_refunded": [lambda o: o.refund([{"line_no": 1, "quantity": 5}], uuid.uuid4())],
        "refunded": [lambda o: o.refund([{"line_no": 1, "quantity": 25}, {"line_no": 2, "quantity": 3}],
                                        uuid.uuid4())],
        "shipped": [lambda o: o.ship(SHIPMENT)],
        "delivered": [lambda o: o.ship(SHIPMENT), lambda o: o.deliver(RECEIPT)],
        "cancelled": [lambda o: o.cancel("ลูกค้าขอยกเลิก", uuid.uuid4())],
        "expired": [],
    }[state]
    if state == "expired":
        order = new_order()
        order.expire(T0 + TTL)
    for step in steps:
        step(order)
    order.events.clear()
    return order


ACTIONS = {
    "pay": lambda o: o.pay(uuid.uuid4(), PAYMENT, T0),
    "ship": lambda o: o.ship(SHIPMENT),
    "deliver": lambda o: o.deliver(RECEIPT),
    "cancel": lambda o: o.cancel(None, uuid.uuid4()),
    "expire": lambda o: o.expire(T0 + TTL),
    "refund": lambda o: o.refund([{"line_no": 2, "quantity": 1}], uuid.uuid4()),
}
EVENT_OF = {"pay": events.ORDER_PAID, "ship": events.ORDER_SHIPPED, "deliver": events.ORDER_DELIVERED,
            "cancel": events.ORDER_CANCELLED, "expire": events.ORDER_EXPIRED,
            "refund": events.ORDER_REFUNDED}
LEGAL = {
    "placed": {"pay", "cancel", "expire"},
    "paid": {"ship", "cancel", "refund"},
    "partially_refunded": {"ship", "cancel", "refund"},
    "refunded": {"cancel"},
    "shipped": {"deliver", "refund"},
    "delivered": {"refund"},
    "cancelled": set(),
    "expired": set(),
}
ALL_STEPS = [(state, action) for state in LEGAL for action in ACTIONS]


@pytest.mark.parametrize("state, action", [p for p in ALL_STEPS if p[1] in LEGAL[p[0]]])
def test_a_legal_step_records_exactly_one_event_that_satisfies_its_contract(state, action):
    order = in_state(state)
    ACTIONS[action](order)
    [(event_type, data)] = order.events
    assert event_type is EVENT_OF[action]
    encode(event_type, data)  # raises if the payload breaks the contract


@pytest.mark.parametrize("state, action", [p for p in ALL_STEPS if p[1] not in LEGAL[p[0]]])
def test_an_illegal_step_is_a_conflict_and_changes_nothing(state, action):
    order = in_state(state)
    before = (order.status, order.payment_status, order.fulfilment_status, dict(order.refunded))
    with pytest.raises(Conflict):
        ACTIONS[action](order)
    assert order.events == []
    assert (order.status, order.payment_status, order.fulfilment_status, order.refunded) == before


def test_shipping_then_delivering_completes_the_order():
    order = paid_order()
    order.ship(SHIPMENT)
    assert (order.status, order.fulfilment_status, order.shipment) == ("confirmed", "shipped", SHIPMENT)
    order.deliver(RECEIPT)
    assert (order.status, order.fulfilment_status, order.receipt) == ("completed", "delivered", RECEIPT)
    assert order.events[-1][1]["receipt"] == RECEIPT and order.events[0][1]["shipment"] == SHIPMENT


def test_an_unpaid_order_cannot_expire_before_its_time():
    order = new_order()
    with pytest.raises(Conflict):
        order.expire(T0 + TTL - dt.timedelta(seconds=1))
    order.expire(T0 + TTL)
    assert order.status == "expired"


def test_cancelling_an_unpaid_order_refunds_nothing():
    order = new_order()
    order.cancel("สั่งผิด", uuid.uuid4())
    assert (order.status, order.payment_status, order.cancel_reason) == ("cancelled", "unpaid", "สั่งผิด")
    assert order.events[0][1]["refunded_satang"] == 0 and order.events[0][1]["refund_id"] is None


def test_cancelling_a_partly_refunded_order_returns_only_what_is_left():
    order = in_state("partially_refunded")
    order.cancel(None, uuid.uuid4())
    assert order.payment_status == "refunded" and order.refunded_satang == order.total_satang
    [(_, cancelled)] = order.events
    assert cancelled["refunded_satang"] == order.total_satang - 5 * 25_000
    assert cancelled["refunded_lines"] == [{"line_no": 1, "quantity": 20}, {"line_no": 2, "quantity": 3}]


def test_refunds_by_line_quantity_add_up_to_the_amount_paid_and_no_more():
    order = paid_order()
    assert order.refund([{"line_no": 1, "quantity": 10}], uuid.uuid4()) == 250_000
    assert order.payment_status == "partially_refunded"
    assert order.refund([{"line_no": 1, "quantity": 15}, {"line_no": 2, "quantity": 2}],
                        uuid.uuid4()) == 375_000 + 24_000
    assert order.payment_status == "partially_refunded"
    with pytest.raises(Unprocessable) as refused:
        order.refund([{"line_no": 2, "quantity": 2}], uuid.uuid4())
    assert refused.value.details["lines"] == [{"line_no": 2, "refundable": 1}]
    order.refund([{"line_no": 2, "quantity": 1}], uuid.uuid4())
    assert order.payment_status == "refunded"
    assert order.refunded_satang == order.total_satang


@pytest.mark.parametrize("requested, error", [
    ([{"line_no": 1, "quantity": 26}], Unprocessable),
    ([{"line_no": 3, "quantity": 1}], Unprocessable),
    ([{"line_no": 1, "quantity": 1}, {"line_no": 1, "quantity": 1}], InvalidInput),
])
def test_a_refusable_refund_changes_nothing(requested, error):
    order = paid_order()
    with pytest.raises(error):
        order.refund(requested, uuid.uuid4())
    assert (order.payment_status, order.refunded, order.events) == ("paid", {}, [])


def test_a_wrong_amount_holds_the_order_for_review_and_it_is_never_paid_nor_expired():
    order = new_order()
    order.hold_for_review()
    assert (order.status, order.payment_status, order.events) == ("placed", "held_for_review", [])
    for step in (lambda: order.pay(uuid.uuid4(), PAYMENT, T0), lambda: order.expire(T0 + TTL),
                 lambda: order.ship(SHIPMENT)):
        with pytest.raises(Conflict):
            step()


def test_a_refund_asked_of_the_provider_holds_its_lines_back_until_confirmed():
    order = paid_order()
    assert order.request_refund([{"line_no": 1, "quantity": 20}]) == 500_000
    assert order.events == [] and order.payment_status == "paid" and order.refunded_satang == 0
    with pytest.raises(Unprocessable):
        order.refund([{"line_no": 1, "quantity": 6}], uuid.uuid4())  # 20 of 25 are on their way back
    order.confirm_refund([{"line_no": 1, "quantity": 20}], uuid.uuid4())
    assert [event for event, _ in order.events] == [events.ORDER_REFUNDED]
    assert order.refunded_satang == 500_000 and order.pending_refunds == {}


def test_a_cancellation_through_the_provider_happens_when_the_refund_is_confirmed():
    order = paid_order()
    lines, amount = order.request_cancellation()
    assert amount == order.total_satang and order.status == "confirmed" and order.events == []
    for step in (lambda: order.ship(SHIPMENT), lambda: order.cancel(None, uuid.uuid4()), order.request_cancellation):
        with pytest.raises(Conflict):
            step()
    order.confirm_cancellation("สั่งซ้ำ", uuid.uuid4(), lines)
    [(event_type, data)] = order.events
    assert event_type is events.ORDER_CANCELLED and data["refunded_satang"] == order.total_satang
    assert (order.status, order.payment_status) == ("cancelled", "refunded")


# -- the use cases, over an in-memory unit of work --------------------------------------

class FakeProducts:
    def __init__(self):
        self.released = []

    def release(self, product_id, quantity):
        self.released.append((product_id, quantity))


class FakeOrders:
    def __init__(self, *stored):
        self.rows = {order.id: order for order in stored}
        self.saved = []
        self.found = None

    def get(self, order_id, for_update=False):
        return self.rows.get(order_id)

    def save(self, order, **details):
        self.saved.append((order.id, order.status))

    def due_for_expiry(self, now, limit):
        return [o.id for o in self.rows.values() if o.status == "placed" and o.expires_at <= now][:limit]

    def find(self, party, after, limit, **equal_to):
        self.found = {"party": party, "after": after, "limit": limit, **equal_to}
        return [], None


class FakePayments:
    def of_order(self, order_id):
        return []  # paid by a direct transfer (or by version 1): refunds count at once


class FakeUnitOfWork:
    def __init__(self, *stored):
        self.orders = FakeOrders(*stored)
        self.products = FakeProducts()
        self.payments = FakePayments()
        self.emitted = []

    def emit(self, event_type, data):
        self.emitted.append(event_type)


OPERATOR = Principal("operator")
AS_SELLER, AS_BUYER = Principal("organisation", SELLER), Principal("organisation", BUYER)
STRANGER = Principal("organisation", uuid.uuid4())


def test_cancellation_releases_every_reserved_line_and_emits_once():
    order = new_order()
    uow = FakeUnitOfWork(order)
    collection.cancel_order(uow, AS_BUYER, order.id, {"reason": "เปลี่ยนใจ"}, T0)
    assert sorted(uow.products.released) == sorted((line.product_id, line.quantity) for line in order.lines)
    assert uow.emitted == [events.ORDER_CANCELLED]
    assert uow.orders.saved == [(order.id, "cancelled")]


def test_the_expiry_sweep_expires_only_overdue_unpaid_orders():
    overdue, fresh, paid = new_order(), new_order(), paid_order()
    fresh.expires_at = T0 + 2 * TTL
    uow = FakeUnitOfWork(overdue, fresh, paid)
    expired = orders.expire_due_orders(uow, T0 + TTL, limit=100)
    assert [order.id for order in expired] == [overdue.id]
    assert uow.emitted == [events.ORDER_EXPIRED]
    assert len(uow.products.released) == len(overdue.lines)
    assert fresh.status == "placed" and paid.status == "confirmed"


@pytest.mark.parametrize("use_case", [
    lambda uow, who, order: orders.ship_order(uow, who, order.id, {}, T0),
    lambda uow, who, order: collection.refund_order(uow, who, order.id,
                                                    {"lines": [{"line_no": 1, "quantity": 1}]}, T0),
])
def test_only_the_seller_or_an_operator_ships_and_refunds(use_case):
    for principal in (AS_BUYER, STRANGER):
        uow = FakeUnitOfWork(paid_order())
        with pytest.raises(Forbidden):
            use_case(uow, principal, next(iter(uow.orders.rows.values())))
        assert uow.emitted == []
    for principal in (AS_SELLER, OPERATOR):
        uow = FakeUnitOfWork(paid_order())
        use_case(uow, principal, next(iter(uow.orders.rows.values())))
        assert len(uow.emitted) == 1


def test_a_stranger_cannot_cancel_someone_elses_order():
    uow = FakeUnitOfWork(new_order())
    with pytest.raises(Forbidden):
        collection.cancel_order(uow, STRANGER, next(iter(uow.orders.rows)), {}, T0)
    assert uow.emitted == [] and uow.products.released == []


def test_a_refund_reports_its_amount_and_lines():
    order = paid_order()
    uow = FakeUnitOfWork(order)
    status, _, refund = collection.refund_order(uow, OPERATOR, order.id,
                                                {"lines": [{"line_no": 2, "quantity": 2}]}, T0)
    assert (status, refund["status"]) == (201, "confirmed")
    assert refund["amount_satang"] == 24_000 and refund["order_id"] == order.id
    assert uow.emitted == [events.ORDER_REFUNDED]


def test_an_organisation_lists_only_orders_it_is_party_to():
    uow = FakeUnitOfWork()
    orders.list_orders(uow, AS_BUYER, {"limit": 20, "seller_org_id": SELLER})
    assert uow.orders.found["party"] == BUYER and uow.orders.found["seller_org_id"] == SELLER
    orders.list_orders(uow, OPERATOR, {"limit": 20})
    assert uow.orders.found["party"] is None
    with pytest.raises(Forbidden):
        orders.list_orders(uow, Principal("officer", uuid.uuid4()), {"limit": 20})
