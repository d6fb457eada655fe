"""The funds service against the real broker and database: redelivery, poison, outages."""
import datetime as dt
import json
import uuid

import pytest
import requests
from kombu import Connection
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from chassis.cli import issue_token
from contracts import centres, marketplace, topology
from contracts import funds as funds_events
from devtools import samples
from devtools.scenario import eventually
from devtools.testing import publish_event, publish_raw, query
from funds.service import FundsService
from marketplace.service import MarketplaceService
from notifications.service import NotificationsService

pytestmark = pytest.mark.integration


@pytest.fixture
def funds(run_container, config_of, test_env, amqp_uri):
    """A running funds service that knows one fund and a 400-satang-per-bag agreement."""
    config = config_of("funds")
    run_container(FundsService, config)
    fund_id, seller_id = uuid.uuid4(), uuid.uuid4()
    publish_event(amqp_uri, centres.FUND_REGISTERED, {
        "fund_id": fund_id, "name_th": "กองทุนสวัสดิการชุมชนทดสอบ", "demo": True,
        "place": {"subdistrict_code": "830101", "district_code": "8301", "province_code": "83",
                  "province_group": 17, "region": "south"}})
    token = issue_token("funds", "operator", environ=test_env)
    base = f"http://{config['WEB_SERVER_ADDRESS']}"
    headers = {"Authorization": f"Bearer {token}"}
    eventually("the fund to reach the read model", lambda: requests.get(
        f"{base}/v1/funds/{fund_id}", headers=headers, timeout=5).status_code == 200)
    response = requests.post(f"{base}/v1/levy-agreements", headers=headers, timeout=5, json={
        "seller_org_id": str(seller_id), "basis": "per_unit", "rate": 400, "recipient": "fund",
        "fund_id": str(fund_id), "effective_from": "2020-01-01T00:00:00+07:00"})
    assert response.status_code == 201, response.text
    return {"config": config, "fund_id": fund_id, "seller_id": seller_id, "base": base,
            "headers": headers}


def paid_order(seller_id, bags=25):
    return {
        "order_id": uuid.uuid4(), "seller_org_id": seller_id, "buyer_org_id": uuid.uuid4(),
        "lines": [{"line_no": 1, "kind": "goods", "product_id": uuid.uuid4(), "product_name": "ข้าวหอมมะลิ",
                   "category": "rice", "unit": "ถุง", "quantity": bags, "unit_price_satang": 25000}],
        "route": samples.route(), "total_satang": bags * 25000, "payment_id": uuid.uuid4(), "amount_satang": bags * 25000,
        "paid_at": dt.datetime.now(dt.timezone.utc), "payment": {
            "method": "provider", "provider": "omise", "charge_id": "chrg_test_delivery",
            "reference": "CODI-DELIVERY", "confirmed_by": {"kind": "provider", "id": "omise"},
            "received_at": dt.datetime.now(dt.timezone.utc)}}


def pending_of(funds):
    return requests.get(f"{funds['base']}/v1/funds/{funds['fund_id']}", headers=funds["headers"],
                        timeout=5).json()["balance"]["pending_satang"]


def credits_of(funds):
    return query(funds["config"]["DATABASE_URL"],
                 "SELECT order_id, amount_satang FROM credits WHERE fund_id = %s", (funds["fund_id"],))


def levy_counters(funds):
    """{(metric, labels): value} of the levy counters on the running service's /metrics."""
    text = requests.get(f"{funds['base']}/metrics", timeout=5).text
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples
            if sample.name.startswith("codi_levy_credited")}


def test_a_credit_moves_the_levy_counters_of_its_region_and_fund(funds, amqp_uri):
    by_region = ("codi_levy_credited_satang_total", (("province_group", "17"), ("region", "south")))
    by_fund = ("codi_levy_credited_by_fund_satang_total", (("fund_id", str(funds["fund_id"])),))
    before = levy_counters(funds)
    order = paid_order(funds["seller_id"], bags=3)
    event_id, _ = publish_event(amqp_uri, marketplace.ORDER_PAID, order)
    publish_event(amqp_uri, marketplace.ORDER_PAID, order, event_id=event_id)  # counted once
    eventually("the credit", lambda: pending_of(funds) == 1200)
    eventually("the counters", lambda: levy_counters(funds).get(by_fund) == 1200)
    after = levy_counters(funds)
    assert after[by_region] - before.get(by_region, 0) == 1200
    assert after[by_fund] == 1200


