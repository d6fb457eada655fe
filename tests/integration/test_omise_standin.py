"""The Omise stand-in (devtools/omise_standin.py), as a real process, driven by Omise's official
Python client (``omise``) and by plain HTTP; its webhooks received by a real local HTTP server and
their signatures checked here with hmac, independently of the marketplace's verifier."""
import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from io import BytesIO

import omise
import omise.errors
import pytest
import requests
import zxingcpp
from PIL import Image

from devtools.isolation import free_port
from devtools.omise_standin import COLLECTION_ACCOUNT, mark_as_failed, mark_as_paid, running
from devtools.webhook_inbox import WebhookInbox
from marketplace import promptpay

SECRET_KEY = "skey_test_standin_integration"
WEBHOOK_SECRET = base64.b64encode(b"the stand-in's webhook secret").decode()
PREVIOUS_SECRET = base64.b64encode(b"the secret being rotated out").decode()


@pytest.fixture
def inbox():
    with WebhookInbox(free_port(), statuses=[500, 503]) as inbox:  # the first two deliveries fail
        yield inbox


@pytest.fixture
def standin(inbox, tmp_path):
    extra = ["--retry-seconds", "0.1", "--attempts", "4", "--state", str(tmp_path / "omise.json"),
             "--previous-webhook-secret", PREVIOUS_SECRET]
    with running(free_port(), SECRET_KEY, inbox.url, WEBHOOK_SECRET, extra) as url:
        omise.api_secret, omise.api_main, omise.api_version = SECRET_KEY, url, "2019-05-29"
        yield url


def promptpay_charge(amount=12_345, **extra):
    return omise.Charge.create(amount=amount, currency="thb", source={"type": "promptpay"},
                               metadata={"order_ref": "order-7"}, **extra)


def signed_by(secret, delivery):
    timestamp = delivery.headers["Omise-Signature-Timestamp"]
    key = base64.b64decode(secret)
    expected = hmac.new(key, timestamp.encode() + b"." + delivery.body, hashlib.sha256).hexdigest()
    return expected in delivery.headers["Omise-Signature"].split(",")


def events(inbox, key, count=1):
    def matching(received):
        return [r for r in received if json.loads(r.body)["key"] == key]
    inbox.wait_for(lambda received: len(matching(received)) >= count)
    return matching(inbox.received)


def test_a_promptpay_charge_is_created_retrieved_and_its_qr_served(standin):
    charge = promptpay_charge()
    assert (charge.object, charge.status, charge.amount, charge.currency) == (
        "charge", "pending", 12_345, "THB")
    assert (charge.source.type, charge.source.flow, charge.paid) == ("promptpay", "offline", False)
    assert charge.metadata.order_ref == "order-7"
    image = charge.source.scannable_code.image
    assert (image.object, charge.source.scannable_code.type) == ("document", "qr")

    again = omise.Charge.retrieve(charge.id)
    assert (again.id, again.status, again.expires_at) == (charge.id, "pending", charge.expires_at)

    png = requests.get(image.download_uri, timeout=5)
    assert png.headers["Content-Type"] == "image/png"
    (scanned,) = zxingcpp.read_barcodes(Image.open(BytesIO(png.content)))
    # a Thai QR asking exactly this amount, for a PromptPay ID no one holds
    assert scanned.text == promptpay.payload(COLLECTION_ACCOUNT, 12_345)
    assert scanned.text.startswith("000201010212") and "5406123.45" in scanned.text


def test_the_secret_key_is_required(standin):
    assert requests.get(f"{standin}/charges", timeout=5).status_code == 401
    refused = requests.post(f"{standin}/charges", auth=("skey_test_wrong", ""), timeout=5)
    assert (refused.status_code, refused.json()["code"]) == (401, "authentication_failure")
    omise.api_secret = "skey_test_wrong"
    with pytest.raises(omise.errors.AuthenticationFailureError):
        omise.Charge.retrieve("chrg_test_whatever")


def test_refused_charges(standin):
    with pytest.raises(omise.errors.InvalidChargeError):
        promptpay_charge(amount=1_999)  # below Omise's 20 baht
    with pytest.raises(omise.errors.InvalidChargeError):
        omise.Charge.create(amount=5_000, currency="usd", source={"type": "promptpay"})
    with pytest.raises(omise.errors.NotFoundError):
        omise.Charge.retrieve("chrg_test_nosuchcharge0000000")


def test_the_form_encoded_body_curl_sends_works_too(standin):
    created = requests.post(f"{standin}/charges", auth=(SECRET_KEY, ""), timeout=5,
                            data={"amount": "2500", "currency": "thb", "source[type]": "promptpay",
                                  "metadata[order_ref]": "order-curl"})
    assert created.status_code == 200
    assert (created.json()["amount"], created.json()["metadata"]) == (2500, {"order_ref": "order-curl"})


def test_list_charges_with_dates_and_pages(standin):
    before = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=2)
    made = [promptpay_charge(amount=2_000 + n).id for n in range(3)]
    after = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2)
    window = dict(fromDate=before.isoformat(), toDate=after.isoformat())

    everything = [charge.id for charge in omise.Charge.list(**window)]  # the client pages by 100
    assert sorted(everything) == sorted(made)
    first, rest = (omise.Charge.list(**window).offset(limit=2, offset=0),
                   omise.Charge.list(**window).offset(limit=2, offset=2))
    assert (len(first), len(rest)) == (2, 1)
    assert len(omise.Charge.list(**window)) == 3
    earlier = omise.Charge.list(fromDate=(before - dt.timedelta(days=1)).isoformat(),
                                toDate=before.isoformat())
    assert list(earlier) == []

    page = requests.get(f"{standin}/charges", auth=(SECRET_KEY, ""), timeout=5,
                        params={"from": before.isoformat(), "limit": 1, "offset": 1,
                                "order": "reverse_chronological"}).json()
    assert (page["object"], page["total"], page["limit"], page["offset"], len(page["data"])) == (
        "list", 3, 1, 1, 1)
    bad = requests.get(f"{standin}/charges", auth=(SECRET_KEY, ""), params={"limit": "many"}, timeout=5)
    assert (bad.status_code, bad.json()["code"]) == (400, "bad_request")


