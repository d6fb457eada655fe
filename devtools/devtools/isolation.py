"""Isolated resources on the shared local servers: free ports, a RabbitMQ vhost, databases.

Used by the test fixtures and the benchmark, so several runs share one machine safely.
"""
import socket
import subprocess
from contextlib import contextmanager

from chassis import registry
from chassis.cli import admin_dsn, database_name, service_config
from chassis.db import drop_database


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True)


@contextmanager
def isolated_vhost(vhost):
    """A fresh RabbitMQ virtual host for guest, deleted afterwards; yields its AMQP URI."""
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        yield f"pyamqp://guest:guest@127.0.0.1:5672/{vhost}"
    finally:
        rabbitmqctl("delete_vhost", vhost)


def drop_service_databases(environ):
    """Drop the database of every service as configured by ``environ``."""
    for service in registry.names():
        dsn = service_config(service, environ)["DATABASE_URL"]
        drop_database(admin_dsn(dsn), database_name(dsn))
