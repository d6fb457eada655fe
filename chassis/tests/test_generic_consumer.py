"""The one consumer path every handler table goes through (chassis.service), over a stand-in
database: inbox key, unit of work, handler, after-commit callbacks; no broker, no PostgreSQL."""
import uuid
from contextlib import contextmanager
from unittest import mock

import pytest
from nameko.testing.services import worker_factory

from chassis.app import App, bind_handlers, consumer_name, inject
from chassis.dependencies import ServiceDatabase
from chassis.messaging import DUPLICATE, EventConsumer
from chassis.service import PlatformService
from chassis.settings import PlatformSettings
from chassis.uow import UnitOfWork
from contracts import marketplace


class InboxCursor:
    """Understands the one statement of chassis.inbox."""

    def __init__(self, database):
        self.database, self.row = database, None

    def execute(self, sql, params):
        assert sql.startswith("INSERT INTO inbox")
        key = tuple(params)
        self.row = None if key in self.database.inbox or key in self.database.uncommitted else key
        if self.row:
            self.database.uncommitted.add(key)

    def fetchone(self):
        return self.row


class InboxDatabase:
    def __init__(self):
        self.inbox, self.uncommitted, self.log = set(), set(), []

    @contextmanager
    def transaction(self, isolation=None):
        try:
            yield InboxCursor(self)
        except Exception:
            self.uncommitted.clear()
            self.log.append("rollback")
            raise
        self.inbox |= self.uncommitted
        self.uncommitted.clear()
        self.log.append("commit")


def pay(uow, event, log):
    log.append(("handled", event.event_id))
    uow.after_commit(lambda: log.append(("after commit", event.event_id)))
    if event.data.get("fail"):
        raise RuntimeError("the handler failed")


class Sample(PlatformService):
    name = "sample"
    event_handlers = {marketplace.ORDER_PAID: pay}


def service_over(database):
    app = App(PlatformSettings(), UnitOfWork, bind_handlers(Sample.event_handlers, {"log": database.log}))
    return worker_factory(Sample, db=ServiceDatabase(database, "sample"), app=app)


def paid_event(**data):
    return mock.Mock(event_id=uuid.uuid4(), type=marketplace.ORDER_PAID, data=data)


def test_a_table_entry_becomes_a_consumer_named_after_its_event():
    [entrypoint] = Sample.on_order_paid.nameko_entrypoints
    assert isinstance(entrypoint, EventConsumer) and entrypoint.event_type is marketplace.ORDER_PAID
    assert consumer_name(marketplace.ORDER_PAID) == "on_order_paid"


def test_a_hand_written_consumer_beside_the_table_is_refused():
    with pytest.raises(TypeError, match="handler table"):
        class HandWritten(PlatformService):
            name = "hand-written"
            event_handlers = {marketplace.ORDER_PAID: pay}

            def on_order_paid(self, event):
                pass


def test_the_handler_runs_once_and_its_callbacks_after_the_commit():
    database = InboxDatabase()
    service = service_over(database)
    event = paid_event()
    assert service.on_order_paid(event) is None
    assert service.on_order_paid(event) == DUPLICATE  # redelivered: the first commit's inbox row skips it
    assert database.log == [("handled", event.event_id), "commit", ("after commit", event.event_id), "commit"]
    assert database.inbox == {("on_order_paid", event.event_id)}


def test_a_failing_handler_commits_nothing_and_runs_no_callback():
    database = InboxDatabase()
    service = service_over(database)
    event = paid_event(fail=True)
    with pytest.raises(RuntimeError):
        service.on_order_paid(event)
    assert database.log == [("handled", event.event_id), "rollback"] and database.inbox == set()


def test_a_failing_after_commit_callback_does_not_fail_the_committed_work():
    uow = UnitOfWork(cursor=None)
    ran = []
    uow.after_commit(lambda: 1 / 0)
    uow.after_commit(lambda: ran.append("second"))
    uow.run_after_commit()
    assert ran == ["second"]


def test_a_handler_needing_a_dependency_the_bootstrap_lacks_is_refused_at_start_up():
    with pytest.raises(TypeError, match="log"):
        inject(pay, {})
    assert inject(pay, {"log": [], "clock": None}).keywords == {"log": []}
