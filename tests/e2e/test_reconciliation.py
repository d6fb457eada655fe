"""Reconciliation against the running platform: drift made on purpose (rows deleted, an event
dropped before funds consumed it, an amount corrupted) is reported exactly, replay repairs what
it can once, the corrupted case stays reported, and a second repair changes nothing."""
import argparse
import datetime as dt
import io
import json
import subprocess
import sys

import psycopg2
import pytest
import requests
from kombu import Connection

from chassis.thai import THAI_TIME
from devtools import scenario
from devtools.isolation import isolated_vhost
from devtools.testing import isolated_platform_env, query
from funds import reconciler

pytestmark = pytest.mark.e2e

LEVY = scenario.BAGS * scenario.LEVY_PER_BAG_SATANG


@pytest.fixture(scope="module")
def test_env(run_id):
    """This module's own vhost and databases: reconciliation looks at everything the platform
    holds, and other tests leave deliberate debris (credits of events published without an order)."""
    with isolated_vhost(f"test-{run_id}-reconcile") as amqp_uri, \
            isolated_platform_env(f"t{run_id}r", amqp_uri) as environ:
        yield environ


def execute(dsn, sql, params=()):
    """Statements as the database superuser, with triggers (the ledger's append-only guard, the
    foreign keys) switched off for this session: how rows get lost or damaged behind our back."""
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(sql, params)
    finally:
        conn.close()


def window():
    """--from yesterday --to the day after tomorrow (Bangkok): every order of this run."""
    today = dt.datetime.now(THAI_TIME).date()
    return ["--from", str(today - dt.timedelta(days=1)), "--to", str(today + dt.timedelta(days=2))]


def reconcile(env, *options):
    """The command in this process: (exit status, JSON report)."""
    parser = argparse.ArgumentParser()
    reconciler.add_arguments(parser)
    args = parser.parse_args([*window(), "--json", *options])
    out = io.StringIO()
    status = reconciler.command(args, environ=env, out=out)
    return status, json.loads(out.getvalue())


def about(report, *order_ids, key="findings"):
    wanted = {str(order_id) for order_id in order_ids}
    return sorted((f["kind"], f["order_id"]) for f in report[key] if f["order_id"] in wanted)


def mails_about(mail_dir, order_id):
    return [m for m in scenario.read_mail(mail_dir)
            if str(order_id) in m.get_body(preferencelist=("plain",)).get_content()]


def operator(platform, network, method, path, body=None):
    return scenario.call(method, platform.url("marketplace", path), network["ops"]["marketplace"], body)


@pytest.fixture
def env(platform, network):
    return {**platform.env, "MARKETPLACE_URL": platform.url("marketplace"),
            "MARKETPLACE_OPERATOR_TOKEN": network["ops"]["marketplace"]}


def credit_rows(env, order_id):
    return query(env["FUNDS_DATABASE_URL"],
                 "SELECT id, status, amount_satang FROM credits WHERE order_id = %s", (order_id,))


def ledger_size(env):
    return query(env["FUNDS_DATABASE_URL"], "SELECT (SELECT count(*) FROM ledger_transactions) AS t,"
                 " (SELECT count(*) FROM ledger_entries) AS e, (SELECT count(*) FROM credits) AS c")[0]


def wait_for_credit(env, order_id, status="pending"):
    scenario.eventually(f"order {order_id} credited ({status})", lambda: [
        row for row in credit_rows(env, order_id) if row["status"] == status])


def lose_credit(env, order_id):
    """Every trace of the order's credits in funds: ledger, account totals, credit, inbox row."""
    dsn = env["FUNDS_DATABASE_URL"]
    execute(dsn, """
        UPDATE accounts a SET pending_satang = a.pending_satang - e.pending,
                              posted_satang = a.posted_satang - e.posted
          FROM (SELECT e.account, coalesce(sum(e.amount_satang) FILTER (WHERE e.phase = 'pending'), 0) AS pending,
                       coalesce(sum(e.amount_satang) FILTER (WHERE e.phase = 'posted'), 0) AS posted
                  FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
                  JOIN credits c ON c.id = t.credit_id WHERE c.order_id = %(o)s GROUP BY e.account) e
         WHERE a.code = e.account;
        DELETE FROM ledger_entries WHERE transaction_id IN (SELECT t.id FROM ledger_transactions t
            JOIN credits c ON c.id = t.credit_id WHERE c.order_id = %(o)s);
        DELETE FROM ledger_transactions WHERE credit_id IN (SELECT id FROM credits WHERE order_id = %(o)s);
        DELETE FROM inbox WHERE consumer = 'on_order_paid' AND event_id IN
            (SELECT source_event_id FROM credits WHERE order_id = %(o)s);
        DELETE FROM credits WHERE order_id = %(o)s;""", {"o": str(order_id)})


