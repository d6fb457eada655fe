"""Payments over HTTP against the real PostgreSQL and RabbitMQ, the service in-process and the Omise
stand-in as its own process: an order is paid only by the side that holds the money.

Through the provider: the first look at the payment request makes the charge; the buyer "scans
and pays" (the stand-in's mark_as_paid), the stand-in sends its signed webhook, the marketplace
verifies it and fetches the charge back. By direct transfer: the seller confirms. The outbox is the
witness of what was announced.
"""
import datetime as dt
import io
import json
import time
import uuid

import eventlet
import pytest
import requests
import zxingcpp
from PIL import Image

from devtools import omise_standin
from devtools.platform import OMISE_WEBHOOK_PATH
from devtools.testing import query
from marketplace import promptpay
from marketplace.omise_adapter import sign
from test_marketplace_http import (  # noqa: F401  (fixtures)
    SELLER_PROMPTPAY, add_seller, confirm_transfer, eventually, market, new_product, outbox_of, paid,
    placed, stock_of, world)

pytestmark = pytest.mark.integration


@pytest.fixture
def provider_world(world):
    """A second seller, paid through the provider (no payment settings: the default)."""
    seller_org_id = add_seller(world["dsn"], "36", province_group=9, region="northeast")
    seller = world["client"](seller_org_id)
    return {**world, "seller": seller, "seller_org_id": seller_org_id,
            "product": new_product(seller, stock=100)}


def payment_request(world, order, who="buyer"):
    response = world[who].call("GET", f"/v1/orders/{order['id']}/payment-request")
    assert response.status_code == 200, response.text
    return response.json()


def scanned(image_bytes):
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(image_bytes)).convert("L"))
    return result.text


def order_of(world, order):
    return world["operator"].call("GET", f"/v1/orders/{order['id']}").json()


def webhook(market, event, timestamp=None, secret=None):
    """POST an Omise event to the marketplace as Omise would, signed with ``secret``."""
    body = json.dumps(event).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    return requests.post(f"http://{market['WEB_SERVER_ADDRESS']}{OMISE_WEBHOOK_PATH}", data=body, timeout=30,
                         headers={"Content-Type": "application/json", "Omise-Signature-Timestamp": timestamp,
                                  "Omise-Signature": sign(secret or market["OMISE_WEBHOOK_SECRET"], timestamp,
                                                          body)})


def charge_event(charge_id, key="charge.complete"):
    return {"object": "event", "id": f"evnt_test_{uuid.uuid4().hex[:19]}", "key": key,
            "created_at": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "data": {"object": "charge", "id": charge_id, "status": "successful"}}


def pay_through_provider(world, market, order):
    request = payment_request(world, order)
    omise_standin.mark_as_paid(market["OMISE_API_URL"], market["OMISE_SECRET_KEY"], request["charge_id"])
    eventually("the provider's webhook", lambda: order_of(world, order)["payment_status"] == "paid")
    return request


def paid_event(world, order):
    [row] = query(world["dsn"], "SELECT body FROM outbox WHERE routing_key = 'order.paid'"
                  " AND (body::jsonb)->'data'->>'order_id' = %s", (order["id"],))
    return json.loads(row["body"])


# -- payment settings -----------------------------------------------------------------------

def test_a_seller_sets_how_it_is_paid_and_no_one_else_can(world):
    url = f"/v1/sellers/{world['seller_org_id']}/payment-settings"
    mobile = world["seller"].call("PUT", url, {"collection": "direct", "promptpay_id": "081-234-5678"})
    assert mobile.json() == {"seller_org_id": str(world["seller_org_id"]), "collection": "direct",
                             "promptpay_id": "0812345678"}
    assert world["buyer"].call("PUT", url, {"collection": "provider"}).status_code == 403
    wrong_check_digit = world["operator"].call("PUT", url, {"collection": "direct",
                                                            "promptpay_id": "1234567890123"})
    assert wrong_check_digit.status_code == 400
    assert "promptpay_id" in wrong_check_digit.json()["error"]["fields"]
    assert world["seller"].call("PUT", url, {"collection": "direct"}).status_code == 400
    unknown = world["operator"].call("PUT", f"/v1/sellers/{uuid.uuid4()}/payment-settings",
                                     {"collection": "provider"})
    assert unknown.status_code == 404


# -- direct transfer -----------------------------------------------------------------------

