"""Payments end to end: the four services and the Omise stand-in as real processes.

No buyer can make an order paid, by any operation the marketplace documents; a provider payment
and a direct transfer each credit the fund exactly once; forged, replayed and late webhooks credit
nothing more.
"""
import json
import time
import uuid

import pytest
import requests

from chassis.cli import issue_token
from contracts.docs import example_value
from devtools import omise_standin, scenario
from devtools.testing import query

pytestmark = pytest.mark.e2e

LEVY = scenario.LEVY_PER_BAG_SATANG


def order_now(platform, network, order):
    return scenario.get_order(platform, network, order)


def staged(platform, order, routing_key):
    return query(platform.env["MARKETPLACE_DATABASE_URL"],
                 "SELECT body FROM outbox WHERE routing_key = %s AND (body::jsonb)->'data'->>'order_id' = %s",
                 (routing_key, order["id"]))


def credits_of(platform, order):
    return query(platform.env["FUNDS_DATABASE_URL"], "SELECT amount_satang FROM credits WHERE order_id = %s",
                 (order["id"],))


def settled(platform, network, satang):
    """The fund's pending balance once everything sent so far has been handled: one more paid
    order's credit is in, and the balance is ``satang`` besides it."""
    scenario.pay(platform, network, scenario.place_order(platform, network, bags=1))
    scenario.wait_for_pending(platform, network, satang + LEVY)
    return satang + LEVY


def body_for(operation, order):
    """The operation's documented example, with the order's own total wherever an amount goes."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    body = dict(content["example"])
    if "amount_satang" in body:
        body["amount_satang"] = order["total_satang"]
    return body


def test_no_buyer_can_make_an_order_paid_by_any_operation(platform, network):
    provider_order = scenario.place_order(platform, network, bags=2)
    scenario.payment_request(platform, network, provider_order)  # its charge exists
    scenario.collect_directly(platform, network)
    direct_order = scenario.place_order(platform, network, bags=2)
    buyer = {"Authorization": f"Bearer {network['buyer_token']}"}
    document = requests.get(platform.url("marketplace", "/openapi.json"), timeout=10).json()
    values = {"order_id": None, "seller_org_id": network["seller"]["organisation_id"],
              "product_id": network["product"]["id"]}
    tried = []
    for order in (provider_order, direct_order):
        values["order_id"] = order["id"]
        for path, methods in document["paths"].items():
            for method, operation in methods.items():
                url = path
                for parameter in operation.get("parameters", ()):
                    if parameter["in"] == "path":
                        value = values.get(parameter["name"]) or example_value(parameter["schema"],
                                                                               parameter["name"])
                        url = url.replace("{%s}" % parameter["name"], str(value))
                body = body_for(operation, order)
                # signing out (DELETE /v1/tokens/current) revokes the token it is sent with: a spare one
                token = buyer if path != "/v1/tokens/current" else {"Authorization": "Bearer " + issue_token(
                    "marketplace", "organisation", uuid.UUID(network["buyer"]["organisation_id"]), environ=platform.env)}
                response = requests.request(method.upper(), platform.url("marketplace", url), json=body,
                                            timeout=30, headers={**token, "Idempotency-Key": str(uuid.uuid4())})
                assert response.status_code < 500, f"{method} {url}: {response.text[:300]}"
                tried.append((method, path, response.status_code))
    assert ("post", "/v1/orders/{order_id}/transfer-confirmations", 403) in tried
    assert ("post", "/v1/payments/omise/webhook", 401) in tried
    assert len({(method, path) for method, path, _ in tried}) == sum(map(len, document["paths"].values()))
    settled(platform, network, 0)
    for order in (provider_order, direct_order):
        assert order_now(platform, network, order)["payment_status"] == "unpaid", order["id"]
        assert staged(platform, order, "order.paid") == [] and credits_of(platform, order) == []


def test_a_provider_payment_and_a_direct_transfer_each_credit_the_fund_once(platform, network):
    by_provider, paid = scenario.place_and_pay(platform, network, bags=1)
    request = scenario.payment_request(platform, network, by_provider)
    # Omise's retries (the same event), a late charge.create, and the buyer "paying" again
    event = omise_standin.event_about(request["charge_id"])
    for told in (event, event, omise_standin.event_about(request["charge_id"], "charge.create")):
        assert platform.post_omise_webhook(told).json() == {"received": True, "changed": False}
    with pytest.raises(requests.HTTPError):
        platform.mark_as_paid(request["charge_id"])  # the stand-in: the charge is no longer pending

    scenario.collect_directly(platform, network)
    by_transfer = scenario.place_order(platform, network, bags=1)
    confirmed = scenario.confirm_transfer(platform, network, by_transfer, reference="SCB-778899")
    assert confirmed["payment_status"] == "paid"
    again = scenario.call("POST", platform.url("marketplace", f"/v1/orders/{by_transfer['id']}/"
                                                              "transfer-confirmations"),
                          network["ops"]["marketplace"], {"reference": "SCB-778899",
                                                          "amount_satang": by_transfer["total_satang"],
                                                          "transferred_at": confirmed["paid_at"]})
    assert again["payment_status"] == "paid"

    settled(platform, network, 2 * LEVY)
    for order, method in ((by_provider, "provider"), (by_transfer, "direct_transfer")):
        [row] = staged(platform, order, "order.paid")
        assert json.loads(row["body"])["data"]["payment"]["method"] == method
        assert [credit["amount_satang"] for credit in credits_of(platform, order)] == [LEVY]


def test_forged_webhooks_credit_nothing(platform, network):
    paid_order, _ = scenario.place_and_pay(platform, network, bags=1)
    paid_charge = scenario.payment_request(platform, network, paid_order)["charge_id"]
    unpaid = scenario.place_order(platform, network, bags=1)
    unpaid_charge = scenario.payment_request(platform, network, unpaid)["charge_id"]
    forged = omise_standin.event_about(unpaid_charge)
    assert platform.post_omise_webhook(forged, secret="Zm9yZ2VkIHNlY3JldA==").status_code == 401
    assert platform.post_omise_webhook(forged, timestamp=int(time.time()) - 3600).status_code == 401
    assert requests.post(platform.url("marketplace", "/v1/payments/omise/webhook"), json=forged,
                         timeout=10).status_code == 401
    # signed, but the provider says: not paid (come again later); another order's charge; no such charge
    assert platform.post_omise_webhook(forged).status_code == 503
    for told in (omise_standin.event_about(paid_charge),
                 omise_standin.event_about("chrg_test_doesnotexist0000000")):
        assert platform.post_omise_webhook(told).json() == {"received": True, "changed": False}
    settled(platform, network, LEVY)
    assert order_now(platform, network, unpaid)["payment_status"] == "unpaid"
    assert staged(platform, unpaid, "order.paid") == [] and credits_of(platform, unpaid) == []


def test_money_arriving_after_the_expiry_is_due_back_and_credits_nothing(platform, network):
    late = scenario.place_order(platform, network, bags=1)
    request = scenario.payment_request(platform, network, late)
    query(platform.env["MARKETPLACE_DATABASE_URL"], "UPDATE orders SET expires_at = now() - interval '2 seconds'"
          " WHERE id = %s RETURNING id", (late["id"],))
    platform.mark_as_paid(request["charge_id"])  # the buyer paid after the order's time
    scenario.eventually("the late payment recorded", lambda: staged(platform, late, "payment.refund_due"))
    assert scenario.payment_request(platform, network, late)["status"] == "refund_due"
    settled(platform, network, 0)
    assert staged(platform, late, "order.paid") == [] and credits_of(platform, late) == []
