"""codi-admin: operate a service from the command line.

    codi-admin SERVICE migrate            create the service's database if needed, apply migrations
    codi-admin SERVICE token issue --kind organisation --subject UUID [--label TEXT] [--ttl-seconds N]
    codi-admin SERVICE token revoke TOKEN
    codi-admin SERVICE run                run the service (nameko) in the foreground
    codi-admin SERVICE config-path        print the path of the service's config.yaml
    codi-admin SERVICE dead-letters list  show the messages in the service's dead-letter queue
    codi-admin SERVICE dead-letters replay [--limit N]
                                          send them back to the queues they came from
    codi-admin SERVICE COMMAND ...        a command of the service's own (codi-admin SERVICE --help)
    codi-admin topology                   declare every exchange and durable queue

The services, and the commands each adds, are the installed ones (chassis.registry).

A database or broker that cannot be reached, or a refused argument, is one line on stderr and
exit status 2.
"""
import argparse
import os
import sys
import uuid
from importlib import resources
from urllib.parse import urlsplit, urlunsplit

from chassis import auth, registry
from chassis.broker import Publisher
from chassis.command import ArgumentParser, fail, refuse, run_reporting_unavailable
from chassis.config import load_config
from chassis.db import Database, create_database, migrate
from contracts import topology

DEFAULT_AMQP_URI = "pyamqp://guest:guest@127.0.0.1:5672/"
# `nameko run` imports eventlet before any of our code: the warning filter of chassis/__init__.py
# goes on its command line (the warning is attributed to the module that imports eventlet)
NAMEKO_RUN = [sys.executable, "-W", "ignore::Warning:nameko.cli.commands", "-m", "nameko", "run"]


def config_path(service):
    return str(resources.files(service).joinpath("config.yaml"))


def service_config(service, environ=None):
    return load_config(config_path(service), environ)


def admin_dsn(dsn):
    """The same server (or servers, of a multi-host address, with its parameters), database
    ``postgres``: where CREATE DATABASE can run. Only the path changes: ``.port`` of a
    multi-host address would fail."""
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


def issue_token(service, kind, subject=None, label="", environ=None, ttl_seconds=None):
    """A new token of ``service`` (never expiring, unless ``ttl_seconds`` gives its lifetime)."""
    database = Database(service_config(service, environ)["DATABASE_URL"], pool_size=1)
    try:
        with database.transaction() as cursor:
            return auth.issue(cursor, kind, subject, label, ttl_seconds)
    finally:
        database.close()


def original_queue(headers):
    """Where a dead letter came from: our consumer's header, or RabbitMQ's own x-death record."""
    deaths = headers.get("x-death") or [{}]
    return headers.get("x-original-queue") or deaths[0].get("queue")


def list_dead_letters(service, environ=None):
    """(headers, body) of every message in the service's dead-letter queue; all stay there."""
    with Publisher(service_config(service, environ)["AMQP_URI"]) as publisher, publisher.channel() as channel:
        found = []
        while (message := channel.basic_get(topology.dead_letter_queue_name(service))) is not None:
            found.append((message.headers or {}, message.body))
        return found  # unacknowledged: every message returns to the queue with the channel


def replay_dead_letters(service, limit=None, environ=None):
    """Publish dead letters back to their original queue (confirmed), then remove them.

    Returns (replayed, left): a message whose origin is unknown stops the replay and stays.
    """
    replayed = 0
    with Publisher(service_config(service, environ)["AMQP_URI"]) as publisher, publisher.channel() as channel:
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
            publisher.publish(message.body, exchange="", routing_key=queue, headers=headers,
                              content_type=message.properties.get("content_type", "application/json"),
                              content_encoding=message.properties.get("content_encoding", "utf-8"))
            channel.basic_ack(message.delivery_tag)  # confirmed on its queue: now it may go
            replayed += 1
    return replayed, len(list_dead_letters(service, environ))


def nameko_command(service):
    """The command line that runs ``service`` in the foreground."""
    return [*NAMEKO_RUN, "--config", config_path(service), registry.description(service).service_class]


def subject_id(text):
    try:
        return uuid.UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ไม่ใช่ UUID (not a UUID): {text!r}") from None


MIN_TTL_SECONDS = 60


def ttl_seconds(text):
    try:
        seconds = int(text)
    except ValueError:
        seconds = None
    if seconds is None or seconds < MIN_TTL_SECONDS:
        raise argparse.ArgumentTypeError(
            f"ต้องเป็นจำนวนวินาทีตั้งแต่ {MIN_TTL_SECONDS} ขึ้นไป (seconds, at least {MIN_TTL_SECONDS}): {text!r}")
    return seconds


