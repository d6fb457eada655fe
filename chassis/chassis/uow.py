"""Unit of work: the repositories of one transaction and the events it raises.

Domain code calls ``uow.emit(EVENT, data)``; the events are staged in the outbox inside
the same transaction when the unit of work completes, so state and events commit together.
"""
from contextlib import contextmanager

from chassis import outbox


class UnitOfWork:
    def __init__(self, cursor):
        self.cursor = cursor
        self.events = []

    def emit(self, event_type, data):
        self.events.append((event_type, data))

    def stage_events(self):
        staged = [outbox.stage(self.cursor, event_type, data) for event_type, data in self.events]
        self.events = []
        return staged


@contextmanager
def unit_of_work(database, factory):
    """One transaction of ``database``: ``factory(cursor)`` → a UnitOfWork whose events are
    staged in the outbox before commit (the service's relay publishes them)."""
    with database.transaction() as cursor:
        uow = factory(cursor)
        yield uow
        uow.stage_events()
