"""Idempotent consumption, a batch at a time: the record of having handled an event is written in
the same transaction as the effect, keyed by (consumer, event id).

A batch is one transaction; each event runs in a savepoint of its own, so an event whose handler
fails is undone alone and the rest commit. Plain Python over a ``Database`` (``chassis.db``).
"""
import logging
from dataclasses import dataclass

from chassis import logs

log = logging.getLogger(__name__)

HANDLED = "handled"
DUPLICATE = "duplicate"  # handled already: a redelivery, or a second copy in the same batch


@dataclass(frozen=True)
class Refused:
    """An event whose handler failed; nothing of it committed."""
    error: BaseException
    transient: bool  # may succeed if tried again (database away, a prerequisite not arrived yet)

    @property
    def reason(self):
        return f"{type(self.error).__name__}: {self.error}"


def first_delivery(cursor, consumer, event_id, before=""):
    """True the first time ``consumer`` sees ``event_id``; False for any redelivery. ``before``:
    statements sent in the same round trip, ahead of the insert."""
    cursor.execute(
        before + "INSERT INTO inbox (consumer, event_id) VALUES (%s, %s) "
        "ON CONFLICT DO NOTHING RETURNING event_id",
        (consumer, event_id),
    )
    return cursor.fetchone() is not None


def event_log_ids(event):
    return {"event_id": event.event_id, "event_type": event.type.key, "order_id": event.data.get("order_id")}


def handle_batch(database, consumer, events, factory, handle, transient_errors):
    """Handle ``events`` in one transaction of ``database``; returns each one's outcome (HANDLED,
    DUPLICATE or Refused), in order.

    ``factory(cursor)`` → a UnitOfWork per event; ``handle(uow, event)`` is the handler; the events a
    unit of work raises are staged in the outbox inside its event's savepoint, and its after-commit
    callbacks run once the whole batch has committed. A failure that breaks the transaction itself
    (a lost connection) fails the batch: nothing of it commits.
    A concurrent delivery of the same event waits on the inbox's primary key until the first
    transaction ends, then sees the conflict.
    """
    outcomes, committed = [], []
    alone = len(events) == 1  # a failure undoes the whole transaction: no savepoint needed
    with database.transaction() as cursor:
        for index, event in enumerate(events):
            logs.start(**event_log_ids(event))
            try:
                # One round trip: the previous event's savepoint released, this one's, its inbox row
                savepoint = "" if alone else ("RELEASE SAVEPOINT event; " if index else "") + "SAVEPOINT event; "
                if not first_delivery(cursor, consumer, event.event_id, before=savepoint):
                    log.info("%s: %s already handled, redelivery skipped", consumer, event.type.key)
                    outcomes.append(DUPLICATE)
                    continue
                uow = factory(cursor)
                handle(uow, event)
                uow.stage_events()
            except Exception as exc:
                if alone:
                    raise
                cursor.execute("ROLLBACK TO SAVEPOINT event")  # fails the batch if the connection broke
                log.warning("%s: %s refused: %s: %s", consumer, event.type.key, type(exc).__name__, exc)
                outcomes.append(Refused(exc, isinstance(exc, transient_errors)))
                continue
            log.info("%s: handled %s", consumer, event.type.key)
            outcomes.append(HANDLED)
            committed.append(uow)
    for uow in committed:
        uow.run_after_commit()
    return outcomes