def cmd_dead_letters(service, args):
    if args.action == "replay":
        replayed, left = replay_dead_letters(service, args.limit)
        print(f"replayed {replayed}; {left} left in {topology.dead_letter_queue_name(service)}")
        return 0
    letters = list_dead_letters(service)
    for number, (headers, body) in enumerate(letters, 1):
        reason = headers.get("x-dead-letter-reason", "dead-lettered by the broker (x-death)")
        text = body if isinstance(body, str) else body.decode("utf-8", "replace")  # binary stays bytes
        print(f"{number}. from {original_queue(headers)}: {reason}")
        print(f"   {text[:300]}")
    print(f"{len(letters)} message(s) in {topology.dead_letter_queue_name(service)}")
    return 0


def cmd_migrate(service, args):
    dsn = migrate_service(service)
    print(f"{service}: database {database_name(dsn)} is up to date")
    return 0


def cmd_token(service, args):
    if args.action == "issue":
        if args.kind != "operator" and args.subject is None:
            return refuse(f"codi-admin {service} token issue", f"--kind {args.kind} needs --subject UUID")
        print(issue_token(service, args.kind, args.subject, args.label or "", ttl_seconds=args.ttl_seconds))
        return 0
    database = Database(service_config(service)["DATABASE_URL"], pool_size=1)
    try:
        with database.transaction() as cursor:
            revoked = auth.revoke(cursor, args.token)
    finally:
        database.close()
    if not revoked:
        return fail("codi-admin", "ไม่พบโทเคนนี้หรือถูกเพิกถอนไปแล้ว (no such active token)", status=1)
    print("revoked")
    return 0


def cmd_run(service, args):
    command = nameko_command(service)
    os.execvp(command[0], command)


def cmd_config_path(service, args):
    print(config_path(service))
    return 0


def cmd_topology(service, args):
    with Publisher(os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)) as publisher:
        publisher.declare_topology()
    print("topology declared")
    return 0


def service_command(module):
    return lambda service, args: module.command(args)


def add_service_parser(targets, description):
    """codi-admin SERVICE: the commands every service has, then the service's own."""
    service = description.name
    parser = targets.add_parser(service, help=f"operate the {service} service",
                                description=f"codi-admin {service}: operate the {service} service")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("migrate", help="create the database if needed, apply the migrations"
                        ).set_defaults(handler=cmd_migrate)
    commands.add_parser("run", help="run the service (nameko) in the foreground").set_defaults(handler=cmd_run)
    commands.add_parser("config-path", help="print the path of the service's config.yaml"
                        ).set_defaults(handler=cmd_config_path)

    token = commands.add_parser("token", help="issue or revoke an API token")
    token.set_defaults(handler=cmd_token)
    token_actions = token.add_subparsers(dest="action", required=True, metavar="ACTION")
    issue = token_actions.add_parser("issue", help="print a new token (stored as its SHA-256 digest)")
    issue.add_argument("--kind", required=True, choices=auth.KINDS)
    issue.add_argument("--subject", type=subject_id, help="the organisation or officer (a UUID)")
    issue.add_argument("--label", help="a note for whoever reads the token list")
    issue.add_argument("--ttl-seconds", type=ttl_seconds, help="expire this many seconds from now (default: never)")
    token_actions.add_parser("revoke", help="revoke a token").add_argument("token")

    letters = commands.add_parser("dead-letters", help="the messages in the service's dead-letter queue")
    letters.set_defaults(handler=cmd_dead_letters)
    letter_actions = letters.add_subparsers(dest="action", required=True, metavar="ACTION")
    letter_actions.add_parser("list", help="show them (they stay in the queue)")
    letter_actions.add_parser("replay", help="send them back to the queues they came from"
                              ).add_argument("--limit", type=int)

    for name in description.commands:
        module = description.command_module(name)
        command = commands.add_parser(name, help=module.HELP,
                                      description=f"codi-admin {service} {name}: {module.HELP}")
        module.add_arguments(command)
        command.set_defaults(handler=service_command(module))


def build_parser():
    parser = ArgumentParser(prog="codi-admin", description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    targets = parser.add_subparsers(dest="target", required=True, metavar="SERVICE|topology")
    for description in registry.services():
        add_service_parser(targets, description)
    targets.add_parser("topology", help="declare every exchange and durable queue"
                       ).set_defaults(handler=cmd_topology)
    return parser


def main(argv=None):
    """Exit status: 0 done, 1 done with a negative answer, 2 refused or unavailable."""
    args = build_parser().parse_args(argv)
    service = args.target if args.target in registry.names() else None
    config = service_config(service) if service else {"AMQP_URI": os.environ.get("AMQP_URI", DEFAULT_AMQP_URI)}
    return run_reporting_unavailable("codi-admin", lambda: args.handler(service, args),
                                     database_url=config.get("DATABASE_URL"), amqp_uri=config.get("AMQP_URI"))


if __name__ == "__main__":
    sys.exit(main())
