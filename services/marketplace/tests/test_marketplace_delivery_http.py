"""Delivery over HTTP against the real PostgreSQL and RabbitMQ (the service in-process, as in
test_marketplace_http.py): distribution centres from the registry's events, sellers' delivery
options, postal tracking numbers, disputes and the automatic receipt.

The outbox is the witness: one row per step, none for a refused step."""
import datetime as dt
import uuid

import eventlet
import pytest

from chassis.db import Database
from contracts import centres
from devtools.samples import place
from devtools.testing import publish_event, query
from marketplace.adapters import MarketUnitOfWork
from test_marketplace_http import (  # noqa: F401  (fixtures)
    SHIP_TO, SHIPMENT, eventually, market, outbox_of, paid, world)

pytestmark = pytest.mark.integration


def centre_snapshot(centre_id, status="active", subdistrict="300101"):
    return {"distribution_centre_id": centre_id, "name_th": f"ศูนย์กระจายสินค้า {centre_id.hex[:6]}",
            "name_en": None, "place": place(subdistrict), "address": "ถนนมิตรภาพ อำเภอเมือง",
            "opening_hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:30", "closes": "16:30"}],
            "time_zone": "Asia/Bangkok", "contact": {"name_th": "ผู้ประสานงานศูนย์", "phone": "044-000-000"},
            "serves_groups": [10, 11], "status": status}


def listed_centres(world):
    response = world["stranger"].call("GET", "/v1/distribution-centres")
    assert response.status_code == 200, response.text
    return {item["id"]: item for item in response.json()["items"]}


def registered_centre(world, market, status="active"):
    centre_id = uuid.uuid4()
    publish_event(market["AMQP_URI"], centres.DISTRIBUTION_CENTRE_REGISTERED, centre_snapshot(centre_id, status))
    eventually("the centre in the read model", lambda: str(centre_id) in listed_centres(world))
    return centre_id


def order_with(world, delivery, quantity=2):
    return world["buyer"].call("POST", "/v1/orders", {
        "lines": [{"product_id": world["product"]["id"], "quantity": quantity}], "ship_to": SHIP_TO,
        "delivery": delivery})


def set_options(world, who="seller", **options):
    body = {"carrier": {"fee_satang": 0}, "distribution_centre_ids": [], "local_pickup": True, **options}
    return world[who].call("PUT", f"/v1/sellers/{world['seller_org_id']}/delivery-options", body)


def test_distribution_centres_follow_the_registrys_events_and_closed_ones_leave_the_list(world, market):
    centre_id = registered_centre(world, market)
    listed = listed_centres(world)[str(centre_id)]
    assert listed["place"]["province_code"] == "30" and listed["serves_groups"] == [10, 11]
    assert listed["opening_hours"][0]["opens"] == "08:30" and listed["status"] == "active"
    publish_event(market["AMQP_URI"], centres.DISTRIBUTION_CENTRE_UPDATED, centre_snapshot(centre_id, "closed"))
    eventually("the closed centre gone", lambda: str(centre_id) not in listed_centres(world))


def test_a_seller_offers_a_carrier_with_a_fee_and_a_centre_and_buyers_choose_among_them(world, market):
    url = f"/v1/sellers/{world['seller_org_id']}/delivery-options"
    default = world["stranger"].call("GET", url)
    assert default.status_code == 200
    assert default.json() == {"seller_org_id": str(world["seller_org_id"]), "carrier": {"fee_satang": 0},
                              "distribution_centre_ids": [], "local_pickup": True}
    centre_id, planned = registered_centre(world, market), registered_centre(world, market, "planned")
    assert set_options(world, who="buyer").status_code == 403
    unknown = set_options(world, distribution_centre_ids=[str(uuid.uuid4())])
    assert unknown.status_code == 422 and unknown.json()["error"]["message"].startswith("ไม่พบศูนย์")
    assert set_options(world, carrier=None, distribution_centre_ids=[], local_pickup=False).status_code == 400
    assert set_options(world, carrier={"fee_satang": -1}).status_code == 400
    put = set_options(world, carrier={"fee_satang": 4_500}, distribution_centre_ids=[str(centre_id), str(planned)],
                      local_pickup=False)
    assert put.status_code == 200, put.text
    assert world["stranger"].call("GET", url).json()["carrier"] == {"fee_satang": 4_500}

    shipped = order_with(world, {"method": "carrier"})
    assert shipped.status_code == 201, shipped.text
    goods, fee = shipped.json()["lines"]
    assert (fee["kind"], fee["product_id"], fee["product_name"], fee["unit_price_satang"]) == (
        "shipping", None, "ค่าจัดส่ง", 4_500)
    assert shipped.json()["total_satang"] == 2 * goods["unit_price_satang"] + 4_500
    request = world["buyer"].call("GET", f"/v1/orders/{shipped.json()['id']}/payment-request").json()
    assert request["amount_satang"] == shipped.json()["total_satang"]  # the buyer pays the fee with the goods

    picked = order_with(world, {"method": "distribution_centre", "distribution_centre_id": str(centre_id)})
    assert picked.status_code == 201, picked.text
    destination = picked.json()["route"]["destination"]
    assert (destination["method"], destination["distribution_centre_id"], destination["province_code"]) == (
        "distribution_centre", str(centre_id), "30")
    assert [line["kind"] for line in picked.json()["lines"]] == ["goods"]

    before = query(world["dsn"], "SELECT count(*) AS n FROM outbox")[0]["n"]
    for refused in ({"method": "local_pickup"},
                    {"method": "distribution_centre", "distribution_centre_id": str(planned)},
                    {"method": "distribution_centre", "distribution_centre_id": str(uuid.uuid4())}):
        response = order_with(world, refused)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["message"].startswith("ผู้ขายไม่มีวิธีจัดส่งนี้")
    assert order_with(world, {"method": "distribution_centre"}).status_code == 400
    assert query(world["dsn"], "SELECT count(*) AS n FROM outbox")[0]["n"] == before  # nothing placed