def drop_before_funds_consumes(platform, env, order_id, routing_key, queue):
    """With funds stopped, wait until the marketplace has published the event, then purge it."""
    scenario.eventually(f"{routing_key} of {order_id} published", lambda: query(
        env["MARKETPLACE_DATABASE_URL"],
        "SELECT 1 FROM outbox WHERE routing_key = %s AND published_at IS NOT NULL"
        " AND (body::jsonb -> 'data') ->> 'order_id' = %s", (routing_key, str(order_id))))
    with Connection(env["AMQP_URI"]) as connection:
        channel = connection.channel()
        assert channel.queue_purge(queue) == 1
        channel.close()


def test_the_marketplace_lists_paid_orders_with_their_events_to_operators_only(platform, network):
    scenario.place_and_pay(platform, network, bags=1)
    order, _ = scenario.place_and_pay(platform, network, bags=1)
    page = operator(platform, network, "GET", f"/v1/reconciliation/orders?order_id={order['id']}")
    [item] = page["orders"]
    assert item["order"]["id"] == order["id"] and "ship_to" not in item["order"]
    assert [event["event_type"] for event in item["events"]] == ["order.paid"]
    refused = requests.get(platform.url("marketplace", "/v1/reconciliation/orders"), timeout=10,
                           headers={"Authorization": f"Bearer {network['buyer_token']}"})
    assert refused.status_code == 403
    first = operator(platform, network, "GET", "/v1/reconciliation/orders?limit=1")
    second = operator(platform, network, "GET",
                      f"/v1/reconciliation/orders?limit=1&cursor={first['next_cursor']}")
    assert first["orders"][0]["order"]["id"] != second["orders"][0]["order"]["id"]


def test_lost_rows_and_a_dropped_event_are_reported_then_repaired_once(platform, network, env, mail_dir):
    lost, _ = scenario.place_and_pay(platform, network)                 # credit rows deleted
    refunded_order, _ = scenario.place_and_pay(platform, network)       # refund outcome deleted
    delivered_order, _ = scenario.place_and_pay(platform, network)      # delivery never consumed
    for order in (lost, refunded_order, delivered_order):
        wait_for_credit(env, order["id"])
    scenario.wait_for_mail(mail_dir, network["officer"]["email"], count=3)

    # paid through the provider: the refund counts once the provider confirms it
    operator(platform, network, "POST", f"/v1/orders/{refunded_order['id']}/refunds",
             {"lines": [{"line_no": 1, "quantity": 5}]})
    scenario.eventually("the refund reversed", timeout=60, probe=lambda: query(
        env["FUNDS_DATABASE_URL"], "SELECT 1 FROM order_outcomes WHERE order_id = %s", (refunded_order["id"],)))
    execute(env["FUNDS_DATABASE_URL"],
            "DELETE FROM inbox WHERE consumer = 'on_order_refunded' AND event_id IN (SELECT source_event_id"
            " FROM order_outcomes WHERE order_id = %(o)s); DELETE FROM order_outcomes WHERE order_id = %(o)s",
            {"o": refunded_order["id"]})
    lose_credit(env, lost["id"])

    platform.stop("funds")
    try:
        operator(platform, network, "POST", f"/v1/orders/{delivered_order['id']}/shipment", {})
        operator(platform, network, "POST", f"/v1/orders/{delivered_order['id']}/receipt", None)
        drop_before_funds_consumes(platform, env, delivered_order["id"], "order.delivered",
                                   "funds.marketplace.order.delivered")
    finally:
        platform.start("funds")
        platform.wait_ready(["funds"])

    ids = (lost["id"], refunded_order["id"], delivered_order["id"])
    status, report = reconcile(env)
    assert status == 1
    assert about(report, *ids) == sorted([
        ("missing_credit", lost["id"]), ("outcome_missing", refunded_order["id"]),
        ("outcome_missing", delivered_order["id"]), ("status_differs", delivered_order["id"])])
    [missing] = [f for f in report["findings"] if f["kind"] == "missing_credit" and f["order_id"] == lost["id"]]
    assert (missing["fund_id"], missing["expected_satang"], missing["actual_satang"]) == (
        network["fund"]["fund_id"], LEVY, 0)
    assert not [f for f in report["findings"] if f["kind"] in ("unbalanced_transaction", "account_total_differs")]
    before = ledger_size(env)

    status, report = reconcile(env, "--repair")
    assert status == 0, report["findings"]
    assert about(report, *ids, key="repaired") == sorted([
        ("missing_credit", lost["id"]), ("outcome_missing", refunded_order["id"]),
        ("outcome_missing", delivered_order["id"]), ("status_differs", delivered_order["id"])])
    [credit] = credit_rows(env, lost["id"])
    assert (credit["status"], credit["amount_satang"]) == ("pending", LEVY)
    assert [row["status"] for row in credit_rows(env, delivered_order["id"])] == ["posted"]
    after = ledger_size(env)
    # the lost credit once again (its pending transaction, two entries) and the delivery's posting
    # (four entries); the refund already reversed is not reversed twice
    assert (after["c"] - before["c"], after["t"] - before["t"], after["e"] - before["e"]) == (1, 2, 6)
    scenario.eventually("the repaired credit's email", lambda: len(mails_about(mail_dir, lost["id"])) == 2)

    status, again = reconcile(env, "--repair")
    assert status == 0 and about(again, *ids) == [] and about(again, *ids, key="repaired") == []
    assert ledger_size(env) == after


