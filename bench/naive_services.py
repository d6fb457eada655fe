"""The naive pipeline's two nameko services (``bench.naive``): orders (HTTP and the relay) and ledger.

    python -m bench.naive_services orders|ledger CONFIG.yaml
"""
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # eventlet announces its deprecation on import
    import eventlet
eventlet.monkey_patch()

import json  # noqa: E402  (after the monkey patch, as nameko run does)
import sys  # noqa: E402
import uuid  # noqa: E402
from contextlib import contextmanager  # noqa: E402

import psycogreen.eventlet  # noqa: E402
import yaml  # noqa: E402
from kombu import Connection, Exchange, Queue  # noqa: E402
from nameko.extensions import DependencyProvider  # noqa: E402
from nameko.messaging import consume  # noqa: E402
from nameko.runners import ServiceRunner  # noqa: E402
from nameko.web.handlers import http  # noqa: E402
from psycopg2.pool import ThreadedConnectionPool  # noqa: E402

psycogreen.eventlet.patch_psycopg()

EXCHANGE = Exchange("naive", type="direct", durable=True)
QUEUE = Queue("naive.ledger.order.placed", exchange=EXCHANGE, routing_key="order.placed", durable=True)
RELAY_BATCH = 200


class Pool(DependencyProvider):
    """psycopg2 connections, as many kept open as there are workers (minconn = maxconn)."""

    def setup(self):
        size = int(self.container.config["max_workers"])
        self.pool = ThreadedConnectionPool(size, size + 1, self.container.config["DATABASE_URL"])

    def stop(self):
        self.pool.closeall()

    @contextmanager
    def transaction(self):
        connection = self.pool.getconn()
        try:
            with connection, connection.cursor() as cursor:
                yield cursor
        finally:
            self.pool.putconn(connection)

    def get_dependency(self, worker_ctx):
        return self


class Relay(DependencyProvider):
    """Claims unpublished outbox rows, publishes each with a confirm, marks them: a loop of its own."""

    def start(self):
        self.running = True
        self.thread = self.container.spawn_managed_thread(self.loop)

    def stop(self):
        self.running = False

    def loop(self):
        database = next(dependency for dependency in self.container.dependencies if isinstance(dependency, Pool))
        with Connection(self.container.config["AMQP_URI"], transport_options={"confirm_publish": True}) as broker:
            producer = broker.Producer(exchange=EXCHANGE)
            QUEUE(broker.default_channel).declare()
            while self.running:
                with database.transaction() as cursor:
                    cursor.execute("SELECT id, body FROM outbox WHERE published_at IS NULL ORDER BY id"
                                   " LIMIT %s FOR UPDATE SKIP LOCKED", (RELAY_BATCH,))
                    rows = cursor.fetchall()
                    for _, body in rows:
                        producer.publish(body, routing_key="order.placed", content_type="application/json",
                                         content_encoding="utf-8", delivery_mode=2)
                    if rows:
                        cursor.execute("UPDATE outbox SET published_at = now() WHERE id = ANY(%s)",
                                       ([row_id for row_id, _ in rows],))
                if not rows:
                    eventlet.sleep(0.005)


class NaiveOrders:
    name = "naive_orders"
    db = Pool()
    relay = Relay()

    @http("GET", "/health")
    def health(self, request):
        return "ok"

    @http("POST", "/orders")
    def place(self, request):
        order = json.loads(request.get_data(as_text=True))
        order_id = str(uuid.UUID(order["id"]))
        with self.db.transaction() as cursor:
            cursor.execute("INSERT INTO orders (id, product, quantity, amount_satang) VALUES (%s, %s, %s, %s)",
                           (order_id, order["product"], order["quantity"], order["amount_satang"]))
            cursor.execute("INSERT INTO outbox (body) VALUES (%s)", (json.dumps(
                {"order_id": order_id, "amount_satang": order["amount_satang"]}),))
        return 201, json.dumps({"id": order_id})


class NaiveLedger:
    name = "naive_ledger"
    db = Pool()

    @consume(QUEUE)
    def on_order_placed(self, body):
        with self.db.transaction() as cursor:
            cursor.execute("INSERT INTO ledger (order_id, amount_satang) VALUES (%s, %s)",
                           (body["order_id"], body["amount_satang"]))


def main(service, config_path):
    with open(config_path) as config_file:
        config = yaml.safe_load(config_file)
    runner = ServiceRunner(config)
    runner.add_service({"orders": NaiveOrders, "ledger": NaiveLedger}[service])
    runner.start()
    try:
        runner.wait()
    except KeyboardInterrupt:
        runner.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])