def test_a_postal_number_with_a_wrong_check_digit_is_a_400_and_ships_nothing(world):
    order = paid(world)
    url = f"/v1/orders/{order['id']}/shipment"
    refused = world["seller"].call("POST", url, {"carrier": "thailand_post", "tracking_number": "EE123456784TH"})
    assert refused.status_code == 400 and "tracking_number" in refused.text
    assert outbox_of(world, order["id"]) == ["order.placed", "order.paid"]
    shipped = world["seller"].call("POST", url, {"carrier": "thailand_post", "tracking_number": "ee123456785th"})
    assert shipped.status_code == 200, shipped.text
    assert shipped.json()["shipment"]["tracking_number"] == "EE123456785TH"


def shipped_order(world):
    order = paid(world)
    response = world["seller"].call("POST", f"/v1/orders/{order['id']}/shipment", SHIPMENT)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_dispute_waits_for_an_operator_who_says_it_was_received(world):
    order = shipped_order(world)
    url = f"/v1/orders/{order['id']}"
    assert world["seller"].call("POST", url + "/dispute", {"reason": "x"}).status_code == 403
    assert world["buyer"].call("POST", url + "/dispute", {"reason": ""}).status_code == 400
    disputed = world["buyer"].call("POST", url + "/dispute", {"reason": "ได้ข้าวไม่ครบ ขาด 5 ถุง"})
    assert disputed.status_code == 200, disputed.text
    assert disputed.json()["dispute"]["reason"] == "ได้ข้าวไม่ครบ ขาด 5 ถุง"
    assert "outcome" not in disputed.json()["dispute"]  # open
    # as stored, as answered: the same fields, the same times
    assert world["buyer"].call("GET", url).json()["dispute"] == disputed.json()["dispute"]
    assert world["buyer"].call("POST", url + "/dispute", {"reason": "อีกครั้ง"}).status_code == 409
    assert world["buyer"].call("POST", url + "/receipt").status_code == 409
    assert world["buyer"].call("POST", url + "/dispute-resolution", {"outcome": "received"}).status_code == 403
    assert world["operator"].call("POST", url + "/dispute-resolution", {"outcome": "lost"}).status_code == 400
    resolved = world["operator"].call("POST", url + "/dispute-resolution", {"outcome": "received"})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["receipt"]["confirmed_by"] == "operator"
    assert resolved.json()["dispute"]["outcome"] == "received" and resolved.json()["status"] == "completed"
    assert world["operator"].call("GET", url).json()["dispute"] == resolved.json()["dispute"]
    assert world["operator"].call("POST", url + "/dispute-resolution", {"outcome": "refund"}).status_code == 409
    assert outbox_of(world, order["id"]) == ["order.placed", "order.paid", "order.shipped", "order.disputed",
                                             "order.delivered"]


def test_a_dispute_resolved_by_a_refund_gives_the_money_back_and_is_never_received(world):
    order = shipped_order(world)
    url = f"/v1/orders/{order['id']}"
    assert world["buyer"].call("POST", url + "/dispute", {"reason": "สินค้าเสียหาย"}).status_code == 200
    resolved = world["operator"].call("POST", url + "/dispute-resolution", {"outcome": "refund"})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["refund"]["amount_satang"] == order["total_satang"]
    assert resolved.json()["payment_status"] == "refunded" and resolved.json()["fulfilment_status"] == "shipped"
    assert outbox_of(world, order["id"])[-2:] == ["order.disputed", "order.refunded"]


def backdate_shipment(world, order_id, days):
    """As if the order had been shipped ``days`` ago."""
    query(world["dsn"], "UPDATE orders SET shipped_at = now() - %(days)s * interval '1 day',"
          " shipment = jsonb_set(shipment, '{shipped_at}', to_jsonb(now() - %(days)s * interval '1 day'))"
          " WHERE id = %(id)s RETURNING id", {"days": days, "id": order_id})


def test_an_order_shipped_a_week_ago_and_never_disputed_is_received_automatically_once(world):
    due, disputed, recent = shipped_order(world), shipped_order(world), shipped_order(world)
    assert world["buyer"].call("POST", f"/v1/orders/{disputed['id']}/dispute", {"reason": "ไม่ได้รับ"}).status_code \
        == 200
    for order in (due, disputed):
        backdate_shipment(world, order["id"], 8)
    backdate_shipment(world, recent["id"], 6)
    received = eventually("the automatic receipt", lambda: (lambda got: got["status"] == "completed" and got)(
        world["buyer"].call("GET", f"/v1/orders/{due['id']}").json()))
    assert received["receipt"]["confirmed_by"] == "automatic"
    eventlet.sleep(1)  # a few more sweeps
    assert outbox_of(world, due["id"]).count("order.delivered") == 1
    for order in (disputed, recent):
        assert world["buyer"].call("GET", f"/v1/orders/{order['id']}").json()["fulfilment_status"] == "shipped"


def test_two_sweeps_at_once_never_take_the_same_order(world):
    order = shipped_order(world)
    database = Database(world["dsn"], pool_size=2)
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)  # all shipped orders (the timer takes none)
    try:
        with database.transaction() as first:
            taken = MarketUnitOfWork(first).orders.due_for_automatic_receipt(later, 1000)
            assert uuid.UUID(order["id"]) in taken
            with database.transaction() as second:
                assert not set(taken) & set(MarketUnitOfWork(second).orders.due_for_automatic_receipt(later, 1000))
    finally:
        database.close()
