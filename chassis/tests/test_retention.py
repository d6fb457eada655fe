"""Retention against the real PostgreSQL: what is past its horizon goes, nothing still needed does.

Rows are made old by moving their timestamps back; every assertion is about this test's own rows
(the database is shared with the session's other tests, whose rows are all young).
"""
import datetime as dt
import uuid

import pytest
from prometheus_client import REGISTRY

from chassis import idempotency, inbox, outbox, retention
from chassis.db import Database
from chassis.settings import PlatformSettings
from contracts import centres

pytestmark = pytest.mark.integration

DAY = dt.timedelta(days=1)
HORIZONS = retention.Horizons(inbox=30 * DAY, idempotency=7 * DAY, outbox=7 * DAY, batch=2)


@pytest.fixture
def database(config_of):
    db = Database(config_of("centres")["DATABASE_URL"], pool_size=2)
    yield db
    db.close()


def run(database, sql, params=()):
    with database.transaction() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else None


def handled(database, consumer, age):
    event_id = uuid.uuid4()
    with database.transaction() as cursor:
        assert inbox.first_delivery(cursor, consumer, event_id)
    run(database, "UPDATE inbox SET handled_at = now() - %s WHERE event_id = %s", (age, event_id))
    return event_id


def staged(database, event_type, age, published=True):
    data = {"fund_id": uuid.uuid4(), "name_th": "กองทุนทดสอบ", "place": {
        "subdistrict_code": "360101", "district_code": "3601", "province_code": "36",
        "province_group": 8, "region": "northeast"}}
    with database.transaction() as cursor:
        event_id = outbox.stage(cursor, event_type, data)
    run(database, "UPDATE outbox SET created_at = now() - %(age)s,"
        " published_at = CASE WHEN %(published)s THEN now() - %(age)s END WHERE event_id = %(id)s",
        {"age": age, "published": published, "id": event_id})
    return event_id


def in_outbox(database, event_ids):
    rows = run(database, "SELECT event_id FROM outbox WHERE event_id = ANY(%s)", (list(event_ids),))
    return {row["event_id"] for row in rows}


def prune(database, retained=()):
    return retention.prune(database, "centres", HORIZONS, retention.prunable_events("centres", retained))


def test_inbox_rows_past_the_horizon_go_and_a_redelivery_inside_it_is_still_recognised(database):
    consumer = f"test-{uuid.uuid4().hex[:8]}"
    old = [handled(database, consumer, 31 * DAY) for _ in range(5)]  # more than one batch
    young = handled(database, consumer, 29 * DAY)
    assert prune(database)["inbox"] >= 5
    rows = run(database, "SELECT event_id FROM inbox WHERE consumer = %s", (consumer,))
    assert {row["event_id"] for row in rows} == {young}
    with database.transaction() as cursor:
        assert not inbox.first_delivery(cursor, consumer, young)  # still a duplicate
        assert inbox.first_delivery(cursor, consumer, old[0])  # past the horizon: forgotten


def test_outbox_keeps_unpublished_young_and_retained_rows(database):
    gone = [staged(database, centres.FUND_REGISTERED, 8 * DAY) for _ in range(3)]
    kept = {
        staged(database, centres.FUND_REGISTERED, 60 * DAY, published=False),  # never published
        staged(database, centres.FUND_REGISTERED, 6 * DAY),  # inside the horizon
        staged(database, centres.FUND_UPDATED, 60 * DAY),  # a retained type
    }
    assert prune(database, retained=(centres.FUND_UPDATED,))["outbox"] >= 3
    assert in_outbox(database, gone + list(kept)) == kept
    # leave no unpublished row for a later test's relay
    run(database, "DELETE FROM outbox WHERE event_id = ANY(%s)", (list(kept),))


def test_idempotency_keys_past_the_horizon_go_and_a_replay_inside_it_gets_the_stored_response(database):
    principal = f"test-{uuid.uuid4().hex[:8]}"
    for key, age in (("old", 8 * DAY), ("young", 6 * DAY)):
        with database.transaction() as cursor:
            assert idempotency.claim(cursor, principal, key, {"n": 1}) is None
            idempotency.record(cursor, principal, key, 201, {"id": key})
        run(database, "UPDATE idempotency_keys SET created_at = now() - %s WHERE principal = %s AND key = %s",
            (age, principal, key))
    assert prune(database)["idempotency_keys"] >= 1
    with database.transaction() as cursor:
        assert idempotency.claim(cursor, principal, "young", {"n": 1}) == (201, {"id": "young"})
        assert idempotency.claim(cursor, principal, "old", {"n": 1}) is None  # a new request now


def test_pruned_rows_are_counted_by_table(database):
    def counted():
        return REGISTRY.get_sample_value("codi_retention_pruned_rows_total",
                                         {"service": "centres", "table": "inbox"}) or 0
    before = counted()
    handled(database, f"test-{uuid.uuid4().hex[:8]}", 31 * DAY)
    pruned = prune(database)["inbox"]
    assert pruned >= 1 and counted() == before + pruned


def horizons(config):
    return retention.Horizons.from_settings(PlatformSettings.from_config(config))


def test_horizons_come_from_the_settings_with_the_defaults_in_one_place():
    defaults = horizons({"INBOX_RETENTION_DAYS": None, "OUTBOX_RETENTION_DAYS": ""})
    assert defaults == retention.Horizons(inbox=30 * DAY, idempotency=7 * DAY, outbox=7 * DAY, batch=1000)
    assert horizons({"INBOX_RETENTION_DAYS": "0.5"}).inbox == DAY / 2
    for bad in ("0", "-1", "soon"):
        with pytest.raises(ValueError):
            horizons({"IDEMPOTENCY_RETENTION_DAYS": bad})


def test_only_the_services_own_unretained_events_are_prunable():
    prunable = retention.prunable_events("centres", (centres.FUND_UPDATED,))
    assert centres.FUND_REGISTERED in prunable and centres.FUND_UPDATED not in prunable
    assert {event_type.source for event_type in prunable} == {"centres"}
