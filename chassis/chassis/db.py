"""PostgreSQL access: a blocking pool of fixed size, transactions, migrations.

The pool keeps every connection it opened (psycopg2's ThreadedConnectionPool closes
connections above ``minconn`` and reconnects under load) and waits for a free one
instead of failing when all are busy. Under eventlet the waiting is green because
``queue`` is monkey-patched and psycogreen makes psycopg2 cooperative.
"""
import logging
import queue
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import psycopg2
import psycopg2.errors
import psycopg2.extras

from chassis.errors import Conflict, TransientError

log = logging.getLogger(__name__)


@contextmanager
def unique_or_conflict(cursor, message):
    """Writes inside that break a unique constraint are a Conflict (409) naming the constraint;
    the transaction goes on (a savepoint undoes only them)."""
    cursor.execute("SAVEPOINT unique_write")
    try:
        yield
    except psycopg2.errors.UniqueViolation as exc:
        cursor.execute("ROLLBACK TO SAVEPOINT unique_write")
        raise Conflict(f"{message} (duplicate: {exc.diag.constraint_name})") from None

# Errors after which the same work may succeed if retried: lost connections,
# a server shutting down, serialization conflicts and deadlocks.
TRANSIENT_ERRORS = (
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
    psycopg2.errors.SerializationFailure,
    psycopg2.errors.DeadlockDetected,
)

psycopg2.extras.register_uuid()


def execute_together(cursor, statements):
    """Run ``(sql, params)`` statements, in order, in one round trip to the server.

    For writes whose results are not needed between them: each round trip costs both the
    service and the server more CPU than a short statement itself. Results, if any, are
    the last statement's.
    """
    cursor.execute(b";".join(cursor.mogrify(sql, params) for sql, params in statements))


class ConnectionPool:
    def __init__(self, dsn, size=10, acquire_timeout=30.0):
        self.dsn = dsn
        self.size = size
        self.acquire_timeout = acquire_timeout
        self._slots = queue.LifoQueue()
        for _ in range(size):
            self._slots.put(None)  # a slot without a connection yet: opened lazily

    def acquire(self):
        try:
            conn = self._slots.get(timeout=self.acquire_timeout)
        except queue.Empty:
            raise TransientError("no free database connection") from None
        if conn is None or conn.closed:
            try:
                conn = psycopg2.connect(self.dsn)
            except psycopg2.OperationalError as exc:
                self._slots.put(None)
                raise TransientError(f"cannot connect to the database: {exc}") from exc
        return conn

    def release(self, conn, broken=False):
        if broken or conn.closed:
            try:
                conn.close()
            except psycopg2.Error:
                pass
            conn = None
        self._slots.put(conn)

    def close(self):
        while True:
            try:
                conn = self._slots.get_nowait()
            except queue.Empty:
                return
            if conn is not None:
                conn.close()


class Database:
    """Transactions over a pool; database failures surface as TransientError."""

    def __init__(self, dsn, pool_size=10):
        self.dsn = dsn
        self.pool = ConnectionPool(dsn, pool_size)

    @contextmanager
    def connection(self):
        conn = self.pool.acquire()
        broken = False
        try:
            yield conn
        except TRANSIENT_ERRORS:
            broken = True
            raise
        finally:
            self.pool.release(conn, broken=broken)

    @contextmanager
    def transaction(self, isolation=None):
        """A cursor whose work commits on success and rolls back on any error."""
        try:
            with self.connection() as conn:
                if isolation is not None:
                    conn.set_session(isolation_level=isolation)
                try:
                    with conn:
                        with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
                            yield cursor
                finally:
                    if isolation is not None and not conn.closed:
                        conn.set_session(isolation_level="READ COMMITTED")
        except TRANSIENT_ERRORS as exc:
            raise TransientError(f"database: {exc.__class__.__name__}: {exc}") from exc

    def ping(self):
        with self.transaction() as cursor:
            cursor.execute("SELECT 1 AS ok")
            return cursor.fetchone()["ok"] == 1

    def close(self):
        self.pool.close()


# --- migrations -----------------------------------------------------------------

def migration_steps(directory):
    """A migrations folder's files in name order: ``NNNN_name.sql``, run as it is, and
    ``NNNN_name.py``, whose ``migrate(cursor)`` does what SQL cannot (e.g. recompute stored
    keys with the Python function that makes them)."""
    return sorted((entry for entry in directory.iterdir() if entry.name.endswith((".sql", ".py"))),
                  key=lambda entry: entry.name)


def apply_step(cursor, source):
    text = source.read_text(encoding="utf-8")
    if source.name.endswith(".sql"):
        cursor.execute(text)
        return
    namespace = {"__name__": f"migration {source.name}"}
    exec(compile(text, str(source), "exec"), namespace)
    namespace["migrate"](cursor)


def migrate(dsn, service_migrations_dir):
    """Apply the chassis's tables, then the service's own, each file once, in name order,
    all in one transaction (a failing step leaves the database as it was).

    An advisory lock serialises concurrent starts of several instances.
    """
    steps = [(f"chassis/{f.name}", f) for f in migration_steps(resources.files("chassis") / "migrations")]
    steps += [(f"service/{f.name}", f) for f in migration_steps(Path(service_migrations_dir))]
    conn = psycopg2.connect(dsn)
    try:
        with conn:
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(7243001)")
                cursor.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
                )
                cursor.execute("SELECT name FROM schema_migrations")
                applied = {row[0] for row in cursor.fetchall()}
                for name, source in steps:
                    if name in applied:
                        continue
                    log.info("applying migration %s", name)
                    apply_step(cursor, source)
                    cursor.execute("INSERT INTO schema_migrations (name) VALUES (%s)", (name,))
    finally:
        conn.close()


def create_database(admin_dsn, name):
    """Create database ``name`` if it does not exist (CREATE DATABASE cannot run in a transaction)."""
    conn = psycopg2.connect(admin_dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{name}"')
    finally:
        conn.close()


def drop_database(admin_dsn, name):
    conn = psycopg2.connect(admin_dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        conn.close()
