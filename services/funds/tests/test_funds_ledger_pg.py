"""The funds service against the real PostgreSQL and RabbitMQ: two-phase credits, refunds,
statements, the ledger's own guards, and redelivery."""
import argparse
import csv
import dataclasses
import datetime as dt
import io
import json
import uuid
from urllib.parse import urlencode

import psycopg2
import pytest
import requests
from nameko.containers import ServiceContainer

from chassis.cli import issue_token
from chassis.db import Database
from chassis.thai import THAI_TIME, thai_month
from contracts import marketplace
from devtools import samples
from devtools.scenario import eventually
from devtools.testing import publish_event, query
from funds import issuing, statements
from funds.adapters import FundsUnitOfWork
from funds.bootstrap import bootstrap
from funds.handlers import create_agreement
from funds.service import FundsService

pytestmark = pytest.mark.integration

BAGS, PRICE, LEVY = 25, 25_000, 400


@pytest.fixture(scope="module")
def service(config_of, test_env):
    config = config_of("funds")
    container = ServiceContainer(FundsService, config)
    container.start()
    yield {"config": config, "dsn": config["DATABASE_URL"], "base": f"http://{config['WEB_SERVER_ADDRESS']}",
           "operator": {"Authorization": f"Bearer {issue_token('funds', 'operator', environ=test_env)}"}}
    container.stop()


@pytest.fixture
def fund(service):
    """A fund in the read model and a 400-satang-a-bag agreement of a new seller with it."""
    fund_id, seller_id = uuid.uuid4(), uuid.uuid4()
    database = Database(service["dsn"], pool_size=1)
    try:
        with database.transaction() as cursor:
            uow = FundsUnitOfWork(cursor)
            uow.funds.upsert({"id": fund_id, "name_th": "กองทุนสวัสดิการชุมชนตำบลตลาดใหญ่ (ทดสอบ)",
                              "province_code": "83", "province_group": 17, "region": "south",
                              "centre_id": None, "place": {"subdistrict_code": "830101"}})
            create_agreement(uow, {"seller_org_id": seller_id, "basis": "per_unit", "rate": LEVY,
                                   "recipient": "fund", "fund_id": fund_id,
                                   "effective_from": dt.datetime(2020, 1, 1, tzinfo=THAI_TIME)})
    finally:
        database.close()
    return {**service, "fund_id": fund_id, "seller_id": seller_id}


def order_of(fund, bags=BAGS):
    return {"order_id": uuid.uuid4(), "seller_org_id": fund["seller_id"], "buyer_org_id": uuid.uuid4(),
            "lines": [{"line_no": 1, "kind": "goods", "product_id": uuid.uuid4(),
                       "product_name": "ข้าวหอมมะลิชัยภูมิ", "category": "rice", "unit": "ถุง", "quantity": bags,
                       "unit_price_satang": PRICE}],
            "total_satang": bags * PRICE, "route": samples.route()}


def paid(order):
    return {**order, "payment_id": uuid.uuid4(), "amount_satang": order["total_satang"],
            "paid_at": dt.datetime.now(dt.timezone.utc), "payment": {
                "method": "direct_transfer", "provider": None, "charge_id": None, "reference": "KTB-0001",
                "confirmed_by": {"kind": "organisation", "id": str(order["seller_org_id"])},
                "received_at": dt.datetime.now(dt.timezone.utc)}}


def delivered(order):
    return {**order, "receipt": {"confirmed_by": "buyer", "received_at": dt.datetime.now(dt.timezone.utc)}}


def refund(order, bags):
    return {**order, "refund_id": uuid.uuid4(), "refunded_lines": [{"line_no": 1, "quantity": bags}],
            "amount_satang": bags * PRICE}


def get(fund, path, headers=None):
    response = requests.get(f"{fund['base']}{path}", headers=headers or fund["operator"], timeout=5)
    assert response.status_code == 200, response.text
    return response


def balance(fund):
    return get(fund, f"/v1/funds/{fund['fund_id']}").json()["balance"]


