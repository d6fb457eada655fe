"""The faults, each a function of (harness, random generator); they return a short description.

Process faults touch only this run's processes. Infrastructure faults (broker and database restarts,
the memory alarm) touch the machine's RabbitMQ and PostgreSQL, so they run only when allowed.
"""
import os
import signal
import subprocess
import time

from kombu import Connection

import psycopg2


def kill_service(harness, rng):
    name = rng.choice(sorted(harness.platform.processes))
    harness.signal_instance(name, signal.SIGKILL)
    return f"SIGKILL {name}"


def pause_consumer(harness, rng):
    """SIGSTOP a funds instance longer than the heartbeat: its messages go to the other instance."""
    name = rng.choice([n for n in harness.platform.processes if n.startswith("funds")])
    harness.signal_instance(name, signal.SIGSTOP)
    time.sleep(harness.heartbeat * 3)
    harness.signal_instance(name, signal.SIGCONT)
    return f"SIGSTOP/SIGCONT {name} for {harness.heartbeat * 3}s"


def cut_broker_connections(harness, rng):
    return f"cut {harness.broker_proxy.cut()} broker sockets"


def cut_database_connections(harness, rng):
    return f"cut {harness.pg_proxy.cut()} database sockets"


def terminate_backends(harness, rng):
    conn = psycopg2.connect(harness.admin_dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname LIKE %s AND pid <> pg_backend_pid()", (f"{harness.db_prefix}_%",))
            return f"pg_terminate_backend on {cursor.fetchone()[0]} connections"
    finally:
        conn.close()


def publish_duplicates(harness, rng):
    """Publish again a few events the marketplace already published (as a relay crash would)."""
    rows = harness.query("marketplace", "SELECT exchange, routing_key, body FROM outbox"
                                        " WHERE published_at IS NOT NULL ORDER BY random() LIMIT 5")
    with Connection(harness.direct_amqp_uri) as connection:
        producer = connection.Producer()
        for row in rows:
            producer.publish(row["body"], exchange=row["exchange"], routing_key=row["routing_key"],
                             content_type="application/json", content_encoding="utf-8", delivery_mode=2)
    harness.duplicates_published += len(rows)
    return f"republished {len(rows)} events"


POISON_BODIES = [b"\xff\xfe\x00 not json", b'{"event_id": "not-a-uuid", "data": {}}',
                 b'{"event_type": "order.paid", "source": "marketplace"}']


def publish_poison(harness, rng):
    body = rng.choice(POISON_BODIES) + f" #{harness.poison_published}".encode()
    with Connection(harness.direct_amqp_uri) as connection:
        connection.Producer().publish(body, exchange="marketplace.events", routing_key="order.paid",
                                      content_type="application/json", content_encoding="binary",
                                      delivery_mode=2)
    harness.poison_published += 1
    harness.poison_bodies.add(body)
    return "published a poison message"


def rabbitmqctl(*args):
    subprocess.run(["rabbitmqctl", *args], check=True, capture_output=True, timeout=120)


def wait_for_broker(seconds=120):
    """``await_startup`` answers 69 until the restarted node's VM is reachable: ask again."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return rabbitmqctl("await_startup")
        except subprocess.CalledProcessError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def memory_alarm(harness, rng):
    rabbitmqctl("set_vm_memory_high_watermark", "0.000001")
    time.sleep(3)
    rabbitmqctl("set_vm_memory_high_watermark", "0.4")
    return "memory alarm for 3s"


def restart_broker_app(harness, rng):
    rabbitmqctl("stop_app")
    time.sleep(2)
    rabbitmqctl("start_app")
    wait_for_broker()
    return "rabbitmqctl stop_app/start_app"


def kill_broker(harness, rng):
    pids = subprocess.run(["pgrep", "-f", "beam.smp.*rabbit"], capture_output=True, text=True).stdout.split()
    for pid in pids:
        os.kill(int(pid), signal.SIGKILL)
    time.sleep(1)
    subprocess.run(["rabbitmq-server", "-detached"], check=True, capture_output=True)
    wait_for_broker()
    return f"SIGKILL RabbitMQ ({len(pids)} processes) and restart"


def restart_database(harness, rng):
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop", "-m", "immediate"],
                   check=True, capture_output=True, timeout=60)
    time.sleep(1)
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                   check=True, capture_output=True, timeout=120)
    return "PostgreSQL immediate stop and start"


PROCESS_FAULTS = {
    "kill_service": kill_service,
    "pause_consumer": pause_consumer,
    "cut_broker_connections": cut_broker_connections,
    "cut_database_connections": cut_database_connections,
    "terminate_backends": terminate_backends,
    "publish_duplicates": publish_duplicates,
    "publish_poison": publish_poison,
}
INFRA_FAULTS = {
    "memory_alarm": memory_alarm,
    "restart_broker_app": restart_broker_app,
    "kill_broker": kill_broker,
    "restart_database": restart_database,
}
