"""Unit of work: the repositories of one transaction and the events it raises.

Domain code calls ``uow.emit(EVENT, data)``; the events are staged in the outbox inside
the same transaction when the unit of work completes, so state and events commit together.
"""
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
