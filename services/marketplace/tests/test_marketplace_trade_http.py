"""Shares and exchanges over HTTP against the real PostgreSQL and RabbitMQ (the service in-process,
as in test_marketplace_http.py). The outbox is the witness: one row per step, each decoding by its
contract with its route, none for a refused step; the listings' stock shows what is reserved."""
import uuid

import pytest

from contracts import decode
from contracts import marketplace as events
from devtools.testing import query
from test_marketplace_http import (  # noqa: F401  (fixtures)
    SHIP_TO, SHIPMENT, add_seller, market, new_product, place, world)

pytestmark = pytest.mark.integration


def listing(world, kind, stock=50, who="seller"):
    response = world[who].call("POST", "/v1/products", {
        "name_th": "ข้าวหอมมะลิ ถุง 5 กิโลกรัม", "unit": "ถุง", "stock": stock, "category": "rice",
        "listing_kind": kind})
    assert response.status_code == 201, response.text
    assert response.json()["listing_kind"] == kind
    return response.json()


def stock_of(world, product):
    return world["stranger"].call("GET", f"/v1/products/{product['id']}").json()["stock"]


def staged(world, key, value):
    """The (routing key, decoded event) of every outbox row whose data[key] is value, in order."""
    rows = query(world["dsn"], "SELECT routing_key, body FROM outbox WHERE (body::jsonb)->'data'->>%s = %s"
                               " ORDER BY id", (key, str(value)))
    return [(row["routing_key"], decode(EVENT_BY_NAME[row["routing_key"]], row["body"])) for row in rows]


EVENT_BY_NAME = {name: getattr(events, name.upper().replace(".", "_"))
                 for name in ("share.requested", "share.approved", "share.declined", "share.withdrawn",
                              "share.shipped", "share.received", "exchange.offered", "exchange.accepted",
                              "exchange.declined", "exchange.withdrawn", "exchange.shipped", "exchange.received",
                              "exchange.completed")}


def requested(world, product, quantity=10, who="buyer"):
    response = world[who].call("POST", "/v1/shares", {"listing_id": product["id"], "quantity": quantity,
                                                      "ship_to": SHIP_TO})
    assert response.status_code == 201, response.text
    return response.json()


def step(world, who, path, body=None, status=200):
    response = world[who].call("POST", path, body)
    assert response.status_code == status, response.text
    return response.json()


# -- shares -----------------------------------------------------------------------------------------

def test_a_share_requested_approved_shipped_received_stages_each_event_with_its_route(world):
    product = listing(world, "share")
    share = requested(world, product, quantity=10)
    assert share["status"] == "requested" and stock_of(world, product) == 40
    step(world, "seller", f"/v1/shares/{share['id']}/approval")
    step(world, "seller", f"/v1/shares/{share['id']}/shipment", SHIPMENT)
    received = step(world, "buyer", f"/v1/shares/{share['id']}/receipt")
    assert received["status"] == "received" and received["receipt"]["confirmed_by"] == "buyer"
    assert received["shipment"]["tracking_number"] == SHIPMENT["tracking_number"]
    outbox = staged(world, "share_id", share["id"])
    assert [key for key, _ in outbox] == ["share.requested", "share.approved", "share.shipped", "share.received"]
    for _, event in outbox:
        assert event.data["route"]["origin"]["province_code"] == "83"
        assert event.data["route"]["destination"]["subdistrict_code"] == SHIP_TO["subdistrict_code"]
        assert event.data["goods"]["quantity"] == 10
    assert stock_of(world, product) == 40


def test_a_declined_share_gives_its_stock_back(world):
    product = listing(world, "share", stock=20)
    share = requested(world, product, quantity=20)
    assert stock_of(world, product) == 0
    assert step(world, "seller", f"/v1/shares/{share['id']}/decline")["status"] == "declined"
    assert stock_of(world, product) == 20
    assert [key for key, _ in staged(world, "share_id", share["id"])] == ["share.requested", "share.declined"]
    step(world, "seller", f"/v1/shares/{share['id']}/approval", status=409)
    assert len(staged(world, "share_id", share["id"])) == 2


def test_only_the_giver_approves_and_a_stranger_sees_nothing(world):
    product = listing(world, "share")
    share = requested(world, product)
    step(world, "buyer", f"/v1/shares/{share['id']}/approval", status=403)
    assert world["stranger"].call("GET", f"/v1/shares/{share['id']}").status_code == 403
    step(world, "stranger", f"/v1/shares/{share['id']}/withdrawal", status=403)
    assert world["seller"].call("GET", f"/v1/shares/{share['id']}").json()["status"] == "requested"
    assert len(staged(world, "share_id", share["id"])) == 1 and stock_of(world, product) == 40


@pytest.mark.parametrize("body, status", [
    ({"quantity": 0}, 400), ({"quantity": "10"}, 400), ({"ship_to": {"name": "x"}}, 400),
    ({"quantity": 51}, 409), ({"listing_id": str(uuid.uuid4())}, 422)])
def test_bad_input_is_refused_and_changes_nothing(world, body, status):
    product = listing(world, "share")
    response = world["buyer"].call("POST", "/v1/shares", {"listing_id": product["id"], "quantity": 10,
                                                          "ship_to": SHIP_TO, **body})
    assert response.status_code == status, response.text
    assert stock_of(world, product) == 50
    assert query(world["dsn"], "SELECT count(*) AS n FROM shares WHERE listing_id = %s",
                 (product["id"],))[0]["n"] == 0


