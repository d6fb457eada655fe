"""The same-run reference: a naive outbox pipeline on the same stack (nameko, eventlet, psycopg2,
kombu, RabbitMQ, PostgreSQL), keeping none of the platform's guarantees beyond the outbox itself.

One HTTP POST → the order and its outbox row in one transaction → a relay (one publisher confirm per
message) → one consumer → one ledger row. No authentication, no idempotency keys, no inbox, no
two-phase credit, no email, a classic durable queue. ``python -m bench`` runs it beside the platform,
on the same machine in the same run, and reports the platform's ratio to it.

Its two services are in ``bench.naive_services``.
"""
import os
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import requests
import yaml

from bench import cpu
from bench.stats import per_unit, rate
from devtools.isolation import free_port

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (id uuid PRIMARY KEY, product text NOT NULL, quantity integer NOT NULL,
                                   amount_satang bigint NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS outbox (id bigserial PRIMARY KEY, body text NOT NULL, published_at timestamptz);
CREATE INDEX IF NOT EXISTS outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
CREATE TABLE IF NOT EXISTS ledger (id bigserial PRIMARY KEY, order_id uuid NOT NULL, amount_satang bigint NOT NULL,
                                   created_at timestamptz NOT NULL DEFAULT clock_timestamp());
"""
SERVICES = ("orders", "ledger")


class NaivePipeline:
    """The two services as processes against ``dsn`` and ``amqp_uri``, and a closed-loop load."""

    def __init__(self, dsn, amqp_uri, work_dir, max_workers):
        self.dsn, self.amqp_uri, self.work_dir = dsn, amqp_uri, Path(work_dir)
        self.port = free_port()
        self.max_workers = max_workers
        self.processes = {}

    def start(self):
        connection = psycopg2.connect(self.dsn)
        with connection, connection.cursor() as cursor:
            cursor.execute(SCHEMA)
        connection.close()
        for service in SERVICES:
            config = self.work_dir / f"naive-{service}.yaml"
            config.write_text(yaml.safe_dump({
                "AMQP_URI": self.amqp_uri, "WEB_SERVER_ADDRESS": f"127.0.0.1:{self.port}",
                "DATABASE_URL": self.dsn, "max_workers": self.max_workers, "serializer": "json"}))
            log = open(self.work_dir / f"naive-{service}.log", "ab")
            self.processes[f"naive {service}"] = subprocess.Popen(
                [sys.executable, "-m", "bench.naive_services", service, str(config)],
                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the naive pipeline did not start: see its logs in the work dir")
            time.sleep(0.2)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    @contextmanager
    def running(self):
        self.start()
        try:
            yield self
        finally:
            self.stop()

    def ledger_rows(self, order_ids=None):
        connection = psycopg2.connect(self.dsn)
        try:
            with connection, connection.cursor() as cursor:
                if order_ids is None:
                    cursor.execute("SELECT count(*), extract(epoch FROM max(created_at)) FROM ledger")
                else:
                    cursor.execute("SELECT count(*), extract(epoch FROM max(created_at)) FROM ledger"
                                   " WHERE order_id = ANY(%s::uuid[])", (list(order_ids),))
                count, last = cursor.fetchone()
                return count, float(last or 0)
        finally:
            connection.close()

    def closed_loop(self, threads, seconds):
        """Each client thread posts the next order once the last one returned, for ``seconds``."""
        placed, deadline = [], time.monotonic() + seconds

        def client():
            with requests.Session() as session:
                while time.monotonic() < deadline:
                    order_id = str(uuid.uuid4())
                    response = session.post(f"{self.url}/orders", timeout=30, json={
                        "id": order_id, "product": "ข้าวหอมมะลิ", "quantity": 1, "amount_satang": 25_000})
                    if response.status_code == 201:
                        placed.append(order_id)
        workers = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        return placed

    def saturation(self, threads, seconds, database_prefix, drain_timeout, client_pid=None):
        """Credited orders/s and CPU-ms per credited order (its processes, the bench databases'
        PostgreSQL backends, RabbitMQ), as the platform's saturation run measures them."""
        self.closed_loop(4, 2)  # warm up
        groups = {**cpu.find_processes(database_prefix),
                  **{process.pid: name for name, process in self.processes.items()}}
        if client_pid:
            groups[client_pid] = "bench client (HTTP load)"
        before = cpu.snapshot(groups)
        started = time.time()
        placed = self.closed_loop(threads, seconds)
        deadline = time.monotonic() + drain_timeout
        while (credited := self.ledger_rows(placed))[0] < len(placed) and time.monotonic() < deadline:
            time.sleep(0.2)
        after = cpu.snapshot(groups)
        count, last = credited
        cpu_ms = cpu.cpu_ms_by_group(before, after)
        cpu_ms.pop("bench client (HTTP load)", None)
        return {"orders_per_s": rate(count, last - started), "placed": len(placed), "credited": count,
                "cpu_ms_per_order": per_unit(cpu_ms, count)}