def wait_for_balance(fund, posted, pending):
    expected = {"posted_satang": posted, "pending_satang": pending}
    eventually(f"balance {expected}", lambda: balance(fund) == expected)


def transactions_of(fund):
    return query(fund["dsn"], "SELECT t.id, t.kind, t.credit_id, t.source_event_id FROM ledger_transactions t"
                 " JOIN credits c ON c.id = t.credit_id WHERE c.fund_id = %s ORDER BY t.created_at",
                 (fund["fund_id"],))


def test_headline_pending_posted_refunded_with_a_linked_reversal_and_the_months_statement(fund, amqp_uri):
    order = order_of(fund)
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid(order))
    wait_for_balance(fund, posted=0, pending=10_000)
    publish_event(amqp_uri, marketplace.ORDER_DELIVERED, delivered(order))
    wait_for_balance(fund, posted=10_000, pending=0)
    refund_id, _ = publish_event(amqp_uri, marketplace.ORDER_REFUNDED, refund(order, 5))
    wait_for_balance(fund, posted=8_000, pending=0)

    pending_tx, posted_tx, reversal_tx = transactions_of(fund)
    assert [t["kind"] for t in (pending_tx, posted_tx, reversal_tx)] == [
        "levy_pending", "levy_posted", "levy_reversed"]
    assert reversal_tx["credit_id"] == pending_tx["credit_id"] and reversal_tx["source_event_id"] == refund_id
    outbox = query(fund["dsn"], "SELECT routing_key, body::jsonb -> 'data' AS data FROM outbox"
                   " WHERE body LIKE %s ORDER BY id", (f"%{order['order_id']}%",))
    assert [row["routing_key"] for row in outbox] == ["levy.pending", "levy.posted", "levy.reversed"]
    assert outbox[2]["data"]["original_credit_id"] == str(pending_tx["credit_id"])
    assert outbox[2]["data"]["amount_satang"] == 2_000

    now = dt.datetime.now(THAI_TIME)
    month = f"{now:%Y-%m}"
    statement = get(fund, f"/v1/funds/{fund['fund_id']}/statements/{month}").json()
    assert statement["month_th"] == thai_month(now.year, now.month)
    assert statement["opening"]["posted_satang"] == statement["opening"]["pending_satang"] == 0
    assert statement["closing"]["posted_th"] == "80.00 บาท" and statement["closing"]["pending_satang"] == 0
    assert [(e["kind"], e["phase"], e["amount_satang"]) for e in statement["entries"]] == [
        ("levy_pending", "pending", 10_000), ("levy_posted", "pending", -10_000),
        ("levy_posted", "posted", 10_000), ("levy_reversed", "posted", -2_000)]

    rows = list(csv.reader(io.StringIO(get(
        fund, f"/v1/funds/{fund['fund_id']}/statements/{month}?format=csv").text.lstrip("\ufeff"))))
    assert thai_month(now.year, now.month) in rows[0][0]
    assert [row[1:3] + row[-1:] for row in rows[-2:]] == [
        ["ยอดยกไป (closing)", "pending", "0"], ["ยอดยกไป (closing)", "posted", "8000"]]
    assert [row[-4] for row in rows[4:-2]] == ["100.00 บาท", "-100.00 บาท", "100.00 บาท", "-20.00 บาท"]


def test_redelivered_and_early_events_end_in_the_same_ledger(fund, amqp_uri):
    """Refund and delivery arrive before the payment, then everything is delivered again."""
    order = order_of(fund)
    refund_event = refund(order, 5)
    early = [(marketplace.ORDER_REFUNDED, refund_event), (marketplace.ORDER_DELIVERED, delivered(order))]
    ids = [publish_event(amqp_uri, event_type, data)[0] for event_type, data in early]
    eventually("the early outcomes to be recorded", lambda: len(query(
        fund["dsn"], "SELECT 1 FROM order_outcomes WHERE order_id = %s", (order["order_id"],))) == 2)
    assert balance(fund) == {"posted_satang": 0, "pending_satang": 0}
    paid_event = paid(order)
    paid_id, _ = publish_event(amqp_uri, marketplace.ORDER_PAID, paid_event)
    wait_for_balance(fund, posted=8_000, pending=0)
    before = transactions_of(fund)

    for (event_type, data), event_id in zip(early, ids):
        publish_event(amqp_uri, event_type, data, event_id=event_id)
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid_event, event_id=paid_id)
    # the same refund under a new event id is still one refund
    publish_event(amqp_uri, marketplace.ORDER_REFUNDED, refund_event)
    # a later order to the same fund proves the replays were consumed before it
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid(order_of(fund, bags=1)))
    wait_for_balance(fund, posted=8_000, pending=400)
    assert transactions_of(fund)[:len(before)] == before and len(transactions_of(fund)) == len(before) + 1


