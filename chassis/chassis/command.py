"""What every command line of the project shares: a refused argument, an unreachable database or
broker is one line on stderr, Thai first, with exit status 2 (as argparse does), never a traceback.
"""
import argparse
import re
import sys
from urllib.parse import urlsplit

import amqp.exceptions
import kombu.exceptions
import psycopg2

from chassis.errors import TransientError

EXIT_UNAVAILABLE = 2  # argparse's status for a usage error; the same for "cannot run now"

DATABASE_ERRORS = (psycopg2.OperationalError, psycopg2.InterfaceError, TransientError)
# kombu wraps the errors of connecting; a channel call on a dead connection raises amqp's or the socket's
BROKER_ERRORS = (kombu.exceptions.OperationalError, amqp.exceptions.AMQPError, ConnectionError, TimeoutError)

DEFAULT_PORTS = {"postgresql": 5432, "postgres": 5432, "pyamqp": 5672, "amqp": 5672, "amqps": 5671}


class ArgumentParser(argparse.ArgumentParser):
    """argparse with the refusal on one line (the usage is one --help away)."""

    def error(self, message):
        sys.exit(refuse(self.prog, message))


def refuse(prog, message):
    """A refused command line, said on one line; returns argparse's exit status."""
    return fail(prog, "คำสั่งไม่ถูกต้อง (invalid arguments)", f"{message}; ดูวิธีใช้ (usage): {prog} --help")


def one_line(text):
    return " ".join(str(text).split())


def address(url):
    """host:port of a database or broker URL, each of them for several (brokers separated by ``;``,
    ``postgresql://u@h1:5433,h2:5434/db``); never the credentials."""
    return ", ".join(_host_ports(part) for part in url.split(";") if part.strip())


def _host_ports(url):
    parts = urlsplit(url.strip())
    hosts = parts.netloc.rpartition("@")[2].split(",")
    return ",".join(host if re.search(r":\d+$", host) else
                    f"{host or '127.0.0.1'}:{DEFAULT_PORTS.get(parts.scheme, '')}" for host in hosts)


def fail(prog, problem, reason=None, status=EXIT_UNAVAILABLE):
    """Say on one line why ``prog`` stopped; returns the exit status."""
    print(f"{prog}: {problem}" + (f": {one_line(reason)}" if reason is not None else ""), file=sys.stderr)
    return status


def run_reporting_unavailable(prog, command, database_url=None, amqp_uri=None):
    """``command()``'s exit status, or 2 with one line when the database or the broker is unreachable."""
    try:
        return command()
    except DATABASE_ERRORS as exc:
        at = f" at {address(database_url)}" if database_url else ""
        return fail(prog, f"ฐานข้อมูลไม่พร้อม (database unavailable{at})", exc.__cause__ or exc)
    except BROKER_ERRORS as exc:
        at = f" at {address(amqp_uri)}" if amqp_uri else ""
        return fail(prog, f"RabbitMQ ไม่พร้อม (message broker unavailable{at})", exc.__cause__ or exc)
