"""nameko dependency providers, each a provider plus the thin wrapper a worker sees."""
import logging
import time
from weakref import WeakKeyDictionary

import eventlet
import psycogreen.eventlet
import psycopg2.extras
from nameko.extensions import DependencyProvider, SharedExtension
from nameko.messaging import Consumer
from nameko.rpc import Rpc
from nameko.timer import Timer
from nameko.web.handlers import HttpRequestHandler

from chassis import auth, inbox, logs, metrics, outbox
from chassis.broker import Publisher
from chassis.db import TRANSIENT_ERRORS
from chassis.db import Database as PooledDatabase
from chassis.errors import TransientError
from chassis.uow import unit_of_work

log = logging.getLogger(__name__)


class Bootstrapped(SharedExtension):
    """The service's App (``chassis.app``), built once per container by the service class's
    ``bootstrap(config)``: shared by every extension that needs the settings, whichever is set up
    first (nameko sets extensions up in no particular order). A method, not a property: nameko
    reads every attribute of an extension while it looks for subextensions."""

    built = None

    def app(self):
        if self.built is None:
            self.built = self.container.service_cls.bootstrap(self.container.config)
        return self.built


class Application(DependencyProvider):
    """What a worker sees as ``self.app``: settings, unit-of-work factory, handler table, clock."""

    bootstrapped = Bootstrapped()

    def setup(self):
        self.bootstrapped.app()  # a wrong setting stops the start, not the first event

    def get_dependency(self, worker_ctx):
        return self.bootstrapped.app()


class ServiceDatabase:
    """What a worker sees: transactions, once-only event handling, authentication."""

    def __init__(self, database, service_name, principals=None):
        self._database = database
        self._service_name = service_name
        self._principals = principals or auth.PrincipalCache(0)  # 0: every request reads its token

    def transaction(self, isolation=None):
        return self._database.transaction(isolation)

    def unit_of_work(self, factory):
        """``factory(cursor)`` → a UnitOfWork; its events are staged before commit."""
        return unit_of_work(self._database, factory)

    def handle_batch(self, events, consumer, factory, handle):
        """``events`` handled by ``consumer`` in one transaction, once each (``chassis.inbox``);
        returns each one's outcome."""
        return inbox.handle_batch(self._database, consumer, events, factory, handle,
                                  transient_errors=(TransientError, *TRANSIENT_ERRORS))

    def principal(self, request):
        """Who sent ``request``: from the process's cache of recent tokens, else one SELECT, which
        needs no transaction: read in autocommit mode (no BEGIN and COMMIT round trips)."""
        token_digest = auth.digest(auth.bearer_token(request.headers.get("Authorization")))
        known = self._principals.get(token_digest)
        if known is not None:
            return known
        try:
            with self._database.connection() as conn:
                conn.autocommit = True
                try:
                    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
                        principal, seconds_left = auth.lookup(cursor, token_digest)
                finally:
                    if not conn.closed:
                        conn.autocommit = False
        except TRANSIENT_ERRORS as exc:
            raise TransientError(f"database: {exc.__class__.__name__}: {exc}") from exc
        self._principals.put(token_digest, principal, seconds_left)
        return principal

    def forget_token(self, authorization_header):
        """A token revoked here is refused here from now on (other instances: within their cache's time)."""
        self._principals.forget(auth.digest(auth.bearer_token(authorization_header)))

    def ping(self):
        return self._database.ping()


class Database(DependencyProvider):
    """Config: DATABASE_URL; settings: db_pool_size (default: the container's max_workers)."""

    bootstrapped = Bootstrapped()

    def setup(self):
        psycogreen.eventlet.patch_psycopg()
        settings = self.bootstrapped.app().settings
        size = settings.db_pool_size or self.container.max_workers
        self.database = PooledDatabase(self.container.config["DATABASE_URL"], pool_size=size)
        self.principals = auth.PrincipalCache(settings.token_cache_seconds)

    def stop(self):
        self.database.close()

    def kill(self):
        self.database.close()

    def get_dependency(self, worker_ctx):
        return ServiceDatabase(self.database, self.container.service_name, self.principals)


