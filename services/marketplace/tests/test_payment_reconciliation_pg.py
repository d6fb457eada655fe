"""codi-admin marketplace reconcile-payments against the Omise stand-in (its own process, driven by
Omise's client through the adapter) and a real marketplace database: each kind of drift reported,
a clean day clean, the exit statuses."""
import argparse
import datetime as dt
import io
import json
import subprocess
import sys
import uuid
from importlib import resources

import pytest

from chassis.db import migrate
from chassis.thai import THAI_TIME
from devtools.isolation import free_port
from devtools.omise_standin import mark_as_paid, running
from devtools.samples import route
from devtools.testing import query
from marketplace import payment_reconciler
from marketplace.omise_adapter import OmisePayments

pytestmark = pytest.mark.integration

SECRET_KEY = "skey_test_reconciliation"
WEBHOOK_SECRET = "cmVjb25jaWxpYXRpb24gd2ViaG9vayBzZWNyZXQgMzI="


@pytest.fixture
def api_url():
    """A stand-in of each test's own (its charges are the day's); no webhooks: the marketplace's
    side is written by the test."""
    with running(free_port(), SECRET_KEY) as url:
        yield url


@pytest.fixture
def environ(api_url, empty_database, test_env, tmp_path):
    migrate(empty_database, resources.files("marketplace").joinpath("migrations"))
    return {**test_env, "MARKETPLACE_DATABASE_URL": empty_database, "OMISE_API_URL": api_url,
            "OMISE_SECRET_KEY": SECRET_KEY, "OMISE_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "PAYMENT_RECONCILE_GRACE_SECONDS": "0"}


@pytest.fixture
def provider(environ):
    return OmisePayments.from_environment(environ)


def order_with_charge(environ, provider, amount=45_625, paid=True):
    """An order, its payment request and its PromptPay charge at the stand-in (paid if ``paid``)."""
    order_id, reference = uuid.uuid4(), f"CODI-{uuid.uuid4().hex[:8].upper()}"
    expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    charge = provider.create_promptpay_charge(reference, amount, expires)
    dsn = environ["MARKETPLACE_DATABASE_URL"]
    query(dsn, "INSERT INTO orders (id, seller_id, buyer_id, status, payment_status, fulfilment_status,"
               " ship_to, total_satang, placed_at, expires_at, route) VALUES (%s, %s, %s, 'placed', 'unpaid',"
               " 'unfulfilled', '{}', %s, now(), %s, %s) RETURNING id",
          (order_id, uuid.uuid4(), uuid.uuid4(), amount, expires, json.dumps(route())))
    query(dsn, "INSERT INTO payment_requests (order_id, reference, amount_satang, method, provider, charge_id,"
               " expires_at) VALUES (%s, %s, %s, 'provider', 'omise', %s, %s) RETURNING order_id",
          (order_id, reference, amount, charge.id, expires))
    if paid:
        mark_as_paid(environ["OMISE_API_URL"], SECRET_KEY, charge.id)
    return order_id, charge


def record_payment(environ, order_id, charge_id, amount, status="matched"):
    """What the marketplace writes when the provider's webhook is verified and the charge fetched."""
    query(environ["MARKETPLACE_DATABASE_URL"],
          "INSERT INTO payments (id, order_id, amount_satang, reference, paid_at, status, method, provider,"
          " charge_id, confirmed_by_kind, confirmed_by_id, received_at) VALUES (%s, %s, %s, %s, now(), %s,"
          " 'provider', 'omise', %s, 'provider', 'omise', now()) RETURNING id",
          (uuid.uuid4(), order_id, amount, charge_id, status, charge_id))


def reconcile(environ, *argv):
    parser = argparse.ArgumentParser()
    payment_reconciler.add_arguments(parser)
    out = io.StringIO()
    status = payment_reconciler.command(parser.parse_args(list(argv)), environ=environ, out=out)
    return status, out.getvalue()


def today():
    return dt.datetime.now(THAI_TIME).date().isoformat()


def test_a_clean_day_is_clean(environ, provider):
    paid_order, paid = order_with_charge(environ, provider)
    record_payment(environ, paid_order, paid.id, paid.amount_satang)
    order_with_charge(environ, provider, paid=False)  # still awaiting payment: nothing to record
    status, out = reconcile(environ, "--day", today(), "--json")
    report = json.loads(out)
    assert status == 0, out
    assert (report["clean"], report["charges_checked"], report["payments_checked"]) == (True, 2, 1)
    status, text = reconcile(environ, "--day", today())
    assert status == 0 and "ไม่พบความคลาดเคลื่อน (no drift)" in text


def test_each_kind_of_drift_is_reported(environ, provider):
    fine_order, fine = order_with_charge(environ, provider)
    record_payment(environ, fine_order, fine.id, fine.amount_satang)
    _, never_recorded = order_with_charge(environ, provider, amount=123_450)  # the webhook was lost
    short_order, short = order_with_charge(environ, provider)
    record_payment(environ, short_order, short.id, 45_000, status="held")
    forged_order, _ = order_with_charge(environ, provider, paid=False)
    record_payment(environ, forged_order, "chrg_test_nobodyeverissuedthis", 45_625)  # no such charge

    status, out = reconcile(environ, "--day", today(), "--json")
    assert status == 1, out
    report = json.loads(out)
    found = {(f["kind"], f["charge_id"]): f for f in report["findings"]}
    assert set(found) == {("missing_at_marketplace", never_recorded.id), ("amount_mismatch", short.id),
                          ("missing_at_provider", "chrg_test_nobodyeverissuedthis")}
    assert found["missing_at_marketplace", never_recorded.id]["provider_satang"] == 123_450
    mismatch = found["amount_mismatch", short.id]
    assert (mismatch["provider_satang"], mismatch["marketplace_satang"], mismatch["order_id"]) == (
        45_625, 45_000, str(short_order))
    assert found["missing_at_provider", "chrg_test_nobodyeverissuedthis"]["order_id"] == str(forged_order)

    status, text = reconcile(environ, "--day", today())
    assert status == 1
    assert "1,234.50 บาท" in text and "จำนวนเงินไม่ตรงกัน (amounts differ)" in text
    # another day has none of these charges or payments
    assert reconcile(environ, "--day", "2020-01-01")[0] == 0


def test_a_charge_paid_within_the_grace_waits_for_its_webhook(environ, provider):
    order_with_charge(environ, provider)
    status, out = reconcile({**environ, "PAYMENT_RECONCILE_GRACE_SECONDS": "600"}, "--day", today(), "--json")
    assert status == 0 and json.loads(out)["in_flight"] == 1


def test_it_cannot_run_without_the_provider(environ, capsys):
    assert reconcile({**environ, "OMISE_API_URL": f"http://127.0.0.1:{free_port()}"})[0] == 2
    assert "ผู้ให้บริการชำระเงินไม่พร้อม" in capsys.readouterr().err
    assert reconcile({**environ, "OMISE_SECRET_KEY": "skey_test_wrong"})[0] == 2
    missing = {name: value for name, value in environ.items() if name != "OMISE_SECRET_KEY"}
    assert reconcile(missing)[0] == 2


def test_the_codi_admin_command_exits_with_the_status(environ, provider):
    order_with_charge(environ, provider)  # paid, never recorded
    result = subprocess.run([sys.executable, "-m", "chassis.cli", "marketplace", "reconcile-payments",
                             "--day", today()], env=environ, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "ผู้ให้บริการรับเงินแล้ว แต่ตลาดไม่ได้บันทึกการชำระ" in result.stdout
    refused = subprocess.run([sys.executable, "-m", "chassis.cli", "marketplace", "reconcile-payments",
                              "--day", "30-11-2026"], env=environ, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "YYYY-MM-DD" in refused.stderr


def test_the_timer_checks_yesterday_and_today_and_sets_the_drift_gauge(environ, provider):
    from prometheus_client import REGISTRY

    from chassis.db import Database
    from marketplace.adapters import MarketUnitOfWork

    order_with_charge(environ, provider)  # paid, never recorded
    database = Database(environ["MARKETPLACE_DATABASE_URL"], pool_size=1)
    try:
        reconciler = payment_reconciler.PaymentReconciler(database, provider, MarketUnitOfWork)
        reports = payment_reconciler.periodic(reconciler, dt.datetime.now(dt.timezone.utc), dt.timedelta(0))
    finally:
        database.close()
    assert [report.day for report in reports] == [dt.date.fromisoformat(today()) - dt.timedelta(days=1),
                                                  dt.date.fromisoformat(today())]
    assert REGISTRY.get_sample_value("codi_payment_reconcile_drift", {"kind": "missing_at_marketplace"}) == 1
    assert REGISTRY.get_sample_value("codi_payment_reconcile_drift", {"kind": "amount_mismatch"}) == 0
    assert REGISTRY.get_sample_value("codi_payment_reconcile_last_run_timestamp_seconds") > 0
