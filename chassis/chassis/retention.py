"""Pruning the plumbing tables once no guarantee needs their rows (every service, on a timer).

- ``inbox`` rows recognise a redelivered event. Kept ``INBOX_RETENTION_DAYS`` after handling: a
  message redelivered or replayed from a dead-letter queue within that time is still skipped.
- ``idempotency_keys`` replay the stored response to a repeated request. Kept
  ``IDEMPOTENCY_RETENTION_DAYS`` after first use: the window in which a client may retry a key.
- ``outbox`` rows are transport once published. Published rows are kept ``OUTBOX_RETENTION_DAYS``
  (for inspection), except the events a service declares retained (``retained_events``: the
  marketplace's order events, which its reconciliation endpoint serves for any period): those stay.
  Unpublished rows are never touched.
Each batch is one short transaction (``SKIP LOCKED``: rows another instance prunes are left to it);
horizons are measured on the database's clock, the one that stamped the rows.
docs/operations.md explains the horizons.
"""
import datetime as dt
import logging
from dataclasses import dataclass

from chassis import metrics
from contracts import topology

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Horizons:
    inbox: dt.timedelta
    idempotency: dt.timedelta
    outbox: dt.timedelta
    batch: int

    def __post_init__(self):
        if min(self.inbox, self.idempotency, self.outbox) <= dt.timedelta(0) or self.batch < 1:
            raise ValueError(f"retention horizons and batch must be positive: {self}")

    @classmethod
    def from_settings(cls, settings):
        """From a service's settings (``chassis.settings.PlatformSettings``: the defaults' one place)."""
        return cls(inbox=dt.timedelta(days=settings.inbox_retention_days),
                   idempotency=dt.timedelta(days=settings.idempotency_retention_days),
                   outbox=dt.timedelta(days=settings.outbox_retention_days),
                   batch=settings.retention_batch)


def prunable_events(service, retained_events=()):
    """The event types ``service`` publishes whose published outbox rows may go."""
    return [event_type for event_type in topology.ALL_EVENTS
            if event_type.source == service and event_type not in retained_events]


def _delete_in_batches(database, statement, params, batch):
    deleted = 0
    while True:
        with database.transaction() as cursor:
            cursor.execute(statement, {**params, "batch": batch})
            count = cursor.rowcount
        deleted += count
        if count < batch:
            return deleted


def prune_inbox(database, horizon, batch):
    return _delete_in_batches(database, (
        "DELETE FROM inbox WHERE (consumer, event_id) IN (SELECT consumer, event_id FROM inbox"
        " WHERE handled_at < now() - %(horizon)s LIMIT %(batch)s FOR UPDATE SKIP LOCKED)"),
        {"horizon": horizon}, batch)


def prune_idempotency_keys(database, horizon, batch):
    return _delete_in_batches(database, (
        "DELETE FROM idempotency_keys WHERE (principal, key) IN (SELECT principal, key"
        " FROM idempotency_keys WHERE created_at < now() - %(horizon)s LIMIT %(batch)s"
        " FOR UPDATE SKIP LOCKED)"), {"horizon": horizon}, batch)


def prune_outbox(database, horizon, batch, event_types):
    """Published rows of ``event_types`` only, one type at a time (the index's order)."""
    return sum(_delete_in_batches(database, (
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE exchange = %(exchange)s"
        " AND routing_key = %(routing_key)s AND published_at < now() - %(horizon)s"
        " LIMIT %(batch)s FOR UPDATE SKIP LOCKED)"),
        {"exchange": event_type.exchange, "routing_key": event_type.name, "horizon": horizon}, batch)
        for event_type in event_types)


def prune(database, service, horizons, outbox_event_types):
    """Prune the three tables; returns {table: rows deleted} (also counted in the metrics)."""
    pruned = {
        "inbox": prune_inbox(database, horizons.inbox, horizons.batch),
        "idempotency_keys": prune_idempotency_keys(database, horizons.idempotency, horizons.batch),
        "outbox": prune_outbox(database, horizons.outbox, horizons.batch, outbox_event_types),
    }
    for table, count in pruned.items():
        metrics.RETENTION_PRUNED.labels(service, table).inc(count)
    if any(pruned.values()):
        log.info("pruned rows past their retention horizon: %s", pruned)
    return pruned
