"""pytest fixtures shared by every test suite: an isolated broker vhost and databases per run.

Each test session gets its own RabbitMQ virtual host and its own databases, so several
suites can run at once on one machine against the same servers. Nothing here skips: if
PostgreSQL or RabbitMQ is missing, the fixtures fail and so does the run.
"""
import os
import uuid
from contextlib import contextmanager

import pytest
from kombu import Connection

from chassis import registry
from chassis.cli import service_config
from devtools import smtp_sink
from devtools.isolation import drop_service_databases, free_port, isolated_vhost
from devtools.platform import Platform, platform_env


@pytest.fixture(scope="session")
def run_id():
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def amqp_uri(run_id):
    with isolated_vhost(f"test-{run_id}") as uri:
        yield uri


@pytest.fixture
def empty_vhost(run_id):
    """A broker virtual host on which no queue has been declared yet."""
    with isolated_vhost(f"test-{run_id}-{uuid.uuid4().hex[:6]}") as uri:
        yield uri


@contextmanager
def isolated_platform_env(db_prefix, amqp_uri):
    """Environment for the whole platform on ``amqp_uri``: databases ``<db_prefix>_<service>``
    (migrated, dropped afterwards), free ports (the Omise stand-in's too), fast polling."""
    ports = {service: free_port() for service in registry.names()}
    env = platform_env(ports, amqp_uri=amqp_uri, db_prefix=db_prefix, smtp_port=free_port(),
                       omise_port=free_port(), extra={"OUTBOX_POLL_SECONDS": "0.2", "DELIVERY_POLL_SECONDS": "0.2",
                              "LOG_LEVEL": "WARNING"})
    environ = {**os.environ, **env}
    Platform(env).migrate()
    try:
        yield environ
    finally:
        drop_service_databases(environ)


@pytest.fixture(scope="session")
def test_env(run_id, amqp_uri):
    """Environment for the whole platform: own vhost, own databases, free ports, fast polling."""
    with isolated_platform_env(f"t{run_id}", amqp_uri) as environ:
        yield environ


@pytest.fixture(scope="module")
def mail_dir(tmp_path_factory, test_env):
    """A real SMTP server on the test platform's SMTP_PORT, storing each message in this folder."""
    directory = tmp_path_factory.mktemp("mail")
    sink = smtp_sink.start(directory, port=int(test_env["SMTP_PORT"]))
    yield directory
    sink.stop()


@pytest.fixture
def empty_database(run_id, test_env):
    """The DSN of a new database on the tests' server, with no table yet; dropped afterwards."""
    from urllib.parse import urlsplit, urlunsplit

    from chassis.cli import admin_dsn
    from chassis.db import create_database, drop_database

    name = f"t{run_id}_{uuid.uuid4().hex[:8]}"
    admin = admin_dsn(service_config("marketplace", test_env)["DATABASE_URL"])
    create_database(admin, name)
    yield urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))
    drop_database(admin, name)


def migrate_before(dsn, service, step_name, tmp_path):
    """Bring ``dsn`` to the schema of the release before ``step_name`` (a file of the service's
    migrations): what a database upgraded by that step looks like beforehand."""
    from importlib import resources

    from chassis.db import migrate

    earlier = tmp_path / f"{service}-before-{step_name}"
    earlier.mkdir()
    for entry in resources.files(service).joinpath("migrations").iterdir():
        if entry.name.endswith((".sql", ".py")) and entry.name < step_name:
            (earlier / entry.name).write_text(entry.read_text(encoding="utf-8"), encoding="utf-8")
    migrate(dsn, earlier)


@pytest.fixture(scope="session")
def config_of(test_env):
    """The nameko config of a service under test, as ``nameko run`` would load it."""
    def config(service, **overrides):
        return {**service_config(service, test_env), **overrides}
    return config


@pytest.fixture
def broker(amqp_uri):
    with Connection(amqp_uri) as connection:
        yield connection


def publish_event(amqp_uri, event_type, data, event_id=None):
    """Publish a contract event the way the outbox relay does; returns (event_id, body)."""
    from chassis.broker import Publisher
    from contracts import encode

    event_id, body = encode(event_type, data, event_id=event_id)
    publisher = Publisher(amqp_uri)
    try:
        publisher.publish(body, event_type.exchange, event_type.name, message_id=str(event_id))
    finally:
        publisher.close()
    return event_id, body


def publish_raw(amqp_uri, body, exchange, routing_key, content_type="application/json"):
    """Publish arbitrary bytes (malformed or poison messages)."""
    with Connection(amqp_uri) as connection:
        connection.Producer().publish(body, exchange=exchange, routing_key=routing_key,
                                      content_type=content_type, content_encoding="binary",
                                      delivery_mode=2)


def query(dsn, sql, params=()):
    import psycopg2
    import psycopg2.extras

    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        conn.close()


@pytest.fixture
def run_container():
    """Start nameko service containers in this process; all are stopped after the test."""
    from nameko.containers import ServiceContainer

    containers = []

    def run(service_class, config):
        container = ServiceContainer(service_class, config)
        container.start()
        containers.append(container)
        return container

    yield run
    for container in containers:
        container.stop()
