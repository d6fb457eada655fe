"""``codi-admin``: operate a service from the command line.

    codi-admin SERVICE migrate            create the service's database if needed, apply migrations
    codi-admin SERVICE token issue --kind organisation --subject UUID [--label TEXT]
    codi-admin SERVICE token revoke TOKEN
    codi-admin SERVICE run                run the service (nameko) in the foreground
    codi-admin SERVICE config-path        print the path of the service's config.yaml
    codi-admin SERVICE dead-letters list  show the messages in the service's dead-letter queue
    codi-admin SERVICE dead-letters replay [--limit N]
                                          send them back to the queues they came from
    codi-admin funds reconcile [--from DATE] [--to DATE] [--repair] [--json]
                                          compare paid orders with the ledger; --repair replays
                                          the missing events (services/funds/README.md)
    codi-admin topology                   declare every exchange and durable queue
"""
import argparse
import importlib
import os
import sys
import uuid
from importlib import resources
from urllib.parse import urlsplit, urlunsplit

from kombu import Connection, Producer

from chassis import auth
from chassis.broker import Publisher
from chassis.config import load_config
from chassis.db import Database, create_database, migrate
from contracts import topology

SERVICES = ("marketplace", "funds", "centres", "notifications")

# Commands a service adds: (service, command) → module with add_arguments(parser) and
# command(args) → exit status.
SERVICE_COMMANDS = {("funds", "reconcile"): "funds.reconciler"}


def config_path(service):
    return str(resources.files(service).joinpath("config.yaml"))


def service_config(service, environ=None):
    return load_config(config_path(service), environ)


def admin_dsn(dsn):
    """The same server, database ``postgres``: where CREATE DATABASE can run."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/postgres"))


def database_name(dsn):
    return urlsplit(dsn).path.lstrip("/")


def migrate_service(service, environ=None):
    """Create the service's database if needed and apply its migrations; returns the DSN."""
    dsn = service_config(service, environ)["DATABASE_URL"]
    create_database(admin_dsn(dsn), database_name(dsn))
    migrate(dsn, resources.files(service).joinpath("migrations"))
    return dsn


def issue_token(service, kind, subject=None, label="", environ=None):
    database = Database(service_config(service, environ)["DATABASE_URL"], pool_size=1)
    try:
        with database.transaction() as cursor:
            return auth.issue(cursor, kind, subject, label)
    finally:
        database.close()


def original_queue(headers):
    """Where a dead letter came from: our consumer's header, or RabbitMQ's own x-death record."""
    deaths = headers.get("x-death") or [{}]
    return headers.get("x-original-queue") or deaths[0].get("queue")


def list_dead_letters(service, environ=None):
    """(headers, body) of every message in the service's dead-letter queue; all stay there."""
    with Connection(service_config(service, environ)["AMQP_URI"]) as connection:
        channel = connection.channel()
        found = []
        while (message := channel.basic_get(topology.dead_letter_queue_name(service))) is not None:
            found.append((message.headers or {}, message.body))
        channel.close()  # unacknowledged: every message returns to the queue
        return found


def replay_dead_letters(service, limit=None, environ=None):
    """Publish dead letters back to their original queue (confirmed), then remove them.

    Returns (replayed, left): a message whose origin is unknown stops the replay and stays.
    """
    replayed = 0
    with Connection(service_config(service, environ)["AMQP_URI"],
                    transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        producer = Producer(channel)
        while limit is None or replayed < limit:
            message = channel.basic_get(topology.dead_letter_queue_name(service))
            if message is None:
                break
            headers = dict(message.headers or {})
            queue = original_queue(headers)
            if queue is None:
                channel.basic_reject(message.delivery_tag, requeue=True)
                break
            headers.pop("x-death", None)
            producer.publish(message.body, exchange="", routing_key=queue, headers=headers,
                             content_type=message.properties.get("content_type", "application/json"),
                             content_encoding=message.properties.get("content_encoding", "utf-8"),
                             delivery_mode=2)
            channel.basic_ack(message.delivery_tag)
            replayed += 1
        channel.close()
    return replayed, len(list_dead_letters(service, environ))


def cmd_dead_letters(service, args):
    if args.action == "replay":
        replayed, left = replay_dead_letters(service, args.limit)
        print(f"replayed {replayed}; {left} left in {topology.dead_letter_queue_name(service)}")
        return
    letters = list_dead_letters(service)
    for number, (headers, body) in enumerate(letters, 1):
        reason = headers.get("x-dead-letter-reason", "dead-lettered by the broker (x-death)")
        text = body if isinstance(body, str) else body.decode("utf-8", "replace")  # binary stays bytes
        print(f"{number}. from {original_queue(headers)}: {reason}")
        print(f"   {text[:300]}")
    print(f"{len(letters)} message(s) in {topology.dead_letter_queue_name(service)}")


def cmd_migrate(service):
    dsn = migrate_service(service)
    print(f"{service}: database {database_name(dsn)} is up to date")


def cmd_token(service, args):
    if args.action == "issue":
        subject = uuid.UUID(args.subject) if args.subject else None
        print(issue_token(service, args.kind, subject, args.label or ""))
        return
    database = Database(service_config(service)["DATABASE_URL"], pool_size=1)
    try:
        with database.transaction() as cursor:
            revoked = auth.revoke(cursor, args.token)
    finally:
        database.close()
    if not revoked:
        sys.exit("no such active token")
    print("revoked")


def cmd_run(service):
    os.environ.setdefault("PYTHONWARNINGS", "ignore::Warning:nameko.cli.commands")
    os.execvp(sys.executable, [sys.executable, "-m", "nameko", "run",
                               "--config", config_path(service), f"{service}.service:{service.capitalize()}Service"])


def cmd_topology():
    publisher = Publisher(os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/"))
    publisher.declare_topology()
    publisher.close()
    print("topology declared")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="codi-admin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", choices=SERVICES + ("topology",))
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("migrate")
    sub.add_parser("run")
    sub.add_parser("config-path")
    token = sub.add_parser("token")
    token_sub = token.add_subparsers(dest="action", required=True)
    issue = token_sub.add_parser("issue")
    issue.add_argument("--kind", required=True, choices=auth.KINDS)
    issue.add_argument("--subject")
    issue.add_argument("--label")
    revoke = token_sub.add_parser("revoke")
    revoke.add_argument("token")
    letters = sub.add_parser("dead-letters")
    letters_sub = letters.add_subparsers(dest="action", required=True)
    letters_sub.add_parser("list")
    replay = letters_sub.add_parser("replay")
    replay.add_argument("--limit", type=int)
    for (service, name), module in SERVICE_COMMANDS.items():
        importlib.import_module(module).add_arguments(
            sub.add_parser(name, help=f"{service} only"))
    args = parser.parse_args(argv)

    if args.target == "topology":
        return cmd_topology()
    if args.command == "migrate":
        return cmd_migrate(args.target)
    if args.command == "token":
        return cmd_token(args.target, args)
    if args.command == "run":
        return cmd_run(args.target)
    if args.command == "dead-letters":
        return cmd_dead_letters(args.target, args)
    if args.command and (args.target, args.command) in SERVICE_COMMANDS:
        return sys.exit(importlib.import_module(SERVICE_COMMANDS[args.target, args.command]).command(args))
    if any(name == args.command for _, name in SERVICE_COMMANDS):
        parser.error(f"{args.command} is a command of another service")
    if args.command == "config-path":
        return print(config_path(args.target))
    parser.error("a command is required")


if __name__ == "__main__":
    main()