def test_the_same_event_delivered_twice_credits_once(funds, amqp_uri):
    order = paid_order(funds["seller_id"])
    event_id, _ = publish_event(amqp_uri, marketplace.ORDER_PAID, order)
    publish_event(amqp_uri, marketplace.ORDER_PAID, order, event_id=event_id)
    eventually("the credit", lambda: pending_of(funds) == 10000)
    # a later, different order proves the duplicate was consumed before it, not still queued
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid_order(funds["seller_id"], bags=1))
    eventually("the second credit", lambda: pending_of(funds) == 10400)
    assert sorted(c["amount_satang"] for c in credits_of(funds)) == [400, 10000]
    entries = query(funds["config"]["DATABASE_URL"], "SELECT sum(amount_satang) AS total FROM ledger_entries")
    assert entries[0]["total"] == 0


def dead_letters(amqp_uri, consumer="funds"):
    """Drain the consumer's dead-letter queue: [(headers, body)]."""
    found = []
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        while (message := channel.basic_get(topology.dead_letter_queue_name(consumer))) is not None:
            found.append((message.headers, message.body))
            channel.basic_ack(message.delivery_tag)
    return found


@pytest.mark.parametrize("body, reason", [
    (b"\x00\x01 not json at all", "undecodable"),
    (json.dumps({"event_id": "not-a-uuid", "data": {}}).encode(), "contract violation"),
])
def test_a_malformed_event_is_dead_lettered_and_the_next_good_one_processed(funds, amqp_uri, body, reason):
    dead_letters(amqp_uri)  # start from an empty dead-letter queue
    publish_raw(amqp_uri, body, marketplace.ORDER_PAID.exchange, marketplace.ORDER_PAID.name)
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid_order(funds["seller_id"], bags=2))
    eventually("the good event's credit", lambda: pending_of(funds) == 800)
    letters = eventually("the dead letter", lambda: dead_letters(amqp_uri))
    assert len(letters) == 1
    headers, dead_body = letters[0]
    assert reason in headers["x-dead-letter-reason"]
    assert headers["x-original-queue"] == topology.queue_name("funds", marketplace.ORDER_PAID)
    assert dead_body == body


def test_a_database_outage_in_a_handler_is_retried_not_dropped(funds, amqp_uri, test_env):
    """Block the credits table so the handler's transaction fails, then release it."""
    import psycopg2

    blocker = psycopg2.connect(funds["config"]["DATABASE_URL"])
    blocker.autocommit = False
    with blocker.cursor() as cursor:
        cursor.execute("LOCK TABLE credits IN ACCESS EXCLUSIVE MODE")
        # terminate whatever the handler is doing while it waits: a transient failure
        publish_event(amqp_uri, marketplace.ORDER_PAID, paid_order(funds["seller_id"], bags=3))
        eventually("the handler to wait on the lock", lambda: query(
            funds["config"]["DATABASE_URL"],
            "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"))
        for row in query(funds["config"]["DATABASE_URL"],
                         "SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity"
                         " WHERE wait_event_type = 'Lock' AND datname = current_database()"):
            assert row["done"]
    blocker.rollback()
    blocker.close()
    eventually("the retried credit", lambda: pending_of(funds) == 1200, timeout=30)
    assert len(credits_of(funds)) == 1


def test_events_published_before_their_consumer_first_ran_are_not_lost(
        empty_vhost, run_container, config_of, test_env):
    """Centres starts alone (its relay declares every durable queue) and registers a fund;
    funds starts only afterwards and still learns of it.

    (empty_vhost comes first so the containers stop before their vhost is deleted: a funds
    container whose vhost is gone never finishes stopping.)"""
    from centres.service import CentresService

    centres_config = config_of("centres", AMQP_URI=empty_vhost)
    run_container(CentresService, centres_config)
    token = issue_token("centres", "operator", environ=test_env)
    response = requests.post(
        f"http://{centres_config['WEB_SERVER_ADDRESS']}/v1/funds", timeout=5,
        headers={"Authorization": f"Bearer {token}"},
        json={"name_th": f"กองทุนทดสอบ {uuid.uuid4().hex[:6]}", "subdistrict_code": "360101"})
    assert response.status_code == 201, response.text
    fund_id = response.json()["fund_id"]
    eventually("the event to leave the outbox", lambda: query(
        centres_config["DATABASE_URL"],
        "SELECT 1 FROM outbox WHERE published_at IS NOT NULL AND body LIKE %s", (f"%{fund_id}%",)))

    funds_config = config_of("funds", AMQP_URI=empty_vhost)
    run_container(FundsService, funds_config)
    eventually("funds to learn of the fund", lambda: query(
        funds_config["DATABASE_URL"], "SELECT 1 FROM funds WHERE id = %s", (fund_id,)))


