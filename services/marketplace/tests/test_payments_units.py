"""The payment port and Omise's webhook signature, with no network: what is trusted and what is not."""
import base64
import datetime as dt
import hashlib
import hmac
import json

import pytest

from chassis.errors import InvalidInput
from marketplace.omise_adapter import OmisePayments, parse_event, verify_signature
from marketplace.payments import Charge, WebhookRejected, confirm_from_webhook

SECRET = base64.b64encode(b"a webhook secret of thirty-two b").decode()
NOW = 1_800_000_000
BODY = json.dumps({"object": "event", "id": "evnt_test_1", "key": "charge.complete",
                   "created_at": "2026-12-01T10:00:00Z",
                   "data": {"object": "charge", "id": "chrg_test_1", "status": "successful"}}).encode()


def omise_headers(body=BODY, timestamp=NOW, secret=SECRET):
    """Signed the way Omise documents it, written out here independently of the adapter."""
    digest = hmac.new(base64.b64decode(secret), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return {"Omise-Signature": digest, "Omise-Signature-Timestamp": str(timestamp)}


def test_a_signed_fresh_webhook_is_accepted():
    verify_signature(omise_headers(), BODY, SECRET, now=NOW + 299)
    verify_signature({k.lower(): v for k, v in omise_headers().items()}, BODY, SECRET, now=NOW)


def test_during_secret_rotation_either_signature_will_do():
    ours = omise_headers()["Omise-Signature"]
    other = omise_headers(secret=base64.b64encode(b"the other secret").decode())["Omise-Signature"]
    verify_signature({**omise_headers(), "Omise-Signature": f"{other}, {ours}"}, BODY, SECRET, now=NOW)


@pytest.mark.parametrize("headers, body, now", [
    (omise_headers(), BODY.replace(b"successful", b"successfuL"), NOW),  # body changed
    (omise_headers(), BODY + b" ", NOW),
    (omise_headers(secret=base64.b64encode(b"not ours").decode()), BODY, NOW),
    ({**omise_headers(), "Omise-Signature-Timestamp": str(NOW + 1)}, BODY, NOW),  # timestamp changed
    (omise_headers(), BODY, NOW + 301),  # replayed too late
    (omise_headers(timestamp=NOW + 400), BODY, NOW),  # from the future
    ({"Omise-Signature": omise_headers()["Omise-Signature"]}, BODY, NOW),
    ({"Omise-Signature-Timestamp": str(NOW)}, BODY, NOW),
    ({**omise_headers(), "Omise-Signature-Timestamp": "1.8e9"}, BODY, NOW),
    ({**omise_headers(), "Omise-Signature": ""}, BODY, NOW),
    ({}, BODY, NOW),
])
def test_anything_else_is_rejected(headers, body, now):
    with pytest.raises(WebhookRejected) as rejected:
        verify_signature(headers, body, SECRET, now=now)
    assert rejected.value.status == 401 and "(" in rejected.value.message


def test_events_name_the_charge_they_are_about():
    assert parse_event(BODY).charge_id == "chrg_test_1"
    refund = {"object": "event", "id": "evnt_test_2", "key": "refund.create",
              "created_at": "2026-12-01T10:00:00Z",
              "data": {"object": "refund", "id": "rfnd_test_1", "charge": "chrg_test_9"}}
    assert parse_event(json.dumps(refund).encode()).charge_id == "chrg_test_9"
    other = {**refund, "key": "customer.create", "data": {"object": "customer", "id": "cust_test_1"}}
    assert parse_event(json.dumps(other).encode()).charge_id is None


@pytest.mark.parametrize("body", [b"not json", b"[]", b"{}", b'{"id": "x", "key": "k", "data": 3}'])
def test_a_signed_body_that_is_no_event_is_refused(body):
    with pytest.raises(InvalidInput):
        parse_event(body)


def charge(**changes):
    fields = dict(id="chrg_test_1", order_ref="order-1", status="successful", amount_satang=12_345,
                  currency="THB", refunded_satang=0,
                  created_at=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))
    return Charge(**{**fields, **changes})


@pytest.mark.parametrize("changes, settles", [
    ({}, True),
    ({"status": "pending"}, False), ({"status": "failed"}, False), ({"status": "expired"}, False),
    ({"amount_satang": 12_344}, False), ({"order_ref": "order-2"}, False), ({"currency": "USD"}, False),
])
def test_only_the_money_received_for_this_order_and_amount_settles_it(changes, settles):
    assert charge(**changes).settles("order-1", 12_345) is settles


class FakeProvider:
    """A provider whose API reports the charge differently from the webhook's copy."""

    def __init__(self):
        self.adapter = OmisePayments("skey_test_x", SECRET, clock=lambda: NOW)

    def verify_webhook(self, headers, raw_body):
        return self.adapter.verify_webhook(headers, raw_body)

    def fetch_charge(self, charge_id):
        return charge(id=charge_id, status="pending")


def test_the_charge_comes_from_the_api_not_from_the_webhook():
    event, fetched = confirm_from_webhook(FakeProvider(), omise_headers(), BODY)
    assert (event.type, fetched.id, fetched.status) == ("charge.complete", "chrg_test_1", "pending")
    with pytest.raises(WebhookRejected):
        confirm_from_webhook(FakeProvider(), omise_headers(), BODY.replace(b"chrg_test_1", b"chrg_test_2"))


def test_configuration_comes_from_the_environment():
    with pytest.raises(ValueError, match="OMISE_SECRET_KEY, OMISE_WEBHOOK_SECRET"):
        OmisePayments.from_environment({})
    with pytest.raises(ValueError, match="base64"):
        OmisePayments.from_environment({"OMISE_SECRET_KEY": "skey_test_x",
                                        "OMISE_WEBHOOK_SECRET": "not base64!"})
    adapter = OmisePayments.from_environment({
        "OMISE_SECRET_KEY": "skey_test_x", "OMISE_WEBHOOK_SECRET": SECRET,
        "OMISE_API_URL": "http://127.0.0.1:9", "OMISE_WEBHOOK_TOLERANCE_SECONDS": "60"})
    assert (adapter.api_url, adapter.tolerance_seconds) == ("http://127.0.0.1:9", 60)
    assert OmisePayments.from_environment({"OMISE_SECRET_KEY": "k", "OMISE_WEBHOOK_SECRET": SECRET}).api_url \
        == "https://api.omise.co"
