"""The one consumer path every handler table goes through (chassis.service), over a stand-in
database: inbox key, unit of work, handler, after-commit callbacks; no broker, no PostgreSQL."""
import uuid
from contextlib import contextmanager
from unittest import mock

import pytest
from nameko.testing.services import worker_factory

from chassis.app import App, bind_handlers, consumer_name, inject
from chassis.dependencies import ServiceDatabase
from chassis.errors import TransientError
from chassis.inbox import DUPLICATE, HANDLED, Refused
from chassis.messaging import EventConsumer
from chassis.service import PlatformService
from chassis.settings import PlatformSettings
from chassis.uow import UnitOfWork
from contracts import marketplace


class InboxCursor:
    """Understands the statements of chassis.inbox: savepoints and the inbox row."""

    def __init__(self, database):
        self.database, self.row = database, None

    def execute(self, sql, params=None):
        for statement in sql.split("; "):
            if statement.startswith("SAVEPOINT"):
                self.database.savepoint = set(self.database.uncommitted)
            elif statement.startswith("ROLLBACK TO SAVEPOINT"):
                if self.database.connection_lost:
                    raise OSError("connection lost")
                self.database.uncommitted = set(self.database.savepoint)
                self.database.log.append("rollback to savepoint")
            elif statement.startswith("INSERT INTO inbox"):
                key = tuple(params)
                self.row = None if key in self.database.inbox or key in self.database.uncommitted else key
                if self.row:
                    self.database.uncommitted.add(key)
            else:
                assert statement.startswith("RELEASE SAVEPOINT"), statement

    def fetchone(self):
        return self.row


class InboxDatabase:
    def __init__(self):
        self.inbox, self.uncommitted, self.savepoint, self.log = set(), set(), set(), []
        self.connection_lost = False

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
    if event.data.get("not_yet"):
        raise TransientError("its officer is not known yet")


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
    assert service.on_order_paid([event]) == [HANDLED]
    assert service.on_order_paid([event]) == [DUPLICATE]  # redelivered: the first commit's inbox row skips it
    assert database.log == [("handled", event.event_id), "commit", ("after commit", event.event_id), "commit"]
    assert database.inbox == {("on_order_paid", event.event_id)}


def test_a_batch_is_one_transaction_and_a_second_copy_in_it_is_a_duplicate():
    database = InboxDatabase()
    service = service_over(database)
    first, second = paid_event(), paid_event()
    assert service.on_order_paid([first, second, first]) == [HANDLED, HANDLED, DUPLICATE]
    assert database.log == [("handled", first.event_id), ("handled", second.event_id), "commit",
                            ("after commit", first.event_id), ("after commit", second.event_id)]


def test_a_failing_handler_is_undone_alone_and_the_rest_of_its_batch_commits():
    database = InboxDatabase()
    service = service_over(database)
    good, bad, later = paid_event(), paid_event(fail=True), paid_event()
    handled, refused, handled_later = service.on_order_paid([good, bad, later])
    assert handled == handled_later == HANDLED
    assert isinstance(refused, Refused) and not refused.transient and "the handler failed" in refused.reason
    assert database.inbox == {("on_order_paid", good.event_id), ("on_order_paid", later.event_id)}
    assert "rollback to savepoint" in database.log and ("after commit", bad.event_id) not in database.log


def test_a_transient_failure_is_refused_as_worth_retrying():
    database = InboxDatabase()
    service = service_over(database)
    waiting, good = paid_event(not_yet=True), paid_event()
    refused, handled = service.on_order_paid([waiting, good])
    assert refused.transient and handled == HANDLED
    assert database.inbox == {("on_order_paid", good.event_id)}  # nothing of the refused one recorded


def test_an_event_alone_needs_no_savepoint_its_failure_fails_the_transaction():
    database = InboxDatabase()
    service = service_over(database)
    with pytest.raises(TransientError):
        service.on_order_paid([paid_event(not_yet=True)])
    assert database.log == [("handled", database.log[0][1]), "rollback"] and database.inbox == set()


def test_a_broken_transaction_commits_nothing_of_the_batch():
    database = InboxDatabase()
    database.connection_lost = True
    service = service_over(database)
    with pytest.raises(OSError):
        service.on_order_paid([paid_event(), paid_event(fail=True)])
    assert database.inbox == set() and database.log[-1] == "rollback"
    assert not [entry for entry in database.log if entry[0] == "after commit"]


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
