"""Shares and exchanges in the domain alone (no broker, no DB): their state machines, who may take
each step, the stock they reserve and give back, the events they stage (each encoded by its
contract)."""
import copy
import datetime as dt
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chassis.auth import Principal
from chassis.errors import Conflict, Forbidden, InvalidInput, Unprocessable
from contracts import encode
from contracts import marketplace as events
from devtools.samples import place
from marketplace import exchange, sharing

T0 = dt.datetime(2026, 5, 1, 9, 0, tzinfo=dt.timezone.utc)
GIVER, RECEIVER, STRANGER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
OPERATOR = Principal("operator")
SHIP_TO = {"name": "เครือข่ายภูเก็ต", "address_line": "ถนนถลาง", "subdistrict_code": "830101"}
SHIPMENT = {"carrier": "kerry", "tracking_number": "KEX123456789"}


def as_org(org_id):
    return Principal("organisation", org_id)


def listing(owner, kind, stock=10, name="ข้าวหอมมะลิ"):
    return {"id": uuid.uuid4(), "seller_org_id": owner, "active": True, "name_th": name, "category": "rice",
            "unit": "ถุง", "unit_price_satang": 0 if kind != "sale" else 5_000, "stock": stock,
            "listing_kind": kind}


class FakeProducts:
    def __init__(self, *rows):
        self.rows = {row["id"]: row for row in rows}

    def get(self, product_id):
        return self.rows.get(product_id)

    def reserve(self, product_id, quantity):
        row = self.rows[product_id]
        if row["stock"] < quantity:
            return False
        row["stock"] -= quantity
        return True

    def release(self, product_id, quantity):
        self.rows[product_id]["stock"] += quantity


class FakeSellers:
    PLACES = {GIVER: "360101", RECEIVER: "830101", STRANGER: "300101"}

    def place(self, org_id):
        return place(self.PLACES[org_id])

    def get(self, org_id):
        return {"id": org_id, "name_th": f"องค์กร {self.PLACES[org_id]}", "place": self.place(org_id)}


class FakeStore:
    """shares or exchanges: what was saved, copied, so that a step not saved is not seen (and, as
    in the tables, without the events it stages)."""

    def __init__(self):
        self.rows = {}

    def add(self, thing):
        self.rows[thing.id] = copy.deepcopy(thing)
        self.rows[thing.id].events = []

    save = add

    def get(self, thing_id, for_update=False):
        return copy.deepcopy(self.rows.get(thing_id))


class FakeUnitOfWork:
    def __init__(self, *products):
        self.products, self.sellers = FakeProducts(*products), FakeSellers()
        self.shares, self.exchanges = FakeStore(), FakeStore()
        self.emitted = []

    def emit(self, event_type, data):
        encode(event_type, data)  # raises if the payload breaks the contract
        self.emitted.append((event_type, data))

    def types(self):
        return [event_type for event_type, _ in self.emitted]


# -- shares ---------------------------------------------------------------------------------------

def a_share(quantity=4, stock=10):
    giving = listing(GIVER, "share", stock)
    uow = FakeUnitOfWork(giving)
    share = sharing.request_share(uow, as_org(RECEIVER),
                                  {"listing_id": giving["id"], "quantity": quantity, "ship_to": SHIP_TO}, T0)
    return uow, giving, share


def test_a_request_reserves_its_quantity_and_stages_share_requested_with_the_route():
    uow, giving, share = a_share(quantity=4)
    assert giving["stock"] == 6 and share.status == "requested"
    (event_type, data), = uow.emitted
    assert event_type is events.SHARE_REQUESTED
    assert data["route"]["origin"]["province_code"] == "36"
    assert data["route"]["destination"]["province_code"] == "83"
    assert data["goods"] == {"product_id": giving["id"], "product_name": "ข้าวหอมมะลิ", "category": "rice",
                             "unit": "ถุง", "quantity": 4}


