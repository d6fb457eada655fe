"""pytest fixtures shared by every test suite: an isolated broker vhost and databases per run.

Each test session gets its own RabbitMQ virtual host and its own databases, so several
suites can run at once on one machine against the same servers. Nothing here skips: if
PostgreSQL or RabbitMQ is missing, the fixtures fail and so does the run.
"""
import os
import socket
import subprocess
import uuid

import pytest
from kombu import Connection

from chassis.cli import SERVICES, admin_dsn, database_name, service_config
from chassis.db import drop_database
from devtools.platform import Platform, platform_env


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True)


@pytest.fixture(scope="session")
def run_id():
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def amqp_uri(run_id):
    vhost = f"test-{run_id}"
    rabbitmqctl("add_vhost", vhost)
    rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
    yield f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}"
    rabbitmqctl("delete_vhost", vhost)


@pytest.fixture(scope="session")
def test_env(run_id, amqp_uri):
    """Environment for the whole platform: own vhost, own databases, free ports, fast polling."""
    ports = {service: free_port() for service in SERVICES}
    env = platform_env(ports, amqp_uri=amqp_uri, db_prefix=f"t{run_id}", smtp_port=free_port(),
                       extra={"OUTBOX_POLL_SECONDS": "0.2", "DELIVERY_POLL_SECONDS": "0.2",
                              "LOG_LEVEL": "WARNING"})
    environ = {**os.environ, **env}
    Platform(env).migrate()
    yield environ
    for service in SERVICES:
        dsn = service_config(service, environ)["DATABASE_URL"]
        drop_database(admin_dsn(dsn), database_name(dsn))


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