def test_a_share_or_exchange_listing_cannot_be_ordered(world):
    for kind in ("share", "exchange"):
        product = listing(world, kind)
        response = place(world, quantity=1, product=product)
        assert response.status_code == 422, response.text
        assert stock_of(world, product) == 50


def test_a_sale_cannot_be_asked_for_as_a_share(world):
    response = world["buyer"].call("POST", "/v1/shares", {"listing_id": world["product"]["id"], "quantity": 1,
                                                          "ship_to": SHIP_TO})
    assert response.status_code == 422, response.text
    assert stock_of(world, world["product"]) == 100


# -- exchanges --------------------------------------------------------------------------------------

@pytest.fixture
def offerer(world):
    """A second registered organisation, in Chaiyaphum, with goods of its own to offer."""
    offerer_org_id = add_seller(world["dsn"], "36", province_group=9, region="northeast")
    world["offerer"] = world["client"](offerer_org_id)
    return offerer_org_id, new_product(world["offerer"], stock=30)


def offered(world, wanted, goods, quantity=5, offered_quantity=8):
    response = world["offerer"].call("POST", "/v1/exchanges", {
        "listing_id": wanted["id"], "quantity": quantity, "offered_listing_id": goods["id"],
        "offered_quantity": offered_quantity})
    assert response.status_code == 201, response.text
    return response.json()


def test_an_exchange_offered_accepted_shipped_and_received_both_ways_is_completed(world, offerer):
    _, goods = offerer
    wanted = listing(world, "exchange", stock=20)
    made = offered(world, wanted, goods)
    assert (stock_of(world, wanted), stock_of(world, goods)) == (15, 22)
    path = f"/v1/exchanges/{made['id']}"
    step(world, "seller", f"{path}/acceptance")
    step(world, "seller", f"{path}/shipment", SHIPMENT)
    step(world, "offerer", f"{path}/shipment", {"carrier": "kerry", "tracking_number": "KEX123456789"})
    step(world, "offerer", f"{path}/receipt", {})
    done = step(world, "seller", f"{path}/receipt", {})
    assert done["status"] == "completed"
    outbox = staged(world, "exchange_id", made["id"])
    assert [key for key, _ in outbox] == ["exchange.offered", "exchange.accepted", "exchange.shipped",
                                          "exchange.shipped", "exchange.received", "exchange.received",
                                          "exchange.completed"]
    completed = outbox[-1][1].data
    assert completed["owner_leg"]["route"]["origin"]["province_code"] == "83"
    assert completed["offerer_leg"]["route"]["origin"]["province_code"] == "36"
    assert completed["owner_leg"]["receipt"] is not None and completed["offerer_leg"]["receipt"] is not None
    assert (stock_of(world, wanted), stock_of(world, goods)) == (15, 22)


def test_an_exchange_decision_by_the_wrong_side_is_forbidden_and_a_decline_gives_both_back(world, offerer):
    _, goods = offerer
    wanted = listing(world, "exchange", stock=20)
    made = offered(world, wanted, goods)
    path = f"/v1/exchanges/{made['id']}"
    step(world, "offerer", f"{path}/acceptance", status=403)
    step(world, "stranger", f"{path}/decline", status=403)
    step(world, "seller", f"{path}/shipment", SHIPMENT, status=409)
    assert len(staged(world, "exchange_id", made["id"])) == 1
    assert step(world, "seller", f"{path}/decline")["status"] == "declined"
    assert (stock_of(world, wanted), stock_of(world, goods)) == (20, 30)


def test_an_exchange_offer_of_goods_not_ones_own_is_refused_and_reserves_nothing(world, offerer):
    wanted = listing(world, "exchange", stock=20)
    response = world["offerer"].call("POST", "/v1/exchanges", {
        "listing_id": wanted["id"], "quantity": 5, "offered_listing_id": world["product"]["id"],
        "offered_quantity": 1})
    assert response.status_code == 403, response.text
    assert (stock_of(world, wanted), stock_of(world, world["product"])) == (20, 100)


def test_an_organisation_lists_only_the_shares_it_gives_or_receives(world):
    product = listing(world, "share")
    mine, others = requested(world, product, quantity=1), requested(world, product, quantity=1, who="other_buyer")
    listed = world["buyer"].call("GET", "/v1/shares?limit=50")
    assert listed.status_code == 200, listed.text
    ids = {item["id"] for item in listed.json()["items"]}
    assert mine["id"] in ids and others["id"] not in ids
    given = world["seller"].call("GET", "/v1/shares?status=requested&limit=50").json()["items"]
    assert {mine["id"], others["id"]} <= {item["id"] for item in given}
    assert world["buyer"].call("GET", "/v1/shares?status=lost").status_code == 400


def test_an_operator_confirms_an_exchange_leg_by_naming_its_side(world, offerer):
    _, goods = offerer
    made = offered(world, listing(world, "exchange", stock=20), goods)
    path = f"/v1/exchanges/{made['id']}"
    step(world, "operator", f"{path}/acceptance")
    step(world, "operator", f"{path}/shipment", SHIPMENT, status=400)
    step(world, "operator", f"{path}/shipment", {**SHIPMENT, "side": "owner"})
    received = step(world, "operator", f"{path}/receipt", {"side": "owner"})
    assert received["owner_leg"]["receipt"]["confirmed_by"] == "operator"
    assert received["status"] == "accepted" and received["offerer_leg"]["shipment"] is None
