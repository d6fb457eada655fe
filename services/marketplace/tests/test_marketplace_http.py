"""The marketplace over HTTP against the real PostgreSQL and RabbitMQ (service in-process), with
the Omise stand-in as its payment provider (its own process, its webhooks sent to the service).

The outbox table of the marketplace database is the witness: one row per step, none for a
refused step. The seller of ``world`` is paid by direct transfer, which it confirms itself;
test_marketplace_payments.py follows payments through the provider.
"""
import datetime as dt
import os
import uuid
from unittest import mock

import eventlet
import pytest
import requests
from nameko.containers import ServiceContainer

from chassis.cli import issue_token
from chassis.db import Database
from chassis.geography import default_geography
from devtools import omise_standin
from devtools.platform import OMISE_WEBHOOK_PATH
from devtools.testing import query
from marketplace.adapters import Sellers
from marketplace.service import MarketplaceService

pytestmark = pytest.mark.integration

SHIP_TO = {"name": "เครือข่ายสวัสดิการชุมชนภูเก็ต", "address_line": "ถนนถลาง", "subdistrict_code": "830101"}
SELLER_PROMPTPAY = "0812345678"
SHIPMENT = {"carrier": "thailand_post", "tracking_number": "EE123456785TH"}


@pytest.fixture(scope="module")
def market(config_of, test_env):
    """The service in this process; the payment provider's settings come from the environment,
    as in production (test_env points them at a stand-in started here)."""
    config = config_of("marketplace", ORDER_EXPIRY_SWEEP_SECONDS="0.2", REFUND_RETRY_SECONDS="0.5",
                       RECEIPT_AUTO_CONFIRM_SWEEP_SECONDS="0.3")
    omise = {name: test_env[name] for name in test_env if name.startswith("OMISE_")}
    port = int(omise["OMISE_API_URL"].rpartition(":")[2])
    webhooks = f"http://{config['WEB_SERVER_ADDRESS']}{OMISE_WEBHOOK_PATH}"
    with omise_standin.running(port, omise["OMISE_SECRET_KEY"], webhooks, omise["OMISE_WEBHOOK_SECRET"],
                               ["--retry-seconds", "0.2"]), mock.patch.dict(os.environ, omise):
        container = ServiceContainer(MarketplaceService, config)
        container.start()
        yield {**config, **omise}
        container.stop()


class Client:
    def __init__(self, market, token):
        self.base = f"http://{market['WEB_SERVER_ADDRESS']}"
        self.token = token

    def call(self, method, path, body=None, **headers):
        return requests.request(method, self.base + path, json=body, timeout=30,
                                headers={"Authorization": f"Bearer {self.token}", **headers})


@pytest.fixture
def world(market, test_env):
    """A seller in Phuket with a rice product, two buyers, an operator and a stranger."""
    dsn = market["DATABASE_URL"]
    seller_org_id = add_seller(dsn, "83", province_group=12, region="south")

    def client(subject=None):
        kind = "organisation" if subject else "operator"
        return Client(market, issue_token("marketplace", kind, subject, environ=test_env))

    world = {"dsn": dsn, "seller_org_id": seller_org_id, "seller": client(seller_org_id),
             "buyer": client(uuid.uuid4()), "other_buyer": client(uuid.uuid4()),
             "stranger": client(uuid.uuid4()), "operator": client(), "client": client}
    collect_directly(world["seller"], seller_org_id)
    world["product"] = new_product(world["seller"], stock=100)
    return world


def collect_directly(seller, seller_org_id, promptpay_id=SELLER_PROMPTPAY):
    response = seller.call("PUT", f"/v1/sellers/{seller_org_id}/payment-settings",
                           {"collection": "direct", "promptpay_id": promptpay_id})
    assert response.status_code == 200, response.text
    return response.json()


def add_seller(dsn, province_code, province_group, region):
    seller_org_id = uuid.uuid4()
    database = Database(dsn, pool_size=1)
    try:
        with database.transaction() as cursor:
            Sellers(cursor).upsert({
                "id": seller_org_id, "name_th": "วิสาหกิจชุมชนทดสอบ", "kind": "community_enterprise",
                "province_code": province_code, "province_group": province_group, "region": region,
                "place": default_geography().place(f"{province_code}0101")})
    finally:
        database.close()
    return seller_org_id