class BackgroundWorker(DependencyProvider):
    """Runs ``run_once()`` in a green thread for as long as the service runs.

    ``run_once`` returns True when more work is waiting; otherwise the worker sleeps until a
    NOTIFY on ``channel`` or the setting named ``poll_setting`` (seconds), whichever comes first.
    Failures are logged and retried with backoff: the loop never gives up while the service is up.
    """

    channel = None
    poll_setting = None
    bootstrapped = Bootstrapped()

    def setup(self):
        psycogreen.eventlet.patch_psycopg()
        config = self.container.config
        self.settings = self.bootstrapped.app().settings
        self.poll_seconds = getattr(self.settings, self.poll_setting)
        self.database = PooledDatabase(config["DATABASE_URL"], pool_size=2)
        self.wakeup = outbox.Wakeup(config["DATABASE_URL"], self.channel)
        self.running = False

    def start(self):
        self.running = True
        self.container.spawn_managed_thread(self.loop, identifier=type(self).__name__)

    def loop(self):
        failures = 0
        while self.running:
            try:
                more = self.run_once()
                failures = 0
            except Exception as exc:  # database, broker or SMTP away: keep trying
                failures += 1
                delay = min(5.0, 0.1 * 2 ** failures)
                log.warning("%s: %s: %s (retrying in %.1fs)", type(self).__name__,
                            exc.__class__.__name__, exc, delay)
                eventlet.sleep(delay)
                continue
            if not more:
                self.wakeup.wait(self.poll_seconds)

    def run_once(self):
        raise NotImplementedError

    def stop(self):
        self.running = False
        self.wakeup.close()
        self.database.close()

    def kill(self):
        self.stop()


class OutboxStatus:
    def __init__(self, provider):
        self._provider = provider

    def refresh_gauges(self):
        return self._provider.refresh_gauges()

    def broker_ok(self):
        return self._provider.publisher.ping()


class OutboxRelay(BackgroundWorker):
    """Publishes this service's outbox; on start it also declares the whole durable topology.

    Config: DATABASE_URL, AMQP_URI; settings: outbox_poll_seconds, outbox_batch.
    """

    channel = outbox.NOTIFY_CHANNEL
    poll_setting = "outbox_poll_seconds"

    def setup(self):
        super().setup()
        self.publisher = Publisher(self.container.config["AMQP_URI"])
        self.relay = outbox.Relay(
            self.database, self.publisher, batch_size=self.settings.outbox_batch,
            on_published=metrics.OUTBOX_PUBLISHED.labels(self.container.service_name).inc,
        )

    def start(self):
        self.publisher.declare_topology()
        super().start()

    def run_once(self):
        return self.relay.publish_batch() == self.relay.batch_size

    def refresh_gauges(self):
        service = self.container.service_name
        try:
            backlog, lag = self.relay.backlog()
        except TransientError:
            return
        metrics.OUTBOX_BACKLOG.labels(service).set(backlog)
        metrics.OUTBOX_LAG.labels(service).set(lag)

    def stop(self):
        super().stop()
        self.publisher.close()

    def get_dependency(self, worker_ctx):
        return OutboxStatus(self)


ENTRYPOINT_KINDS = ((HttpRequestHandler, "http"), (Consumer, "event"), (Rpc, "rpc"), (Timer, "timer"))


def entrypoint_kind(entrypoint):
    """The metrics label of an entrypoint, subclasses included (a configured timer is a timer)."""
    for cls, kind in ENTRYPOINT_KINDS:
        if isinstance(entrypoint, cls):
            return kind
    return type(entrypoint).__name__


class LogContext(DependencyProvider):
    """Binds the ids of the work in hand (an entrypoint's ``log_ids``: request, event, order) to
    every log line of the worker's green thread; other work (a timer's) starts with none."""

    def worker_setup(self, worker_ctx):
        log_ids = getattr(worker_ctx.entrypoint, "log_ids", None)
        logs.start(**(log_ids(worker_ctx) if log_ids else {}))

    def get_dependency(self, worker_ctx):
        return None


class Metrics(DependencyProvider):
    """Times every entrypoint of the service and counts its outcomes."""

    def setup(self):
        self.started = WeakKeyDictionary()

    def worker_setup(self, worker_ctx):
        self.started[worker_ctx] = time.perf_counter()

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self.started.pop(worker_ctx, None)
        if started is None:
            return
        entrypoint = worker_ctx.entrypoint
        labels = (self.container.service_name, entrypoint.method_name,
                  entrypoint_kind(entrypoint))
        metrics.ENTRYPOINT_LATENCY.labels(*labels).observe(time.perf_counter() - started)
        metrics.ENTRYPOINT_CALLS.labels(*labels, "error" if exc_info else "ok").inc()

    def get_dependency(self, worker_ctx):
        return None