def test_a_corrupted_amount_is_reported_not_repaired_and_the_cli_exits_non_zero(platform, network, env):
    order, _ = scenario.place_and_pay(platform, network, bags=2)
    wait_for_credit(env, order["id"])
    execute(env["FUNDS_DATABASE_URL"], "UPDATE credits SET amount_satang = 1 WHERE order_id = %s", (order["id"],))
    try:
        before = ledger_size(env)
        status, report = reconcile(env, "--repair")
        assert status == 1
        [finding] = [f for f in report["findings"] if f["order_id"] == order["id"]]
        assert (finding["kind"], finding["expected_satang"], finding["actual_satang"], finding["repairable"]) == (
            "amount_differs", 2 * scenario.LEVY_PER_BAG_SATANG, 1, False)
        assert ledger_size(env) == before

        cli = subprocess.run([sys.executable, "-m", "chassis.cli", "funds", "reconcile", *window()], env=env,
                             capture_output=True, text=True, timeout=120)
        assert cli.returncode == 1, cli.stderr
        assert "ยอดเงินสมทบไม่ตรงกับที่คำสั่งซื้อต้องให้" in cli.stdout and "0.01 บาท" in cli.stdout
        assert order["id"] in cli.stdout

        # the periodic timer, switched on: the drift shows in the funds service's metrics
        platform.stop("funds")
        platform.env.update(RECONCILE_INTERVAL_S="0.5", RECONCILE_GRACE_SECONDS="0",
                            MARKETPLACE_URL=env["MARKETPLACE_URL"],
                            MARKETPLACE_OPERATOR_TOKEN=env["MARKETPLACE_OPERATOR_TOKEN"])
        try:
            platform.start("funds")
            platform.wait_ready(["funds"])
            metrics = scenario.eventually("a reconciliation by the timer", lambda: (
                lambda text: text if "codi_funds_reconcile_last_run_timestamp_seconds 0.0" not in text
                and "codi_funds_reconcile_last_run_timestamp_seconds" in text else None)(
                requests.get(platform.url("funds", "/metrics"), timeout=10).text))
            assert 'codi_funds_reconcile_findings{kind="amount_differs"} 1.0' in metrics
            assert "codi_funds_reconcile_orders_in_drift 1.0" in metrics
            assert ledger_size(env) == before  # the timer reports; it repairs only if told to
        finally:
            platform.stop("funds")
            for name in ("RECONCILE_INTERVAL_S", "RECONCILE_GRACE_SECONDS"):
                platform.env.pop(name)
            platform.start("funds")
            platform.wait_ready(["funds"])
    finally:
        execute(env["FUNDS_DATABASE_URL"], "UPDATE credits SET amount_satang = %s WHERE order_id = %s",
                (2 * scenario.LEVY_PER_BAG_SATANG, order["id"]))
