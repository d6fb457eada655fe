"""The Omise adapter against the Omise stand-in running as its own process, its webhooks received by a
real local HTTP server and confirmed the way the marketplace will: verified, then fetched back."""
import datetime as dt
import json
import socket

import eventlet
import pytest

from chassis.errors import NotFound, TransientError, Unprocessable
from chassis.thai import THAI_TIME
from devtools.isolation import free_port
from devtools.omise_standin import COLLECTION_ACCOUNT, mark_as_failed, mark_as_paid, running
from devtools.webhook_inbox import WebhookInbox
from marketplace import promptpay
from marketplace.omise_adapter import OmisePayments
from marketplace.payments import PaymentProviderError, WebhookRejected, confirm_from_webhook

SECRET_KEY = "skey_test_adapter"
WEBHOOK_SECRET = "c3RhbmQtaW4gd2ViaG9vayBzZWNyZXQgZm9yIHRoZSBhZGFwdGVy"


@pytest.fixture(scope="module")
def inbox():
    with WebhookInbox(free_port()) as inbox:
        yield inbox


@pytest.fixture(scope="module")
def api_url(inbox):
    with running(free_port(), SECRET_KEY, inbox.url, WEBHOOK_SECRET, ["--retry-seconds", "0.1"]) as url:
        yield url


@pytest.fixture
def payments(api_url):
    return OmisePayments.from_environment({"OMISE_SECRET_KEY": SECRET_KEY,
                                           "OMISE_WEBHOOK_SECRET": WEBHOOK_SECRET, "OMISE_API_URL": api_url})


def in_minutes(minutes):
    return dt.datetime.now(THAI_TIME) + dt.timedelta(minutes=minutes)


def delivered(inbox, key, charge_id):
    def mine(received):
        return [r for r in received
                if json.loads(r.body)["key"] == key and charge_id in r.body.decode()]
    inbox.wait_for(lambda received: mine(received))
    return mine(inbox.received)[-1]


def test_a_paid_promptpay_charge_is_confirmed_by_its_verified_webhook_and_the_api(payments, api_url, inbox):
    charge = payments.create_promptpay_charge("order-41", 45_625, in_minutes(15))
    assert (charge.status, charge.amount_satang, charge.order_ref, charge.paid) == (
        "pending", 45_625, "order-41", False)
    assert charge.qr_image_url.startswith(api_url) and charge.expires_at > dt.datetime.now(dt.timezone.utc)

    mark_as_paid(api_url, SECRET_KEY, charge.id)  # the buyer scans and pays
    webhook = delivered(inbox, "charge.complete", charge.id)
    event, confirmed = confirm_from_webhook(payments, webhook.headers, webhook.body)
    assert (event.type, event.charge_id) == ("charge.complete", charge.id)
    assert confirmed.settles("order-41", 45_625) and confirmed.paid_at is not None
    assert not confirmed.settles("order-41", 45_624) and not confirmed.settles("order-42", 45_625)


def test_the_qr_text_is_read_back_from_the_providers_image(payments):
    charge = payments.create_promptpay_charge("order-qr", 45_625, in_minutes(15))
    text = payments.qr_payload(charge)
    assert text == promptpay.payload(COLLECTION_ACCOUNT, 45_625)


def test_a_tampered_or_stale_webhook_is_rejected(payments, api_url, inbox):
    charge = payments.create_promptpay_charge("order-43", 10_000, in_minutes(15))
    mark_as_failed(api_url, SECRET_KEY, charge.id)
    webhook = delivered(inbox, "charge.complete", charge.id)
    assert payments.fetch_charge(charge.id).failure == "payment_rejected"
    forged = webhook.body.replace(b'"status": "failed"', b'"status": "successful"')
    assert forged != webhook.body
    with pytest.raises(WebhookRejected):
        payments.verify_webhook(webhook.headers, forged)
    late = OmisePayments(SECRET_KEY, WEBHOOK_SECRET, api_url=api_url,
                         clock=lambda: int(webhook.headers["Omise-Signature-Timestamp"]) + 301)
    with pytest.raises(WebhookRejected):
        late.verify_webhook(webhook.headers, webhook.body)
    other_secret = OmisePayments(SECRET_KEY, "b3RoZXIgc2VjcmV0", api_url=api_url)
    with pytest.raises(WebhookRejected):
        other_secret.verify_webhook(webhook.headers, webhook.body)


def test_refunds_are_made_once_per_reference(payments, api_url, inbox):
    charge = payments.create_promptpay_charge("order-44", 30_000, in_minutes(15))
    with pytest.raises(Unprocessable):
        payments.refund(charge.id, 1_000, "refund-0")  # not paid yet
    mark_as_paid(api_url, SECRET_KEY, charge.id)
    first = payments.refund(charge.id, 12_000, "refund-1")
    again = payments.refund(charge.id, 12_000, "refund-1")  # a retry after a lost answer
    assert first == again and (first.amount_satang, first.charge_id) == (12_000, charge.id)
    payments.refund(charge.id, 18_000, "refund-2")
    assert payments.fetch_charge(charge.id).refunded_satang == 30_000
    assert [(r.refund_ref, r.amount_satang) for r in payments.fetch_refunds(charge.id)] == [
        ("refund-1", 12_000), ("refund-2", 18_000)]
    with pytest.raises(Unprocessable):
        payments.refund(charge.id, 1, "refund-3")
    webhook = delivered(inbox, "refund.create", first.id)
    assert payments.verify_webhook(webhook.headers, webhook.body).charge_id == charge.id


def test_charges_are_listed_by_bangkok_day(payments):
    charge = payments.create_promptpay_charge("order-45", 20_000, in_minutes(15))
    today = dt.datetime.now(THAI_TIME).date()
    assert charge.id in [c.id for c in payments.list_charges(today)]
    assert charge.id not in [c.id for c in payments.list_charges(today - dt.timedelta(days=1))]


def test_provider_refusals_and_outages_are_domain_errors(payments, api_url):
    with pytest.raises(NotFound):
        payments.fetch_charge("chrg_test_nosuchcharge0000000")
    with pytest.raises(Unprocessable):
        payments.create_promptpay_charge("order-46", 1_999, in_minutes(15))  # under 20 baht
    wrong_key = OmisePayments("skey_test_wrong", WEBHOOK_SECRET, api_url=api_url)
    with pytest.raises(PaymentProviderError):
        wrong_key.fetch_charge("chrg_test_whatever")
    down = OmisePayments(SECRET_KEY, WEBHOOK_SECRET, api_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(TransientError):
        down.fetch_charge("chrg_test_whatever")


def test_a_provider_that_never_answers_is_cut_off_by_the_deadline():
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        hanging = OmisePayments(SECRET_KEY, WEBHOOK_SECRET,
                                api_url=f"http://127.0.0.1:{silent.getsockname()[1]}",
                                deadline=lambda: eventlet.Timeout(0.5, TransientError("provider too slow")))
        with pytest.raises(TransientError, match="too slow"):
            hanging.fetch_charge("chrg_test_whatever")