def insert_inbox_row(dsn, consumer, event_id):
    """An inbox row as a service running before the handler tables wrote it."""
    query(dsn, "INSERT INTO inbox (consumer, event_id) VALUES (%s, %s) RETURNING event_id", (consumer, event_id))


def test_a_payment_already_in_the_inbox_under_its_consumer_name_is_not_credited_again(funds, amqp_uri):
    handled_before = uuid.uuid4()
    insert_inbox_row(funds["config"]["DATABASE_URL"], "on_order_paid", handled_before)
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid_order(funds["seller_id"], bags=7),
                  event_id=handled_before)
    # a later, new payment proves the one already handled was consumed (and skipped) before it
    publish_event(amqp_uri, marketplace.ORDER_PAID, paid_order(funds["seller_id"], bags=1))
    eventually("the new payment's credit", lambda: pending_of(funds) == 400)
    assert [c["amount_satang"] for c in credits_of(funds)] == [400]


PLACE = {"subdistrict_code": "360101", "district_code": "3601", "province_code": "36", "province_group": 9,
         "region": "northeast"}


def organisation_snapshot():
    return {"organisation_id": uuid.uuid4(), "name_th": "วิสาหกิจชุมชนทดสอบ", "kind": "community_enterprise",
            "place": PLACE}


def officer_snapshot():
    return {"officer_id": uuid.uuid4(), "fund_id": uuid.uuid4(), "name": "สมศรี",
            "email": f"o-{uuid.uuid4().hex[:8]}@example.org"}


def consumed(service, event_type, outcome):
    """This process's count of ``service``'s events by outcome (the containers run in it)."""
    return REGISTRY.get_sample_value("codi_events_consumed_total", {
        "service": service, "event": event_type.key, "outcome": outcome}) or 0


@pytest.mark.parametrize("service_class, consumer, event_type, snapshot, id_key, table", [
    (MarketplaceService, "on_organisation_registered", centres.ORGANISATION_REGISTERED, organisation_snapshot,
     "organisation_id", "sellers"),
    (FundsService, "on_organisation_updated", centres.ORGANISATION_UPDATED, organisation_snapshot,
     "organisation_id", "organisations"),
    (NotificationsService, "on_officer_registered", funds_events.OFFICER_REGISTERED, officer_snapshot,
     "officer_id", "officers"),
], ids=["marketplace", "funds", "notifications"])
def test_each_service_honours_inbox_rows_under_the_names_in_use_and_handles_a_new_event_once(
        empty_vhost, run_container, config_of, service_class, consumer, event_type, snapshot, id_key, table):
    """In a virtual host of its own: no other test's events in the queue, so the counts are ours."""
    amqp_uri = empty_vhost
    service = service_class.name
    config = config_of(service, AMQP_URI=amqp_uri)
    run_container(service_class, config)
    dsn = config["DATABASE_URL"]
    handled, duplicates = consumed(service, event_type, "handled"), consumed(service, event_type, "duplicate")
    seen, new = snapshot(), snapshot()
    handled_before = uuid.uuid4()
    insert_inbox_row(dsn, consumer, handled_before)
    publish_event(amqp_uri, event_type, seen, event_id=handled_before)
    new_id, _ = publish_event(amqp_uri, event_type, new)
    publish_event(amqp_uri, event_type, new, event_id=new_id)  # delivered twice
    eventually("the new event's effect", lambda: query(dsn, f"SELECT 1 FROM {table} WHERE id = %s",
                                                       (new[id_key],)))
    # the one handled before and the new one's second delivery are duplicates; only one is handled
    eventually("both duplicates skipped", lambda: consumed(service, event_type, "duplicate") == duplicates + 2)
    assert consumed(service, event_type, "handled") == handled + 1
    assert query(dsn, f"SELECT 1 FROM {table} WHERE id = %s", (seen[id_key],)) == []
    assert query(dsn, "SELECT consumer FROM inbox WHERE event_id = %s", (new_id,)) == [{"consumer": consumer}]