def test_requested_approved_shipped_received_each_stage_one_event_and_keep_the_stock_given():
    uow, giving, share = a_share(quantity=4)
    sharing.approve_share(uow, as_org(GIVER), share.id)
    sharing.ship_share(uow, as_org(GIVER), share.id, SHIPMENT, T0)
    received = sharing.confirm_share_receipt(uow, as_org(RECEIVER), share.id, T0)
    assert uow.types() == [events.SHARE_REQUESTED, events.SHARE_APPROVED, events.SHARE_SHIPPED,
                           events.SHARE_RECEIVED]
    assert received.status == "received" and received.receipt["confirmed_by"] == "buyer"
    assert received.shipment["tracking_number"] == "KEX123456789"
    assert giving["stock"] == 6


@pytest.mark.parametrize("step, actor", [(sharing.decline_share, GIVER), (sharing.withdraw_share, RECEIVER)])
def test_a_declined_or_withdrawn_request_gives_its_quantity_back(step, actor):
    uow, giving, share = a_share(quantity=4)
    assert step(uow, as_org(actor), share.id).status in sharing.RELEASED
    assert giving["stock"] == 10


def test_the_receiver_may_withdraw_after_approval_but_not_once_shipped():
    uow, giving, share = a_share(quantity=4)
    sharing.approve_share(uow, as_org(GIVER), share.id)
    sharing.withdraw_share(uow, as_org(RECEIVER), share.id)
    assert giving["stock"] == 10
    uow, giving, share = a_share(quantity=4)
    sharing.approve_share(uow, as_org(GIVER), share.id)
    sharing.ship_share(uow, as_org(GIVER), share.id, SHIPMENT, T0)
    with pytest.raises(Conflict):
        sharing.withdraw_share(uow, as_org(RECEIVER), share.id)
    assert giving["stock"] == 6 and uow.shares.get(share.id).status == "shipped"


@pytest.mark.parametrize("steps, illegal", [
    ((), lambda uow, sid: sharing.ship_share(uow, as_org(GIVER), sid, SHIPMENT, T0)),
    ((), lambda uow, sid: sharing.confirm_share_receipt(uow, as_org(RECEIVER), sid, T0)),
    (("approve",), lambda uow, sid: sharing.approve_share(uow, as_org(GIVER), sid)),
    (("approve",), lambda uow, sid: sharing.decline_share(uow, as_org(GIVER), sid)),
    (("decline",), lambda uow, sid: sharing.approve_share(uow, as_org(GIVER), sid)),
    (("decline",), lambda uow, sid: sharing.withdraw_share(uow, as_org(RECEIVER), sid)),
])
def test_an_illegal_step_is_a_conflict_that_records_nothing_and_moves_no_stock(steps, illegal):
    uow, giving, share = a_share(quantity=4)
    for step in steps:
        {"approve": sharing.approve_share, "decline": sharing.decline_share}[step](uow, as_org(GIVER), share.id)
    before, stock = (len(uow.emitted), uow.shares.get(share.id).status), giving["stock"]
    with pytest.raises(Conflict) as refused:
        illegal(uow, share.id)
    assert not refused.value.args[0].isascii()
    assert (len(uow.emitted), uow.shares.get(share.id).status) == before and giving["stock"] == stock


@pytest.mark.parametrize("step, actor", [
    (lambda uow, p, sid: sharing.approve_share(uow, p, sid), RECEIVER),
    (lambda uow, p, sid: sharing.decline_share(uow, p, sid), STRANGER),
    (lambda uow, p, sid: sharing.withdraw_share(uow, p, sid), GIVER),
    (lambda uow, p, sid: sharing.ship_share(uow, p, sid, SHIPMENT, T0), RECEIVER),
    (lambda uow, p, sid: sharing.get_share(uow, p, sid), STRANGER),
])
def test_only_the_party_whose_step_it_is_may_take_it(step, actor):
    uow, giving, share = a_share(quantity=4)
    with pytest.raises(Forbidden):
        step(uow, as_org(actor), share.id)
    assert len(uow.emitted) == 1 and giving["stock"] == 6 and uow.shares.get(share.id).status == "requested"


def test_an_operator_may_take_any_step_and_its_receipt_says_so():
    uow, giving, share = a_share()
    for step in (sharing.approve_share, lambda *a: sharing.ship_share(*a, SHIPMENT, T0)):
        step(uow, OPERATOR, share.id)
    assert sharing.confirm_share_receipt(uow, OPERATOR, share.id, T0).receipt["confirmed_by"] == "operator"