def new_product(seller, stock, **fields):
    response = seller.call("POST", "/v1/products", {
        "name_th": "ข้าวหอมมะลิ ถุง 5 กิโลกรัม", "unit": "ถุง", "unit_price_satang": 25_000,
        "stock": stock, "category": "rice", **fields})
    assert response.status_code == 201, response.text
    return response.json()


def place(world, quantity=25, buyer="buyer", product=None, **headers):
    return world[buyer].call("POST", "/v1/orders", {
        "lines": [{"product_id": (product or world["product"])["id"], "quantity": quantity}],
        "ship_to": SHIP_TO}, **headers)


def placed(world, **kwargs):
    response = place(world, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()


def confirm_transfer(world, order, amount=None, reference=None, who="seller", transferred_at=None):
    return world[who].call("POST", f"/v1/orders/{order['id']}/transfer-confirmations", {
        "reference": reference or f"KTB-{uuid.uuid4().hex[:10]}",
        "amount_satang": order["total_satang"] if amount is None else amount,
        "transferred_at": (transferred_at or dt.datetime.now(dt.timezone.utc)).isoformat()})


def paid(world, quantity=25):
    """An order the seller confirms it was paid for, by a transfer to its own PromptPay."""
    order = placed(world, quantity=quantity)
    response = confirm_transfer(world, order)
    assert response.status_code == 200, response.text
    assert response.json()["payment_status"] == "paid"
    return response.json()


def outbox_of(world, order_id):
    return [row["routing_key"] for row in query(
        world["dsn"], "SELECT routing_key FROM outbox WHERE (body::jsonb)->'data'->>'order_id' = %s"
        " ORDER BY id", (str(order_id),))]


def stock_of(world, product_id):
    return query(world["dsn"], "SELECT stock FROM products WHERE id = %s", (product_id,))[0]["stock"]


def eventually(what, probe, timeout=30.0):
    deadline = eventlet.hubs.get_hub().clock() + timeout
    while not (result := probe()):
        assert eventlet.hubs.get_hub().clock() < deadline, f"timed out waiting for {what}"
        eventlet.sleep(0.1)
    return result


# -- concurrency and idempotency --------------------------------------------------------

def test_twenty_parallel_orders_for_the_last_ten_bags_sell_exactly_ten(world):
    product = new_product(world["seller"], stock=10)
    statuses = list(eventlet.GreenPool(20).imap(
        lambda _: place(world, quantity=1, product=product).status_code, range(20)))
    assert sorted(statuses) == [201] * 10 + [409] * 10
    assert stock_of(world, product["id"]) == 0
    placed_events = query(world["dsn"], "SELECT count(*) AS n FROM outbox WHERE routing_key = 'order.placed'"
                          " AND body LIKE %s", (f"%{product['id']}%",))
    assert placed_events[0]["n"] == 10


def test_one_idempotency_key_replayed_concurrently_places_one_order(world):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    responses = list(eventlet.GreenPool(10).imap(lambda _: place(world, quantity=2, **key), range(10)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert outbox_of(world, responses[0].json()["id"]) == ["order.placed"]
    assert stock_of(world, world["product"]["id"]) == 98

    different = place(world, quantity=3, **key)
    assert different.status_code == 422
    assert stock_of(world, world["product"]["id"]) == 98


# -- the lifecycle, one event per step ----------------------------------------------------

def test_paid_shipped_delivered_then_refunded_in_two_parts_one_event_per_step(world):
    order = paid(world, quantity=25)
    destination = order["route"]["destination"]
    assert (destination["method"], destination["province_name_th"], destination["name_th"]) == (
        "carrier", "ภูเก็ต", SHIP_TO["name"])
    url = f"/v1/orders/{order['id']}"
    shipped = world["seller"].call("POST", url + "/shipment", SHIPMENT)
    assert shipped.json()["fulfilment_status"] == "shipped"
    assert shipped.json()["shipment"]["tracking_number"] == SHIPMENT["tracking_number"]
    assert world["seller"].call("POST", url + "/receipt").status_code == 403  # never the seller's word
    delivered = world["buyer"].call("POST", url + "/receipt")
    assert (delivered.json()["status"], delivered.json()["fulfilment_status"]) == ("completed", "delivered")
    assert delivered.json()["receipt"]["confirmed_by"] == "buyer"

    part = world["seller"].call("POST", url + "/refunds", {"lines": [{"line_no": 1, "quantity": 5}]})
    assert part.status_code == 201, part.text
    assert part.json()["amount_satang"] == 125_000
    assert part.json()["order"]["payment_status"] == "partially_refunded"
    too_much = world["seller"].call("POST", url + "/refunds", {"lines": [{"line_no": 1, "quantity": 21}]})
    assert too_much.status_code == 422
    rest = world["seller"].call("POST", url + "/refunds", {"lines": [{"line_no": 1, "quantity": 20}]})
    assert rest.json()["order"]["payment_status"] == "refunded"
    assert rest.json()["order"]["refunded_satang"] == order["total_satang"]

    assert outbox_of(world, order["id"]) == ["order.placed", "order.paid", "order.shipped",
                                             "order.delivered", "order.refunded", "order.refunded"]
    refunded = query(world["dsn"], "SELECT sum(amount_satang)::bigint AS total FROM refunds WHERE order_id = %s",
                     (order["id"],))
    assert refunded[0]["total"] == order["total_satang"]


@pytest.mark.parametrize("setup, who, path, body", [
    ("placed", "seller", "shipment", {}),
    ("placed", "buyer", "receipt", None),
    ("placed", "seller", "refunds", {"lines": [{"line_no": 1, "quantity": 1}]}),
    ("paid", "buyer", "receipt", None),
    ("shipped", "buyer", "cancellation", {}),
    ("shipped", "seller", "shipment", {}),
    ("cancelled", "seller", "cancellation", {}),
    ("cancelled", "seller", "refunds", {"lines": [{"line_no": 1, "quantity": 1}]}),
])
def test_an_illegal_step_is_409_and_adds_no_outbox_row(world, setup, who, path, body):
    order = placed(world) if setup in ("placed", "cancelled") else paid(world)
    url = f"/v1/orders/{order['id']}"
    if setup == "shipped":
        assert world["seller"].call("POST", url + "/shipment", {}).status_code == 200
    if setup == "cancelled":
        assert world["buyer"].call("POST", url + "/cancellation", {}).status_code == 200
    before = outbox_of(world, order["id"])
    refused = world[who].call("POST", f"{url}/{path}", body)
    assert refused.status_code == 409, refused.text
    assert outbox_of(world, order["id"]) == before


def test_cancelling_before_shipment_releases_the_stock_once(world):
    order = paid(world, quantity=30)
    assert stock_of(world, world["product"]["id"]) == 70
    cancelled = world["buyer"].call("POST", f"/v1/orders/{order['id']}/cancellation", {"reason": "เปลี่ยนใจ"})
    assert (cancelled.json()["status"], cancelled.json()["payment_status"]) == ("cancelled", "refunded")
    assert cancelled.json()["refunded_satang"] == order["total_satang"]
    assert stock_of(world, world["product"]["id"]) == 100
    assert outbox_of(world, order["id"]) == ["order.placed", "order.paid", "order.cancelled"]


def test_an_unpaid_order_past_its_time_expires_by_itself_and_releases_its_stock(world):
    order = placed(world, quantity=40)
    query(world["dsn"], "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = %s"
          " RETURNING id", (order["id"],))
    eventually("the expiry sweep", lambda: outbox_of(world, order["id"]) == ["order.placed", "order.expired"])
    assert world["buyer"].call("GET", f"/v1/orders/{order['id']}").json()["status"] == "expired"
    assert stock_of(world, world["product"]["id"]) == 100


def test_strangers_and_buyers_cannot_ship_or_refund_and_bad_input_is_a_400(world):
    order = paid(world)
    url = f"/v1/orders/{order['id']}"
    assert world["buyer"].call("POST", url + "/shipment", {}).status_code == 403
    assert world["stranger"].call("POST", url + "/cancellation", {}).status_code == 403
    bad = world["seller"].call("POST", url + "/refunds", {"lines": [{"line_no": "one", "quantity": 0}]})
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]["lines"]["0"]) == {"line_no", "quantity"}
    assert world["seller"].call("POST", url + "/shipment", {"carrier": "pigeon",
                                                          "tracking_number": "X1"}).status_code == 400
    assert world["seller"].call("POST", url + "/shipment", {"carrier": "kerry"}).status_code == 400
    assert outbox_of(world, order["id"]) == ["order.placed", "order.paid"]


# -- listing and the catalogue ----------------------------------------------------------

def test_an_organisation_lists_only_its_own_orders_page_by_page(world):
    mine = {placed(world, quantity=1)["id"] for _ in range(3)}
    theirs = placed(world, quantity=1, buyer="other_buyer")["id"]

    first = world["buyer"].call("GET", "/v1/orders?limit=2").json()
    second = world["buyer"].call("GET", f"/v1/orders?limit=2&cursor={first['next_cursor']}").json()
    assert second["next_cursor"] is None
    assert {o["id"] for o in first["items"] + second["items"]} == mine

    seller_view = world["seller"].call("GET", "/v1/orders?status=placed&limit=100").json()
    assert mine | {theirs} <= {o["id"] for o in seller_view["items"]}
    snooping = world["stranger"].call("GET", f"/v1/orders?seller_org_id={world['seller_org_id']}").json()
    assert snooping["items"] == []
    assert world["buyer"].call("GET", "/v1/orders?status=lost").status_code == 400


def test_products_are_found_by_normalised_thai_text_and_by_place(world, market):
    tag = uuid.uuid4().hex[:8]
    north_seller = add_seller(world["dsn"], "50", province_group=1, region=f"north-{tag}")
    honey = new_product(world["operator"], stock=5, seller_org_id=str(north_seller),
                        name_th=f"น้ำผึ้งป่า {tag}", category=f"honey-{tag}")
    typed = "น\u0e49\u0e4d\u0e32ผึ้ง"  # sara am typed as nikhahit + sara aa
    base = f"http://{market['WEB_SERVER_ADDRESS']}/v1/products"
    by_text = requests.get(base, params={"q": f"{typed}ป่า {tag.upper()}"}, timeout=10).json()
    assert [p["id"] for p in by_text["items"]] == [honey["id"]]
    by_region = requests.get(base, params={"region": f"north-{tag}", "province": "50"}, timeout=10).json()
    assert [p["id"] for p in by_region["items"]] == [honey["id"]]
    elsewhere = requests.get(base, params={"category": f"honey-{tag}", "province_group": 12}, timeout=10).json()
    assert elsewhere["items"] == []


@pytest.mark.parametrize("stored, typed", [
    ("น้ำพริกเผาแม่ศรี", "น\u0e4d\u0e49\u0e32พริกเผา"),           # SARA AM typed as ํ + ้ + า
    ("ข้าวหอมมะลิ แม่โจ้", "ข\u0e49\u0e49าวหอมมะลิ"),             # ไม้โท typed twice
    ("ผ้าขาวม้า แม่ทา", "ผ้าขาวม้า\u0e40\u0e40ม่ทา"),             # two SARA E for SARA AE
    ("ผ้า\u200bไหม\u200bแพรวา", "ผ้าไหม แพรวา"),                 # ZWSP pasted from a web page
    ("น\u0e49\u0e4d\u0e32ผึ้ง ป่า", "น้ำผึ้งป่า"),                 # the seller mistyped, the buyer did not
])
def test_a_product_is_found_however_its_thai_name_was_typed(world, market, stored, typed):
    category = f"otop-{uuid.uuid4().hex[:8]}"
    product = new_product(world["seller"], stock=1, name_th=stored, category=category)
    base = f"http://{market['WEB_SERVER_ADDRESS']}/v1/products"
    found = requests.get(base, params={"q": typed, "category": category}, timeout=10).json()
    assert [p["id"] for p in found["items"]] == [product["id"]]
    elsewhere = requests.get(base, params={"q": typed + "ขนม", "category": category}, timeout=10).json()
    assert elsewhere["items"] == []


def test_a_seller_cannot_patch_another_sellers_product(world):
    other_seller = add_seller(world["dsn"], "36", province_group=9, region="northeast")
    other = world["client"](other_seller)
    url = f"/v1/products/{world['product']['id']}"
    assert other.call("PATCH", url, {"stock": 0}).status_code == 403
    assert world["buyer"].call("PATCH", url, {"stock": 0}).status_code == 403
    assert stock_of(world, world["product"]["id"]) == 100
    own = world["seller"].call("PATCH", url, {"unit_price_satang": 26_000, "active": False})
    assert own.status_code == 200 and own.json()["unit_price_satang"] == 26_000
    assert world["seller"].call("PATCH", url, {"seller_org_id": str(other_seller)}).status_code == 400


def test_the_openapi_document_is_served(market):
    response = requests.get(f"http://{market['WEB_SERVER_ADDRESS']}/openapi.json", timeout=10)
    assert response.status_code == 200
    assert response.json()["openapi"] == "3.1.0" and "/v1/orders/{order_id}/refunds" in response.json()["paths"]


def test_the_catalogue_pages_by_cursor_and_takes_like_wildcards_literally(world, market):
    category = f"mango-{uuid.uuid4().hex[:8]}"
    made = {new_product(world["seller"], stock=1, category=category)["id"] for _ in range(3)}
    base = f"http://{market['WEB_SERVER_ADDRESS']}/v1/products"
    first = requests.get(base, params={"category": category, "limit": 2}, timeout=10).json()
    second = requests.get(base, params={"category": category, "limit": 2, "cursor": first["next_cursor"]},
                          timeout=10).json()
    assert len(first["items"]) == 2 and second["next_cursor"] is None
    assert {p["id"] for p in first["items"] + second["items"]} == made
    wildcard = requests.get(base, params={"category": category, "q": "%"}, timeout=10).json()
    assert wildcard["items"] == []


# -- retention: pruning keeps what reconciliation and idempotent replays need ------------------

def prune_now(world):
    from chassis import retention
    from marketplace.bootstrap import Settings

    database = Database(world["dsn"], pool_size=1)
    try:
        return retention.prune(database, "marketplace", retention.Horizons.from_settings(Settings()),
                               retention.prunable_events("marketplace", MarketplaceService.retained_events))
    finally:
        database.close()


def age_outbox_of(world, order_id, days):
    """Wait until the relay published the order's events, then make them ``days`` old."""
    deadline = eventlet.Timeout(20)
    try:
        while query(world["dsn"], "SELECT 1 FROM outbox WHERE published_at IS NULL"
                    " AND (body::jsonb)->'data'->>'order_id' = %s", (order_id,)):
            eventlet.sleep(0.1)
    finally:
        deadline.cancel()
    query(world["dsn"], "UPDATE outbox SET published_at = now() - %s * interval '1 day'"
          " WHERE (body::jsonb)->'data'->>'order_id' = %s RETURNING id", (days, order_id))


def test_pruning_keeps_the_order_events_reconciliation_serves(world):
    order = paid(world)
    paid_event = query(world["dsn"], "SELECT event_id FROM outbox WHERE routing_key = 'order.paid'"
                       " AND (body::jsonb)->'data'->>'order_id' = %s", (order["id"],))[0]["event_id"]
    age_outbox_of(world, order["id"], 400)
    assert prune_now(world)["outbox"] >= 1
    assert outbox_of(world, order["id"]) == ["order.paid"]  # order.placed went; funds never needs it
    page = world["operator"].call("GET", f"/v1/reconciliation/orders?order_id={order['id']}").json()
    [found] = page["orders"]
    assert [(event["event_type"], event["event_id"]) for event in found["events"]] == [
        ("order.paid", str(paid_event))]


def test_an_idempotent_replay_inside_the_horizon_still_returns_the_stored_response(world):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = place(world, quantity=2, **key)
    query(world["dsn"], "UPDATE idempotency_keys SET created_at = now() - interval '6 days 23 hours'"
          " WHERE key = %s RETURNING key", (key["Idempotency-Key"],))
    prune_now(world)
    replay = place(world, quantity=2, **key)
    assert (replay.status_code, replay.json()) == (first.status_code, first.json())
    assert stock_of(world, world["product"]["id"]) == 98
