"""What the infrastructure alone can do: RabbitMQ with confirms in flight, PostgreSQL commits,
and the outbox relay draining a backlog."""
import threading
import time
import uuid

import psycopg2
from kombu import Connection, Exchange, Queue

from bench.stats import rate
from chassis.broker import ConfirmWindow, Publisher
from chassis.db import Database
from chassis.outbox import Relay

BODY = b'{"order_id": "00000000-0000-0000-0000-000000000000", "amount_satang": 10000}' * 6


def broker_throughput(amqp_uri, messages, window=500):
    """Persistent messages through one durable quorum queue: publisher confirms kept ``window``
    in flight, a consumer acking in batches. Returns (publish msg/s, publish+consume msg/s)."""
    queue_name = f"bench-baseline-{uuid.uuid4().hex[:8]}"
    with Connection(amqp_uri) as connection:
        Queue(queue_name, durable=True, queue_arguments={"x-queue-type": "quorum"})(
            connection.default_channel).declare()
    started = time.monotonic()
    consumed = {}
    consumer = threading.Thread(target=_consume, args=(amqp_uri, queue_name, messages, window, consumed))
    consumer.start()
    published_at = _publish_confirmed(amqp_uri, queue_name, messages, window)
    consumer.join()
    with Connection(amqp_uri) as connection:
        connection.default_channel.queue_delete(queue_name)
    return rate(messages, published_at - started), rate(messages, consumed["at"] - started)


def _publish_confirmed(amqp_uri, queue_name, messages, window_size):
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        window = ConfirmWindow(channel)  # the outbox relay's own confirm tracking
        for _ in range(messages):
            channel.basic_publish(channel.prepare_message(BODY, properties={"delivery_mode": 2}),
                                  exchange="", routing_key=queue_name)
            window.sent()
            while len(window.unconfirmed) >= window_size:
                connection.drain_events(timeout=30)
        while window.unconfirmed:
            connection.drain_events(timeout=30)
        if window.nacked:
            raise RuntimeError(f"the broker refused {len(window.nacked)} messages")
        return time.monotonic()


def _consume(amqp_uri, queue_name, messages, prefetch, result, ack_every=100):
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        channel.basic_qos(0, prefetch, False)
        received = [0]

        def on_message(message):
            received[0] += 1
            if received[0] % ack_every == 0 or received[0] == messages:
                channel.basic_ack(message.delivery_tag, multiple=True)

        channel.basic_consume(queue_name, callback=on_message)
        while received[0] < messages:
            connection.drain_events(timeout=30)
        result["at"] = time.monotonic()


def postgres_tps(dsn, connections, seconds):
    """Single-row INSERT + COMMIT per transaction from ``connections`` threads; transactions/s."""
    setup = psycopg2.connect(dsn)
    with setup, setup.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_commits (id bigserial PRIMARY KEY,"
                       " payload text NOT NULL, at timestamptz NOT NULL DEFAULT now())")
    setup.close()
    counts = [0] * connections
    deadline = time.monotonic() + seconds

    def insert_until_deadline(slot):
        conn = psycopg2.connect(dsn)
        try:
            with conn.cursor() as cursor:
                while time.monotonic() < deadline:
                    cursor.execute("INSERT INTO bench_commits (payload) VALUES (%s)", ("levy credited",))
                    conn.commit()
                    counts[slot] += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=insert_until_deadline, args=(slot,)) for slot in range(connections)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return rate(sum(counts), time.monotonic() - started)


def relay_drain(dsn, amqp_uri, messages, batch_size=200):
    """The chassis's outbox relay alone: ``messages`` staged rows published to a bound durable
    quorum queue and marked published; rows/s. ``dsn`` needs the chassis's tables."""
    exchange = f"bench-relay-{uuid.uuid4().hex[:8]}"
    with Connection(amqp_uri) as connection:
        Queue(f"{exchange}.q", exchange=Exchange(exchange, type="topic", durable=True), routing_key="#",
              durable=True, queue_arguments={"x-queue-type": "quorum"})(connection.default_channel).declare()
    conn = psycopg2.connect(dsn)
    with conn, conn.cursor() as cursor:
        cursor.execute("INSERT INTO outbox (event_id, exchange, routing_key, body)"
                       " SELECT gen_random_uuid(), %s, 'order.paid', %s FROM generate_series(1, %s)",
                       (exchange, BODY.decode(), messages))
    conn.close()
    database, publisher = Database(dsn, pool_size=1), Publisher(amqp_uri)
    try:
        relay = Relay(database, publisher, batch_size=batch_size)
        started = time.monotonic()
        while relay.publish_batch():
            pass
        return rate(messages, time.monotonic() - started)
    finally:
        publisher.close()
        database.close()
