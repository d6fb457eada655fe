"""The platform end to end: all four services as processes, paid orders over HTTP, the levy
credited in the funds ledger, the officer's email accepted by an SMTP sink."""
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

from bench import cpu
from bench.load import OrderClient
from bench.stats import latency_summary, per_unit, rate
from chassis import registry
from chassis.cli import service_config
from devtools import scenario, smtp_sink
from devtools.isolation import drop_service_databases, free_port
from devtools.platform import Platform, platform_env

STOCK = 10**9  # the most a product may have
PY_SPY = str(Path(sys.executable).parent / "py-spy")  # installed beside python by bench/requirements.txt
CLIENT = "bench client (HTTP load, SMTP sink)"  # measured, but not part of the platform's cost


def credit_times(funds_dsn, order_ids):
    """{order id: epoch seconds of the credit's ledger transaction} for the credited ones."""
    conn = psycopg2.connect(funds_dsn)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute("SELECT order_id::text, extract(epoch FROM created_at) FROM credits"
                           " WHERE order_id = ANY(%s::uuid[])", (list(order_ids),))
            return {order_id: float(at) for order_id, at in cursor.fetchall()}
    finally:
        conn.close()


def paid_times(marketplace_dsn, order_ids):
    """{order id: epoch seconds at which the marketplace recorded the payment as confirmed}."""
    conn = psycopg2.connect(marketplace_dsn)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute("SELECT id::text, extract(epoch FROM paid_at) FROM orders"
                           " WHERE id = ANY(%s::uuid[]) AND paid_at IS NOT NULL", (list(order_ids),))
            return {order_id: float(at) for order_id, at in cursor.fetchall()}
    finally:
        conn.close()


def transactions_by_database(any_dsn, database_prefix):
    """{service: transactions committed or rolled back so far in its bench database}."""
    conn = psycopg2.connect(any_dsn)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute("SELECT datname, xact_commit + xact_rollback FROM pg_stat_database"
                           " WHERE datname LIKE %s", (f"{database_prefix}\\_%",))
            counts = {name[len(database_prefix) + 1:]: count for name, count in cursor.fetchall()}
            return {service: counts.get(service, 0) for service in registry.names()}
    finally:
        conn.close()


def wait_for_credits(funds_dsn, order_ids, timeout):
    """Credit times of ``order_ids`` once all are credited or ``timeout`` has passed."""
    deadline = time.monotonic() + timeout
    while True:
        credited = credit_times(funds_dsn, order_ids)
        if len(credited) == len(order_ids) or time.monotonic() > deadline:
            return credited
        time.sleep(0.25)