def test_more_than_is_left_is_a_conflict_and_reserves_nothing():
    giving = listing(GIVER, "share", stock=3)
    uow = FakeUnitOfWork(giving)
    with pytest.raises(Conflict):
        sharing.request_share(uow, as_org(RECEIVER), {"listing_id": giving["id"], "quantity": 4,
                                                      "ship_to": SHIP_TO}, T0)
    assert giving["stock"] == 3 and uow.emitted == [] and uow.shares.rows == {}


@pytest.mark.parametrize("kind, asker", [("sale", RECEIVER), ("exchange", RECEIVER), ("share", GIVER)])
def test_a_sale_an_exchange_listing_or_ones_own_share_cannot_be_asked_for(kind, asker):
    giving = listing(GIVER, kind)
    uow = FakeUnitOfWork(giving)
    with pytest.raises(Unprocessable):
        sharing.request_share(uow, as_org(asker), {"listing_id": giving["id"], "quantity": 1,
                                                   "ship_to": SHIP_TO}, T0)
    assert giving["stock"] == 10 and uow.emitted == []


# -- exchanges ------------------------------------------------------------------------------------

def an_exchange(quantity=3, offered_quantity=5):
    wanted, offered = listing(GIVER, "exchange", name="ข้าวหอมมะลิ"), listing(RECEIVER, "sale", name="ปลาเค็ม")
    uow = FakeUnitOfWork(wanted, offered)
    made = exchange.offer_exchange(uow, as_org(RECEIVER), {
        "listing_id": wanted["id"], "quantity": quantity, "offered_listing_id": offered["id"],
        "offered_quantity": offered_quantity}, T0)
    return uow, wanted, offered, made


OWNER_P, OFFERER_P = as_org(GIVER), as_org(RECEIVER)


def test_an_offer_reserves_both_legs_each_with_its_route():
    uow, wanted, offered, made = an_exchange()
    assert (wanted["stock"], offered["stock"]) == (7, 5)
    (event_type, data), = uow.emitted
    assert event_type is events.EXCHANGE_OFFERED
    assert data["owner_leg"]["route"]["origin"]["province_code"] == "36"
    assert data["owner_leg"]["route"]["destination"]["province_code"] == "83"
    assert data["offerer_leg"]["route"]["origin"]["province_code"] == "83"


def test_accepted_both_legs_shipped_and_received_is_completed():
    uow, wanted, offered, made = an_exchange()
    exchange.accept_exchange(uow, OWNER_P, made.id)
    exchange.ship_exchange_leg(uow, OWNER_P, made.id, SHIPMENT, T0)
    exchange.ship_exchange_leg(uow, OFFERER_P, made.id, SHIPMENT, T0)
    exchange.confirm_exchange_receipt(uow, OFFERER_P, made.id, {}, T0)  # the owner's goods arrived
    assert uow.exchanges.get(made.id).status == "accepted"
    done = exchange.confirm_exchange_receipt(uow, OWNER_P, made.id, {}, T0)
    assert done.status == "completed"
    assert uow.types() == [events.EXCHANGE_OFFERED, events.EXCHANGE_ACCEPTED, events.EXCHANGE_SHIPPED,
                           events.EXCHANGE_SHIPPED, events.EXCHANGE_RECEIVED, events.EXCHANGE_RECEIVED,
                           events.EXCHANGE_COMPLETED]
    assert [data["side"] for event_type, data in uow.emitted if event_type is events.EXCHANGE_RECEIVED] == \
        ["owner", "offerer"]
    assert (wanted["stock"], offered["stock"]) == (7, 5)


@pytest.mark.parametrize("step, actor", [(exchange.decline_exchange, OWNER_P),
                                         (exchange.withdraw_exchange, OFFERER_P)])
def test_a_declined_or_withdrawn_offer_gives_both_legs_back(step, actor):
    uow, wanted, offered, made = an_exchange()
    step(uow, actor, made.id)
    assert (wanted["stock"], offered["stock"]) == (10, 10)


