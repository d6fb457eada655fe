"""Transactional outbox: stage events with the state change, publish them afterwards.

``stage`` runs inside the business transaction. The relay claims unpublished rows
with ``FOR UPDATE SKIP LOCKED`` (several relays never publish the same row at once),
publishes the batch with all its broker confirms in flight, and marks the rows published
in the same claim transaction only once every one is confirmed; a nack, a timeout or a
lost connection rolls the claim back. A crash between publish and mark republishes:
consumers are idempotent.
LISTEN/NOTIFY only wakes the relay early; polling is the guarantee.
"""
import logging
import select
import time

import psycopg2

from chassis import failpoints
from contracts import encode

log = logging.getLogger(__name__)

NOTIFY_CHANNEL = "outbox"


def stage(cursor, event_type, data, event_id=None, occurred_at=None):
    """Validate ``data`` against its contract and stage it; returns the event id."""
    event_id, body = encode(event_type, data, event_id=event_id, occurred_at=occurred_at)
    # One round trip: the row and the wake-up (delivered at commit, once per transaction).
    cursor.execute(
        "INSERT INTO outbox (event_id, exchange, routing_key, body) VALUES (%s, %s, %s, %s);"
        f" NOTIFY {NOTIFY_CHANNEL}",
        (event_id, event_type.exchange, event_type.name, body),
    )
    return event_id


class Relay:
    def __init__(self, database, publisher, batch_size=200, on_published=None):
        self.database = database
        self.publisher = publisher
        self.batch_size = batch_size
        self.on_published = on_published or (lambda count: None)

    def publish_batch(self):
        """Publish up to one batch of unpublished events; returns how many."""
        with self.database.transaction() as cursor:
            cursor.execute(
                "SELECT id, event_id, exchange, routing_key, body FROM outbox "
                "WHERE published_at IS NULL ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                (self.batch_size,),
            )
            rows = cursor.fetchall()
            if rows:
                self.publisher.publish_batch([
                    (row["body"], row["exchange"], row["routing_key"], str(row["event_id"]))
                    for row in rows
                ])
                failpoints.hit("relay.after_publish")  # published, not yet marked: republished later
                cursor.execute(
                    "UPDATE outbox SET published_at = clock_timestamp() WHERE id = ANY(%s)",
                    ([row["id"] for row in rows],),
                )
        self.on_published(len(rows))
        return len(rows)

    def backlog(self):
        """(unpublished count, age in seconds of the oldest unpublished event)."""
        with self.database.transaction() as cursor:
            cursor.execute(
                "SELECT count(*) AS n, coalesce(extract(epoch FROM now() - min(created_at)), 0) AS age "
                "FROM outbox WHERE published_at IS NULL"
            )
            row = cursor.fetchone()
            return row["n"], float(row["age"])


class Wakeup:
    """Waits for NOTIFY on ``channel``, or for the timeout, whichever is first."""

    def __init__(self, dsn, channel=NOTIFY_CHANNEL):
        self.dsn = dsn
        self.channel = channel
        self._conn = None

    def wait(self, timeout):
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg2.connect(self.dsn)
                self._conn.autocommit = True
                with self._conn.cursor() as cursor:
                    cursor.execute(f"LISTEN {self.channel}")
            if select.select([self._conn], [], [], timeout)[0]:
                self._conn.poll()
                self._conn.notifies.clear()
        except (psycopg2.Error, OSError) as exc:
            log.debug("wake-up connection for %s lost: %s", self.channel, exc)
            self.close()
            time.sleep(timeout)

    def close(self):
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg2.Error:
                pass
        self._conn = None