def test_paying_then_refunding(standin):
    charge = promptpay_charge(amount=50_000)
    with pytest.raises(omise.errors.FailedRefundError):
        charge.refund(amount=1_000)  # nothing was paid yet
    paid = mark_as_paid(standin, SECRET_KEY, charge.id)
    assert (paid["status"], paid["paid"]) == ("successful", True) and paid["paid_at"]

    refund = charge.refund(amount=20_000, metadata={"refund_ref": "r-1"})
    assert (refund.object, refund.amount, refund.charge) == ("refund", 20_000, charge.id)
    assert charge.refunded_amount == 20_000  # the client reloads the charge after a refund
    with pytest.raises(omise.errors.FailedRefundError):
        charge.refund(amount=30_001)  # more than is left
    charge.refund(amount=30_000)
    assert omise.Charge.retrieve(charge.id).refunded_amount == 50_000
    assert [r.amount for r in charge.list_refunds()] == [20_000, 30_000]
    with pytest.raises(omise.errors.InvalidChargeError):  # paid already: the client's own helper
        omise.Request(SECRET_KEY, standin, "2019-05-29").send("post", ("charges", charge.id, "mark_as_paid"))


def test_a_failed_payment(standin):
    charge = promptpay_charge()
    failed = mark_as_failed(standin, SECRET_KEY, charge.id)
    assert (failed["status"], failed["failure_code"], failed["paid"]) == ("failed", "payment_rejected", False)


def test_an_unpaid_charge_expires(standin, inbox):
    charge = promptpay_charge(expires_at=(dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=1))
                              .strftime("%Y-%m-%dT%H:%M:%SZ"))
    time.sleep(1.5)
    assert omise.Charge.retrieve(charge.id).status == "expired"
    with pytest.raises(requests.HTTPError):
        mark_as_paid(standin, SECRET_KEY, charge.id)
    (expired,) = events(inbox, "charge.expire")
    assert json.loads(expired.body)["data"]["id"] == charge.id


def test_webhooks_are_signed_as_omise_signs_them_and_retried(standin, inbox):
    charge = promptpay_charge()
    attempts = events(inbox, "charge.create", count=3)  # two failures, then accepted
    mark_as_paid(standin, SECRET_KEY, charge.id)
    assert [a.answered for a in attempts] == [500, 503, 200]
    assert len({json.loads(a.body)["id"] for a in attempts}) == 1  # one event, delivered thrice
    (complete,) = events(inbox, "charge.complete")
    event = json.loads(complete.body)
    assert (event["object"], event["data"]["id"], event["data"]["status"]) == (
        "event", charge.id, "successful")
    for delivery in [*attempts, complete]:
        timestamp = int(delivery.headers["Omise-Signature-Timestamp"])
        assert abs(time.time() - timestamp) < 60
        # during a rotation Omise signs with both secrets; either one verifies
        assert signed_by(WEBHOOK_SECRET, delivery) and signed_by(PREVIOUS_SECRET, delivery)
        assert not signed_by(base64.b64encode(b"someone else").decode(), delivery)


def test_webhooks_are_delivered_several_at_once():
    # each delivery is answered only once two are in flight: one sender at a time would get 503s
    with WebhookInbox(free_port(), together=threading.Barrier(2, timeout=5)) as inbox, \
            running(free_port(), SECRET_KEY, inbox.url, WEBHOOK_SECRET, ["--webhook-senders", "2"]) as url:
        omise.api_secret, omise.api_main, omise.api_version = SECRET_KEY, url, "2019-05-29"
        promptpay_charge()
        promptpay_charge()
        deliveries = events(inbox, "charge.create", count=2)
    assert [delivery.answered for delivery in deliveries] == [200, 200]


def test_state_survives_a_restart(inbox, tmp_path):
    state = tmp_path / "kept.json"
    port = free_port()
    with running(port, SECRET_KEY, extra_args=["--state", str(state)]) as url:
        omise.api_secret, omise.api_main, omise.api_version = SECRET_KEY, url, "2019-05-29"
        charge_id = promptpay_charge().id
        mark_as_paid(url, SECRET_KEY, charge_id)
    with running(port, SECRET_KEY, extra_args=["--state", str(state)]):
        assert omise.Charge.retrieve(charge_id).status == "successful"


def test_events_are_listed_and_retrieved_as_omise_serves_them(standin, inbox):
    charge = promptpay_charge()
    mark_as_paid(standin, SECRET_KEY, charge.id)
    (complete,) = events(inbox, "charge.complete")
    delivered = json.loads(complete.body)
    listed = [event for event in omise.Event.list() if event.data.id == charge.id]
    assert [event.key for event in listed] == ["charge.create", "charge.complete"]
    kept = omise.Event.retrieve(delivered["id"])
    assert (kept.key, kept.data.id, kept.data.status) == ("charge.complete", charge.id, "successful")
    assert kept.id == delivered["id"] and kept.webhook_deliveries[0]["uri"] == inbox.url
    with pytest.raises(omise.errors.NotFoundError):
        omise.Event.retrieve("evnt_test_no_such_event")