@pytest.mark.parametrize("step, actor", [
    (lambda uow, p, eid: exchange.accept_exchange(uow, p, eid), OFFERER_P),
    (lambda uow, p, eid: exchange.decline_exchange(uow, p, eid), as_org(STRANGER)),
    (lambda uow, p, eid: exchange.withdraw_exchange(uow, p, eid), OWNER_P),
    (lambda uow, p, eid: exchange.get_exchange(uow, p, eid), as_org(STRANGER)),
])
def test_only_the_side_whose_decision_it_is_may_take_it(step, actor):
    uow, wanted, offered, made = an_exchange()
    with pytest.raises(Forbidden):
        step(uow, actor, made.id)
    assert len(uow.emitted) == 1 and uow.exchanges.get(made.id).status == "offered"


def test_a_side_never_confirms_receipt_of_its_own_goods():
    uow, wanted, offered, made = an_exchange()
    exchange.accept_exchange(uow, OWNER_P, made.id)
    exchange.ship_exchange_leg(uow, OWNER_P, made.id, SHIPMENT, T0)
    with pytest.raises(Forbidden):
        exchange.confirm_exchange_receipt(uow, OWNER_P, made.id, {"side": "owner"}, T0)
    with pytest.raises(Conflict):  # the owner confirming the offerer's goods, never shipped
        exchange.confirm_exchange_receipt(uow, OWNER_P, made.id, {}, T0)
    assert uow.exchanges.get(made.id).owner_leg["receipt"] is None


@pytest.mark.parametrize("steps, illegal", [
    ((), lambda uow, eid: exchange.ship_exchange_leg(uow, OWNER_P, eid, SHIPMENT, T0)),
    (("accept",), lambda uow, eid: exchange.withdraw_exchange(uow, OFFERER_P, eid)),
    (("accept",), lambda uow, eid: exchange.decline_exchange(uow, OWNER_P, eid)),
    (("accept", "ship"), lambda uow, eid: exchange.ship_exchange_leg(uow, OWNER_P, eid, SHIPMENT, T0)),
    (("decline",), lambda uow, eid: exchange.accept_exchange(uow, OWNER_P, eid)),
])
def test_an_illegal_exchange_step_is_a_conflict_that_records_nothing(steps, illegal):
    uow, wanted, offered, made = an_exchange()
    for step in steps:
        {"accept": lambda: exchange.accept_exchange(uow, OWNER_P, made.id),
         "decline": lambda: exchange.decline_exchange(uow, OWNER_P, made.id),
         "ship": lambda: exchange.ship_exchange_leg(uow, OWNER_P, made.id, SHIPMENT, T0)}[step]()
    before = (len(uow.emitted), wanted["stock"], offered["stock"])
    with pytest.raises(Conflict):
        illegal(uow, made.id)
    assert (len(uow.emitted), wanted["stock"], offered["stock"]) == before


def test_an_operator_names_the_side_or_is_refused():
    uow, wanted, offered, made = an_exchange()
    exchange.accept_exchange(uow, OPERATOR, made.id)
    with pytest.raises(InvalidInput):
        exchange.ship_exchange_leg(uow, OPERATOR, made.id, SHIPMENT, T0)
    shipped = exchange.ship_exchange_leg(uow, OPERATOR, made.id, {**SHIPMENT, "side": "offerer"}, T0)
    assert shipped.offerer_leg["shipment"] is not None and shipped.owner_leg["shipment"] is None


def test_an_organisation_offers_only_its_own_goods_for_another_ones_exchange_listing():
    wanted, others = listing(GIVER, "exchange"), listing(STRANGER, "sale")
    uow = FakeUnitOfWork(wanted, others)
    with pytest.raises(Forbidden):
        exchange.offer_exchange(uow, OFFERER_P, {"listing_id": wanted["id"], "quantity": 1,
                                                 "offered_listing_id": others["id"], "offered_quantity": 1}, T0)
    with pytest.raises(Unprocessable):
        exchange.offer_exchange(uow, OWNER_P, {"listing_id": wanted["id"], "quantity": 1,
                                               "offered_listing_id": wanted["id"], "offered_quantity": 1}, T0)
    assert (wanted["stock"], others["stock"]) == (10, 10) and uow.emitted == []


# -- the property: stock never negative, what is taken is what the open requests hold ------------

