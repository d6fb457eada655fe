"""Unit of work: the repositories of one transaction, the events it raises and what waits for its commit.

Domain code calls ``uow.emit(EVENT, data)``; the events are staged in the outbox inside
the same transaction when the unit of work completes, so state and events commit together.
``uow.after_commit(callback)`` keeps work that must not happen unless the transaction commits (e.g.
counting a credit in a metric); it runs once the commit is done.
"""
import logging
from contextlib import contextmanager

from chassis import outbox

log = logging.getLogger(__name__)


class UnitOfWork:
    def __init__(self, cursor):
        self.cursor = cursor
        self.events = []
        self._after_commit = []

    def emit(self, event_type, data):
        self.events.append((event_type, data))

    def after_commit(self, callback):
        self._after_commit.append(callback)

    def stage_events(self):
        staged = [outbox.stage(self.cursor, event_type, data) for event_type, data in self.events]
        self.events = []
        return staged

    def run_after_commit(self):
        """Run the after-commit callbacks. The commit is done and cannot be undone: a callback that
        fails is logged, and neither stops the others nor fails the work."""
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            try:
                callback()
            except Exception:
                log.exception("after-commit callback %r failed", callback)


@contextmanager
def unit_of_work(database, factory):
    """One transaction of ``database``: ``factory(cursor)`` → a UnitOfWork whose events are
    staged in the outbox before commit (the service's relay publishes them) and whose after-commit
    callbacks run after it."""
    with database.transaction() as cursor:
        uow = factory(cursor)
        yield uow
        uow.stage_events()
    uow.run_after_commit()