def test_cancellation_before_delivery_voids_and_entries_page_by_cursor(fund, amqp_uri):
    order = order_of(fund, bags=2)
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid(order))
    publish_event(amqp_uri, marketplace.ORDER_CANCELLED, {**order, "reason": "ผู้ซื้อยกเลิก"})
    eventually("the void", lambda: [t["kind"] for t in transactions_of(fund)] == ["levy_pending", "levy_voided"])
    assert balance(fund) == {"posted_satang": 0, "pending_satang": 0}

    path = f"/v1/funds/{fund['fund_id']}/entries"
    first = get(fund, f"{path}?limit=1").json()
    second = get(fund, f"{path}?limit=1&cursor={first['next_cursor']}").json()
    assert [e["kind"] for e in first["entries"] + second["entries"]] == ["levy_voided", "levy_pending"]
    assert second["next_cursor"] is None
    assert [e["amount_th"] for e in get(fund, f"{path}?kind=levy_voided").json()["entries"]] == ["-8.00 บาท"]
    tomorrow = (dt.datetime.now(THAI_TIME) + dt.timedelta(days=1)).isoformat()
    assert len(get(fund, f"{path}?{urlencode({'order_id': order['order_id']})}").json()["entries"]) == 2
    assert get(fund, f"{path}?{urlencode({'since': tomorrow})}").json()["entries"] == []
    assert len(get(fund, f"{path}?{urlencode({'until': tomorrow, 'phase': 'pending'})}").json()["entries"]) == 2
    bad = requests.get(f"{fund['base']}{path}?limit=0&phase=gone", headers=fund["operator"], timeout=5)
    assert bad.status_code == 400 and set(bad.json()["error"]["fields"]) == {"limit", "phase"}


def test_an_officer_sees_only_their_own_fund(fund, test_env):
    officer = requests.post(f"{fund['base']}/v1/funds/{fund['fund_id']}/officers", headers=fund["operator"],
                            timeout=5, json={"name": "สมศรี ใจดี", "email": f"o{uuid.uuid4().hex[:6]}@example.org"})
    assert officer.status_code == 201, officer.text
    token = issue_token("funds", "officer", uuid.UUID(officer.json()["officer_id"]), environ=test_env)
    headers = {"Authorization": f"Bearer {token}"}
    get(fund, f"/v1/funds/{fund['fund_id']}/entries", headers)
    other = requests.get(f"{fund['base']}/v1/funds/{uuid.uuid4()}/statements/2026-01", headers=headers, timeout=5)
    assert other.status_code == 403
    [own] = get(fund, "/v1/rollups?by=centre", headers).json()["groups"]
    assert own["funds"] == 1


def test_the_database_refuses_an_unbalanced_transaction_and_a_negative_fund(fund):
    conn = psycopg2.connect(fund["dsn"])
    try:
        with conn.cursor() as cursor:
            transaction_id = uuid.uuid4()
            cursor.execute("INSERT INTO ledger_transactions (id, kind, source_event_id) VALUES (%s, 'test', %s)",
                           (transaction_id, uuid.uuid4()))
            cursor.execute("INSERT INTO accounts (code) VALUES ('levy-clearing') ON CONFLICT DO NOTHING")
            cursor.execute("INSERT INTO ledger_entries (transaction_id, account, phase, amount_satang)"
                           " VALUES (%s, 'levy-clearing', 'posted', 1)", (transaction_id,))
        with pytest.raises(psycopg2.errors.CheckViolation, match="does not balance"):
            conn.commit()
        conn.rollback()
        with conn.cursor() as cursor, pytest.raises(psycopg2.errors.CheckViolation):
            cursor.execute("INSERT INTO accounts (code, fund_id, posted_satang) VALUES (%s, %s, -1)",
                           (f"fund:{fund['fund_id']}-x", fund["fund_id"]))
    finally:
        conn.close()