SHARE_STEPS = {
    "approve": lambda uow, sid: sharing.approve_share(uow, as_org(GIVER), sid),
    "decline": lambda uow, sid: sharing.decline_share(uow, as_org(GIVER), sid),
    "withdraw": lambda uow, sid: sharing.withdraw_share(uow, as_org(RECEIVER), sid),
    "ship": lambda uow, sid: sharing.ship_share(uow, as_org(GIVER), sid, SHIPMENT, T0),
    "receive": lambda uow, sid: sharing.confirm_share_receipt(uow, as_org(RECEIVER), sid, T0),
}
EXCHANGE_STEPS = {
    "accept": lambda uow, eid: exchange.accept_exchange(uow, OWNER_P, eid),
    "decline": lambda uow, eid: exchange.decline_exchange(uow, OWNER_P, eid),
    "withdraw": lambda uow, eid: exchange.withdraw_exchange(uow, OFFERER_P, eid),
    "ship_owner": lambda uow, eid: exchange.ship_exchange_leg(uow, OWNER_P, eid, SHIPMENT, T0),
    "ship_offerer": lambda uow, eid: exchange.ship_exchange_leg(uow, OFFERER_P, eid, SHIPMENT, T0),
    "receive_owner": lambda uow, eid: exchange.confirm_exchange_receipt(uow, OFFERER_P, eid, {}, T0),
    "receive_offerer": lambda uow, eid: exchange.confirm_exchange_receipt(uow, OWNER_P, eid, {}, T0),
}


@settings(max_examples=150, deadline=None)
@given(stock=st.integers(0, 30), actions=st.lists(st.one_of(
    st.tuples(st.just("share"), st.integers(1, 12)),
    st.tuples(st.just("exchange"), st.integers(1, 12), st.integers(1, 12)),
    st.tuples(st.just("share_step"), st.integers(0, 20), st.sampled_from(sorted(SHARE_STEPS))),
    st.tuples(st.just("exchange_step"), st.integers(0, 20), st.sampled_from(sorted(EXCHANGE_STEPS)))),
    max_size=40))
def test_stock_is_never_negative_and_what_is_taken_is_the_sum_of_the_open_requests(stock, actions):
    giving, wanted, offered = (listing(GIVER, "share", stock), listing(GIVER, "exchange", stock),
                               listing(RECEIVER, "sale", stock))
    uow = FakeUnitOfWork(giving, wanted, offered)
    share_ids, exchange_ids = [], []
    for action in actions:
        stocks = [row["stock"] for row in (giving, wanted, offered)]
        try:
            if action[0] == "share":
                share_ids.append(sharing.request_share(uow, as_org(RECEIVER), {
                    "listing_id": giving["id"], "quantity": action[1], "ship_to": SHIP_TO}, T0).id)
            elif action[0] == "exchange":
                exchange_ids.append(exchange.offer_exchange(uow, as_org(RECEIVER), {
                    "listing_id": wanted["id"], "quantity": action[1], "offered_listing_id": offered["id"],
                    "offered_quantity": action[2]}, T0).id)
            elif action[0] == "share_step" and share_ids:
                SHARE_STEPS[action[2]](uow, share_ids[action[1] % len(share_ids)])
            elif action[0] == "exchange_step" and exchange_ids:
                EXCHANGE_STEPS[action[2]](uow, exchange_ids[action[1] % len(exchange_ids)])
        except Conflict:  # the unit of work rolls back: the first leg an offer took goes back too
            for row, before in zip((giving, wanted, offered), stocks):
                row["stock"] = before
        shares = [uow.shares.get(sid) for sid in share_ids]
        exchanges = [uow.exchanges.get(eid) for eid in exchange_ids]
        assert min(giving["stock"], wanted["stock"], offered["stock"]) >= 0
        assert stock - giving["stock"] == sum(s.quantity for s in shares if s.status not in sharing.RELEASED)
        open_exchanges = [e for e in exchanges if e.status not in exchange.RELEASED]
        assert stock - wanted["stock"] == sum(e.owner_leg["goods"]["quantity"] for e in open_exchanges)
        assert stock - offered["stock"] == sum(e.offerer_leg["goods"]["quantity"] for e in open_exchanges)