def wait_until_published(marketplace_dsn, order_ids, timeout):
    """Wait until every one of ``order_ids`` is recorded as paid and the marketplace's outbox has
    published everything (its events are then in the consumers' queues)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = psycopg2.connect(marketplace_dsn)
        try:
            with conn, conn.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL")
                [unpublished] = cursor.fetchone()
        finally:
            conn.close()
        if not unpublished and len(paid_times(marketplace_dsn, order_ids)) == len(order_ids):
            return
        time.sleep(0.25)


def wait_for_mail(mail_dir, count, timeout):
    deadline = time.monotonic() + timeout
    while (accepted := sum(1 for _ in Path(mail_dir).glob("*.eml"))) < count and time.monotonic() < deadline:
        time.sleep(0.25)
    return accepted


class PlatformBench:
    def __init__(self, settings, amqp_uri, database_prefix, work_dir, progress):
        self.settings = settings
        self.database_prefix = database_prefix
        self.mail_dir = Path(work_dir) / "mail"
        self.progress = progress
        self.smtp_port = free_port()
        extra = {"OUTBOX_POLL_SECONDS": "1.0", "DELIVERY_POLL_SECONDS": "0.2",
                 "SMTP_MAX_PER_SECOND": "100000", "LOG_LEVEL": "WARNING",
                 **{f"{service.upper()}_MAX_WORKERS": str(settings["max_workers"]) for service in registry.names()}}
        env = platform_env({service: free_port() for service in registry.names()}, amqp_uri=amqp_uri,
                           db_prefix=database_prefix, smtp_port=self.smtp_port, omise_port=free_port(),
                           extra=extra)
        self.platform = Platform(env, log_dir=Path(work_dir) / "logs", instances=settings["instances"])
        self.funds_dsn = service_config("funds", self.platform.env)["DATABASE_URL"]
        self.marketplace_dsn = service_config("marketplace", self.platform.env)["DATABASE_URL"]
        self.credited_total = 0

    def run(self):
        results = {}
        self.platform.migrate()
        sink = smtp_sink.start(self.mail_dir, port=self.smtp_port)
        try:
            self.progress("platform: starting the services")
            self.platform.start_all()
            network = scenario.set_up_network(self.platform, officer_email="bench.officer@example.org",
                                              stock=STOCK)
            client = OrderClient(self.platform, network)
            self.progress("platform: warming up")
            self.measure(client.closed_loop(4, self.settings["warmup_s"]))
            results.update(self.saturation(client))
            results["latency_ms"] = {str(offered): self.at_offered_rate(client, offered)
                                     for offered in self.settings["rates"]}
            results["funds_backlog"] = self.backlog(client)
            self.progress("platform: waiting for every officer email")
            results["emails_accepted"] = wait_for_mail(self.mail_dir, self.credited_total,
                                                       self.settings["drain_timeout_s"])
            results["orders_credited"] = self.credited_total
            results["http_errors"] = client.errors
        finally:
            self.platform.stop_all()
            sink.stop()
            drop_service_databases(self.platform.env)
        return results

    def measure(self, paid):
        """Wait for the credits of the ``paid`` order ids; the latencies in ms from the payment's
        confirmation (the provider's webhook, recorded as the order's paid_at) to the credit."""
        credited = wait_for_credits(self.funds_dsn, paid, self.settings["drain_timeout_s"])
        self.credited_total += len(credited)
        confirmed = paid_times(self.marketplace_dsn, credited)
        latencies = [(credited[order_id] - confirmed[order_id]) * 1000 for order_id in credited
                     if order_id in confirmed]
        return credited, latencies

    def processes(self):
        groups = {process.pid: name for name, process in self.platform.processes.items()}
        groups[os.getpid()] = CLIENT
        return {**cpu.find_processes(self.database_prefix), **groups}

    def start_profilers(self, seconds):
        """py-spy flame graphs of every service process while the saturation run lasts."""
        directory = self.settings["profile_dir"]
        directory.mkdir(parents=True, exist_ok=True)
        return [subprocess.Popen(
            [PY_SPY, "record", "--nonblocking", "--rate", "50", "--duration", str(seconds),
             "--pid", str(process.pid), "--output", str(directory / f"{name}.svg")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, process in self.platform.processes.items()]

    def saturation(self, client):
        threads, seconds = self.settings["saturation_threads"], self.settings["saturation_s"]
        self.progress(f"platform: saturation, {threads} client threads for {seconds}s")
        profilers = self.start_profilers(seconds) if self.settings.get("profile_dir") else []
        before = cpu.snapshot(self.processes())
        transactions_before = transactions_by_database(self.funds_dsn, self.database_prefix)
        started = time.time()
        paid = client.closed_loop(threads, seconds)
        for profiler in profilers:
            profiler.wait()
        credited, _ = self.measure(paid)
        wait_for_mail(self.mail_dir, self.credited_total, self.settings["drain_timeout_s"])
        after = cpu.snapshot(self.processes())
        transactions = transactions_by_database(self.funds_dsn, self.database_prefix)
        elapsed = (max(credited.values()) - started) if credited else 0
        orders_per_s = rate(len(credited), elapsed)
        self.progress(f"platform: {len(paid)} paid, {len(credited)} credited, {orders_per_s} credited orders/s")
        cpu_ms = cpu.cpu_ms_by_group(before, after)
        client_ms = cpu_ms.pop(CLIENT, 0.0)
        return {"platform_orders_per_s": orders_per_s,
                "platform_paid_per_s": rate(len(paid), seconds),
                "cpu_ms_per_order": per_unit(cpu_ms, len(credited)),
                "client_cpu_ms_per_order": per_unit({CLIENT: client_ms}, len(credited)),
                "db_transactions_per_order": per_unit(
                    {name: count - transactions_before.get(name, 0) for name, count in transactions.items()},
                    len(credited))}

    def backlog(self, client):
        """The consumers catching up, where batches fill: funds stopped while orders are paid,
        then started; credits per second from funds being ready to the last credit, and funds'
        transactions and the CPU of funds and of the bench databases' backends per credit meanwhile."""
        threads, seconds = self.settings["saturation_threads"], self.settings["backlog_s"]
        self.platform.stop("funds")
        self.progress(f"platform: funds stopped; paying orders into its queue for {seconds}s")
        paid = client.closed_loop(threads, seconds)
        wait_until_published(self.marketplace_dsn, paid, self.settings["drain_timeout_s"])
        self.platform.start("funds")
        self.platform.wait_ready(["funds"])
        ready = time.time()
        before = cpu.snapshot(self.processes())
        transactions_before = transactions_by_database(self.funds_dsn, self.database_prefix)
        credited, _ = self.measure(paid)
        after = cpu.snapshot(self.processes())
        transactions = transactions_by_database(self.funds_dsn, self.database_prefix)
        elapsed = (max(credited.values()) - ready) if credited else 0
        cpu_ms = cpu.cpu_ms_by_group(before, after)
        funds_cpu = {group: ms for group, ms in cpu_ms.items() 
                     if group.split(".")[0] == "funds" or group == cpu.BENCH_BACKENDS}
        result = {"orders": len(paid), "credited": len(credited), "credits_per_s": rate(len(credited), elapsed),
                  "funds_transactions_per_credit": round(
                      (transactions["funds"] - transactions_before["funds"]) / max(1, len(credited)), 3),
                  "cpu_ms_per_credit": per_unit(funds_cpu, len(credited))}
        self.progress(f"platform: a backlog of {len(paid)} paid orders credited at {result['credits_per_s']}/s, "
                      f"{result['funds_transactions_per_credit']} funds transactions per credit")
        return result

    def at_offered_rate(self, client, offered):
        seconds = self.settings["rate_s"]
        self.progress(f"platform: offering {offered} orders/s for {seconds}s")
        started = time.monotonic()
        paid = client.offered_rate(offered, seconds, self.settings["rate_threads"])
        achieved = rate(len(paid), time.monotonic() - started)
        credited, latencies = self.measure(paid)
        summary = latency_summary(latencies) or {}
        self.progress(f"platform: {offered}/s offered, {achieved}/s achieved, latency {summary}")
        return {**summary, "achieved_per_s": achieved, "uncredited": len(paid) - len(credited)}