def test_a_new_agreement_version_applies_to_later_payments_and_old_credits_keep_theirs(fund, amqp_uri):
    [agreement] = get(fund, f"/v1/levy-agreements?seller_org_id={fund['seller_id']}").json()["agreements"]
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid(order_of(fund, bags=1)))
    wait_for_balance(fund, posted=0, pending=400)
    revised = requests.put(f"{fund['base']}/v1/levy-agreements/{agreement['id']}", headers=fund["operator"],
                           timeout=5, json={**{k: agreement[k] for k in ("seller_org_id", "basis", "recipient",
                                                                         "fund_id", "effective_from")},
                                            "rate": 500})
    assert revised.status_code == 201, revised.text
    assert revised.json()["version"] == 2
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid(order_of(fund, bags=1)))
    wait_for_balance(fund, posted=0, pending=900)
    versions = query(fund["dsn"], "SELECT agreement_version, amount_satang FROM credits WHERE fund_id = %s"
                     " ORDER BY created_at", (fund["fund_id"],))
    assert [(c["agreement_version"], c["amount_satang"]) for c in versions] == [(1, 400), (2, 500)]
    every = get(fund, f"/v1/levy-agreements?seller_org_id={fund['seller_id']}&all_versions=true").json()
    assert sorted(a["version"] for a in every["agreements"]) == [1, 2]
    moved = requests.put(f"{fund['base']}/v1/levy-agreements/{agreement['id']}", headers=fund["operator"],
                         timeout=5, json={**revised.json(), "seller_org_id": str(uuid.uuid4())} | {
                             k: None for k in ("category", "product_ids", "effective_to")})
    assert moved.status_code == 400


def test_roll_ups_sum_the_levy_held_per_region_province_group_and_centre(fund, amqp_uri):
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid(order_of(fund, bags=3)))
    wait_for_balance(fund, posted=0, pending=1_200)
    before = {g["key"]: g for g in get(fund, "/v1/rollups?by=province_group").json()["groups"]}
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid(order_of(fund, bags=2)))
    wait_for_balance(fund, posted=0, pending=2_000)
    after = {g["key"]: g for g in get(fund, "/v1/rollups?by=province_group").json()["groups"]}
    assert after[17]["pending_satang"] - before[17]["pending_satang"] == 800
    assert "south" in {g["key"] for g in get(fund, "/v1/rollups?by=region").json()["groups"]}
    refused = requests.get(f"{fund['base']}/v1/rollups?by=planet", headers=fund["operator"], timeout=5)
    assert refused.status_code == 400 and "by" in refused.json()["error"]["fields"]
    month = requests.get(f"{fund['base']}/v1/funds/{fund['fund_id']}/statements/2026-13",
                         headers=fund["operator"], timeout=5)
    assert month.status_code == 400 and "month" in month.json()["error"]["fields"]


def app_at(fund, now):
    """The funds App with a clock that says it is ``now``."""
    return dataclasses.replace(bootstrap(fund["config"]), clock=lambda: now)


def statements_emitted(fund, month):
    return [json.loads(row["body"])["data"] for row in query(
        fund["dsn"], "SELECT body FROM outbox WHERE routing_key = 'statement.issued' AND body LIKE %s"
        " AND body LIKE %s ORDER BY id", (f"%{fund['fund_id']}%", f'%"month": "{month}"%'))]


def issue_at(fund, now, month=None):
    database = Database(fund["dsn"], pool_size=1)
    try:
        return issuing.issue(database, app_at(fund, now), month)
    finally:
        database.close()