def test_a_direct_payment_request_is_a_thai_qr_of_the_exact_amount_to_the_sellers_promptpay(world):
    order = placed(world, quantity=3)
    request = payment_request(world, order)
    expected = promptpay.payload(promptpay.promptpay_id(SELLER_PROMPTPAY), 75_000)
    assert (request["method"], request["provider"], request["charge_id"], request["status"]) == (
        "direct_transfer", None, None, "awaiting_payment")
    assert request["qr_payload"] == expected and request["amount_satang"] == 75_000
    assert request["reference"].startswith("CODI-") and len(request["reference"]) == 13
    assert request["expires_at"] == order["expires_at"]
    png = world["seller"].call("GET", request["qr_png_url"])
    assert png.headers["Content-Type"] == "image/png" and scanned(png.content) == expected
    svg = world["operator"].call("GET", request["qr_svg_url"])
    assert svg.headers["Content-Type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert world["stranger"].call("GET", request["qr_png_url"]).status_code == 403


def test_only_the_seller_or_an_operator_confirms_a_transfer_and_once(world):
    order = placed(world, quantity=2)
    assert confirm_transfer(world, order, who="buyer").status_code == 403
    assert confirm_transfer(world, order, who="stranger").status_code == 403
    assert outbox_of(world, order["id"]) == ["order.placed"]
    confirmed = confirm_transfer(world, order, reference="KTB-0001")
    assert confirmed.json()["payment_status"] == "paid"
    again = confirm_transfer(world, order, reference="KTB-0001")  # the same transfer again
    assert again.status_code == 200 and again.json()["payment_status"] == "paid"
    assert outbox_of(world, order["id"]) == ["order.placed", "order.paid"]
    payment = paid_event(world, order)
    assert payment["version"] == 3 and payment["data"]["payment"] == {
        "method": "direct_transfer", "provider": None, "charge_id": None, "reference": "KTB-0001",
        "confirmed_by": {"kind": "organisation", "id": str(world["seller_org_id"])},
        "received_at": payment["data"]["payment"]["received_at"]}
    assert payment_request(world, order)["status"] == "paid"


def test_a_wrong_amount_is_held_for_review_never_paid(world):
    order = placed(world, quantity=2)
    held = confirm_transfer(world, order, amount=order["total_satang"] - 100)
    assert held.status_code == 200 and held.json()["payment_status"] == "held_for_review"
    assert outbox_of(world, order["id"]) == ["order.placed", "payment.held"]
    [row] = query(world["dsn"], "SELECT status, difference_satang FROM payments WHERE order_id = %s",
                  (order["id"],))
    assert (row["status"], row["difference_satang"]) == ("held", -100)
    assert payment_request(world, order)["status"] == "held_for_review"
    assert world["seller"].call("POST", f"/v1/orders/{order['id']}/shipment", {}).status_code == 409


def test_money_after_the_expiry_or_the_cancellation_is_recorded_as_due_back(world):
    expired = placed(world, quantity=1)
    late = dt.datetime.fromisoformat(expired["expires_at"]) + dt.timedelta(seconds=1)
    query(world["dsn"], "UPDATE orders SET expires_at = now() - interval '2 seconds' WHERE id = %s"
          " RETURNING id", (expired["id"],))
    eventually("the expiry sweep", lambda: order_of(world, expired)["status"] == "expired")
    response = confirm_transfer(world, expired, transferred_at=min(late, dt.datetime.now(dt.timezone.utc)))
    assert response.status_code == 200 and response.json()["status"] == "expired"
    cancelled = placed(world, quantity=1)
    assert world["buyer"].call("POST", f"/v1/orders/{cancelled['id']}/cancellation", {}).status_code == 200
    assert confirm_transfer(world, cancelled).json()["status"] == "cancelled"
    for order, reason in ((expired, "order_expired"), (cancelled, "order_cancelled")):
        assert "order.paid" not in outbox_of(world, order["id"])
        assert outbox_of(world, order["id"])[-1] == "payment.refund_due"
        assert query(world["dsn"], "SELECT reason FROM payments WHERE order_id = %s",
                     (order["id"],))[0]["reason"] == reason
        assert payment_request(world, order)["status"] == "refund_due"


def test_a_direct_refund_is_recorded_by_the_seller_and_counts_at_once(world):
    order = paid(world, quantity=4)
    refund = world["seller"].call("POST", f"/v1/orders/{order['id']}/refunds",
                                  {"lines": [{"line_no": 1, "quantity": 1}]})
    assert refund.status_code == 201 and refund.json()["status"] == "confirmed"
    assert outbox_of(world, order["id"])[-1] == "order.refunded"


# -- through the provider -------------------------------------------------------------------

def test_the_first_look_makes_one_charge_however_many_look_at_once(provider_world, market):
    world = provider_world
    order = placed(world, quantity=2)
    looks = list(eventlet.GreenPool(6).imap(lambda who: payment_request(world, order, who),
                                            ["buyer", "seller", "operator"] * 2))
    assert len({look["charge_id"] for look in looks}) == 1
    request = looks[0]
    assert (request["method"], request["provider"], request["status"]) == ("provider", "omise",
                                                                            "awaiting_payment")
    # the provider's own QR (read back from its image), drawn again by the marketplace
    assert request["qr_payload"] == promptpay.payload(omise_standin.COLLECTION_ACCOUNT, 50_000)
    assert scanned(world["buyer"].call("GET", request["qr_png_url"]).content) == request["qr_payload"]
    assert order_of(world, order)["payment_status"] == "unpaid"


def test_a_provider_payment_counts_once_its_webhook_is_verified_and_the_charge_fetched(provider_world, market):
    world = provider_world
    order = placed(world, quantity=2)
    request = pay_through_provider(world, market, order)
    payment = paid_event(world, order)["data"]["payment"]
    assert (payment["method"], payment["provider"], payment["charge_id"], payment["reference"],
            payment["confirmed_by"]) == ("provider", "omise", request["charge_id"], request["reference"],
                                         {"kind": "provider", "id": "omise"})
    # the same charge told again, late or in another event: nothing more
    for key in ("charge.complete", "charge.create"):
        replayed = webhook(market, charge_event(request["charge_id"], key))
        assert replayed.status_code == 200 and replayed.json() == {"received": True, "changed": False}
    assert outbox_of(world, order["id"]) == ["order.placed", "order.paid"]


def test_forged_webhooks_credit_nothing(provider_world, market):
    world = provider_world
    order = placed(world, quantity=2)
    request = payment_request(world, order)
    forged = charge_event(request["charge_id"])
    assert webhook(market, forged, secret="d3Jvbmcgc2VjcmV0").status_code == 401
    assert webhook(market, forged, timestamp=int(time.time()) - 3600).status_code == 401
    unsigned = requests.post(f"http://{market['WEB_SERVER_ADDRESS']}{OMISE_WEBHOOK_PATH}", json=forged,
                             timeout=30)
    assert unsigned.status_code == 401
    # signed, but the provider says the charge is still pending (come again later), or knows no such charge
    early = webhook(market, forged)
    assert early.status_code == 503 and early.headers["Retry-After"]
    assert webhook(market, {**charge_event(request["charge_id"]), "key": "charge.create"}).json() == {
        "received": True, "changed": False}
    assert webhook(market, charge_event("chrg_test_nosuchcharge0000001")).json()["changed"] is False
    assert requests.post(f"http://{market['WEB_SERVER_ADDRESS']}{OMISE_WEBHOOK_PATH}", data="charge paid",
                         headers={"Content-Type": "text/plain"}, timeout=30).status_code == 415
    omise_standin.mark_as_failed(market["OMISE_API_URL"], market["OMISE_SECRET_KEY"], request["charge_id"])
    time.sleep(1)
    assert order_of(world, order)["payment_status"] == "unpaid"
    assert outbox_of(world, order["id"]) == ["order.placed"]


def test_a_charge_of_another_order_pays_that_order_only(provider_world, market):
    world = provider_world
    first, second = placed(world, quantity=1), placed(world, quantity=3)
    paid_request = pay_through_provider(world, market, first)
    payment_request(world, second)
    # a verified event naming the first order's charge changes nothing for the second
    assert webhook(market, charge_event(paid_request["charge_id"])).json()["changed"] is False
    assert order_of(world, second)["payment_status"] == "unpaid"
    assert outbox_of(world, second["id"]) == ["order.placed"]


def test_a_provider_refund_counts_when_the_provider_confirms_it(provider_world, market):
    world = provider_world
    order = placed(world, quantity=4)
    request = pay_through_provider(world, market, order)
    url = f"/v1/orders/{order['id']}/refunds"
    asked = world["seller"].call("POST", url, {"lines": [{"line_no": 1, "quantity": 1}]})
    assert asked.status_code == 202, asked.text
    assert (asked.json()["status"], asked.json()["order"]["payment_status"]) == ("requested", "paid")
    too_much = world["seller"].call("POST", url, {"lines": [{"line_no": 1, "quantity": 4}]})
    assert too_much.status_code == 422  # one bag is already on its way back
    eventually("the provider's refund.create", lambda: outbox_of(world, order["id"])[-1] == "order.refunded")
    assert order_of(world, order)["refunded_satang"] == 25_000
    charge = requests.get(f"{market['OMISE_API_URL']}/charges/{request['charge_id']}", timeout=10,
                          auth=(market["OMISE_SECRET_KEY"], "")).json()
    assert charge["refunded_amount"] == 25_000
    assert outbox_of(world, order["id"]).count("order.refunded") == 1


def test_cancelling_a_provider_paid_order_waits_for_the_providers_refund(provider_world, market):
    world = provider_world
    order = placed(world, quantity=5)
    pay_through_provider(world, market, order)
    asked = world["buyer"].call("POST", f"/v1/orders/{order['id']}/cancellation", {"reason": "สั่งซ้ำ"})
    assert asked.status_code == 202, asked.text
    assert asked.json()["status"] == "confirmed" and asked.json()["refund"]["amount_satang"] == 125_000
    assert world["seller"].call("POST", f"/v1/orders/{order['id']}/shipment", {}).status_code == 409
    eventually("the cancellation", lambda: order_of(world, order)["status"] == "cancelled")
    assert order_of(world, order)["payment_status"] == "refunded"
    assert outbox_of(world, order["id"]) == ["order.placed", "order.paid", "order.cancelled"]
    assert stock_of(world, world["product"]["id"]) == 100