def test_on_the_first_of_december_novembers_statement_is_issued_once_per_fund(fund):
    now = dt.datetime(2026, 12, 1, 0, 5, tzinfo=THAI_TIME)
    month, issued = issue_at(fund, now)
    assert month == "2026-11"
    [mine] = [payload for payload in issued if payload["fund_id"] == fund["fund_id"]]
    assert mine["month_th"] == "พฤศจิกายน 2569" and mine["fund_name_th"].startswith("กองทุนสวัสดิการ")
    [emitted] = statements_emitted(fund, "2026-11")
    assert emitted["fund_id"] == str(fund["fund_id"]) and emitted["csv"] == mine["csv"]
    # the timer fires again, a second instance too: nothing more
    assert [p for p in issue_at(fund, now + dt.timedelta(minutes=5))[1] if p["fund_id"] == fund["fund_id"]] == []
    assert len(statements_emitted(fund, "2026-11")) == 1
    [row] = query(fund["dsn"], "SELECT month, issued_at FROM statements_issued WHERE fund_id = %s",
                  (fund["fund_id"],))
    assert row["month"] == "2026-11" and row["issued_at"] == now


def test_the_issued_statement_has_the_months_entries_and_the_apis_csv(fund, amqp_uri):
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid(order_of(fund)))
    wait_for_balance(fund, posted=0, pending=10_000)
    today = dt.datetime.now(THAI_TIME)
    next_month = (today.replace(day=28) + dt.timedelta(days=5)).replace(day=1, hour=0, minute=5)
    month, issued = issue_at(fund, next_month)
    assert month == f"{today:%Y-%m}"
    [mine] = [payload for payload in issued if payload["fund_id"] == fund["fund_id"]]
    assert mine["entry_count"] == 1 and mine["opening"] == {"pending_satang": 0, "posted_satang": 0}
    assert mine["closing"] == {"pending_satang": 10_000, "posted_satang": 0}
    assert mine["csv"] == get(fund, f"/v1/funds/{fund['fund_id']}/statements/{month}?format=csv").text
    [emitted] = statements_emitted(fund, month)
    assert emitted["entry_count"] == 1 and emitted["closing"]["pending_satang"] == 10_000


def test_the_issue_statements_command_says_in_thai_what_it_issued_once(fund, test_env, capsys):
    app = app_at(fund, dt.datetime(2026, 12, 1, 0, 5, tzinfo=THAI_TIME))
    out = io.StringIO()
    assert issuing.command(argparse.Namespace(month="2026-10"), environ=test_env, out=out, app=app) == 0
    assert out.getvalue().startswith("รายงานประจำเดือนตุลาคม 2569 (2026-10): ออกใหม่ ")
    assert str(fund["fund_id"]) in out.getvalue() and len(statements_emitted(fund, "2026-10")) == 1
    again = io.StringIO()
    assert issuing.command(argparse.Namespace(month="2026-10"), environ=test_env, out=again, app=app) == 0
    assert "ออกใหม่ 0 กองทุน (issued for 0 funds)" in again.getvalue()
    assert len(statements_emitted(fund, "2026-10")) == 1

    assert issuing.command(argparse.Namespace(month="2026-12"), environ=test_env, out=io.StringIO(), app=app) == 2
    assert "ยังไม่สิ้นสุด" in capsys.readouterr().err and statements_emitted(fund, "2026-12") == []
    with pytest.raises(argparse.ArgumentTypeError):
        issuing.month_argument("2026-13")


def test_the_timer_issues_the_last_closed_months_statements(fund, config_of):
    config = config_of("funds", STATEMENT_ISSUE_INTERVAL_S="0.2")
    container = ServiceContainer(FundsService, config)
    container.start()
    try:
        month = statements.last_closed_month(dt.datetime.now(dt.timezone.utc))
        eventually("the statement issued", lambda: statements_emitted(fund, month))
    finally:
        container.stop()
    assert len(statements_emitted(fund, month)) == 1
