"""``python -m bench [--quick]``: baselines, the platform end to end, data-scale queries.

Writes bench/results/latest.json, latest.md and latency.png. Uses its own RabbitMQ vhost,
its own databases (prefix ``bench<run id>``) and free ports; removes them at the end.
"""
import argparse
import importlib.metadata
import os
import platform as python_platform
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg2

from bench import baselines, data_scale, report
from bench.naive import NaivePipeline
from bench.pipeline import PlatformBench
from chassis.db import create_database, drop_database, migrate
from devtools import infra
from devtools.isolation import isolated_vhost

REPOSITORY = Path(__file__).resolve().parents[1]
RESULTS = REPOSITORY / "bench" / "results"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PACKAGES = ("nameko", "eventlet", "kombu", "amqp", "psycopg2-binary", "marshmallow", "requests")

# Per mode: how long and how hard each part runs. Quick mode is a smoke run (< 2 minutes).
SETTINGS = {
    "quick": {"broker_messages": 10_000, "pg_seconds": 2, "warmup_s": 2, "saturation_s": 8,
              "saturation_threads": 16, "rates": [25, 50, 100], "rate_s": 5, "rate_threads": 24,
              "drain_timeout_s": 30, "backlog_s": 5, "order_lines": 100_000, "relay_messages": 5_000},
    "full": {"broker_messages": 100_000, "pg_seconds": 10, "warmup_s": 5, "saturation_s": 30,
             "saturation_threads": 32, "rates": [25, 100, 250, 500], "rate_s": 20, "rate_threads": 64,
             "drain_timeout_s": 120, "backlog_s": 20, "order_lines": 1_000_000, "relay_messages": 50_000},
}


def progress(message, started=time.monotonic()):
    print(f"[{time.monotonic() - started:6.1f}s] {message}", flush=True)


def parse_instances(text):
    """``marketplace=2,funds=2`` → {"marketplace": 2, "funds": 2}."""
    pairs = (item.split("=") for item in text.split(",") if item)
    return {service: int(count) for service, count in pairs}


def command_output(*command):
    try:
        return subprocess.run(command, capture_output=True, text=True, check=True,
                              cwd=REPOSITORY).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine_facts():
    conn = psycopg2.connect(f"{PG_SERVER}/postgres")
    try:
        with conn.cursor() as cursor:
            cursor.execute("SHOW server_version")
            postgresql = cursor.fetchone()[0]
    finally:
        conn.close()
    return {
        "cores": os.cpu_count(), "python": python_platform.python_version(),
        "postgresql": postgresql, "rabbitmq": command_output("rabbitmqctl", "version"),
        "kernel": python_platform.release(), "load_average_at_start": list(os.getloadavg()),
        "packages": {name: importlib.metadata.version(name) for name in PACKAGES},
        "git_commit": command_output("git", "rev-parse", "--short", "HEAD"),
        "git_dirty": bool(command_output("git", "status", "--porcelain", "--untracked-files=no")),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short smoke run for CI (< 2 minutes)")
    parser.add_argument("--instances", type=parse_instances, default={},
                        help="processes per service, e.g. marketplace=2,funds=2 (default 1 each)")
    parser.add_argument("--max-workers", type=int, default=10,
                        help="nameko workers per process (also its database pool)")
    parser.add_argument("--profile", action="store_true",
                        help="py-spy flame graphs of every service process during the saturation run "
                             "(OUT/profiles/; py-spy's own CPU then counts in the machine's load)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if not infra.ensure_all():
        return 1

    mode = "quick" if args.quick else "full"
    settings = {**SETTINGS[mode], "instances": args.instances, "max_workers": args.max_workers,
                "profile_dir": args.out / "profiles" if args.profile else None}
    run_id = uuid.uuid4().hex[:8]
    prefix = f"bench{run_id}"
    results = {"mode": mode, "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "machine": machine_facts(),
               "settings": {**settings, "profile_dir": str(settings["profile_dir"] or "")},
               "platform_config": {"instances": args.instances or "1 per service",
                                   "max_workers": args.max_workers}}
    results["under_contention"] = report.under_contention(results["machine"]["load_average_at_start"])
    started = time.monotonic()
    created = []

    def database(name):
        create_database(f"{PG_SERVER}/postgres", name)
        created.append(name)
        return f"{PG_SERVER}/{name}"

    progress(f"bench {mode} run {run_id}: results go to {args.out}")
    try:
        with isolated_vhost(prefix) as amqp_uri, tempfile.TemporaryDirectory(prefix="codi-bench-") as work_dir:
            progress("baseline: RabbitMQ persistent publish + consume, 500 confirms in flight")
            publish_rate, broker_rate = baselines.broker_throughput(amqp_uri, settings["broker_messages"])
            results.update(broker_publish_msgs_per_s=publish_rate, broker_msgs_per_s=broker_rate)
            progress(f"baseline: {publish_rate} msg/s published, {broker_rate} msg/s published and consumed")
            pg_dsn = database(f"{prefix}_baseline")
            for connections in (1, 8):
                tps = baselines.postgres_tps(pg_dsn, connections, settings["pg_seconds"])
                results[f"pg_tps_{connections}"] = tps
                progress(f"baseline: PostgreSQL INSERT+COMMIT, {connections} connection(s): {tps} tps")
            migrate(pg_dsn, Path(work_dir))  # the chassis's tables only: the work dir has no .sql
            results["relay_msgs_per_s"] = baselines.relay_drain(pg_dsn, amqp_uri, settings["relay_messages"])
            progress(f"baseline: outbox relay drained {settings['relay_messages']:,} rows at "
                     f"{results['relay_msgs_per_s']} msg/s")

            results.update(PlatformBench(settings, amqp_uri, prefix, work_dir, progress).run())
            results["ratio_platform_to_broker"] = round(
                results["platform_orders_per_s"] / broker_rate, 3) if broker_rate else None
            progress("reference: the naive outbox pipeline, same machine, same run")
            naive = NaivePipeline(database(f"{prefix}_naive"), amqp_uri, work_dir, args.max_workers)
            with naive.running():
                results["naive"] = naive.saturation(settings["saturation_threads"], settings["saturation_s"],
                                                    prefix, settings["drain_timeout_s"], os.getpid())
            results["ratio_platform_to_naive"] = round(
                results["platform_orders_per_s"] / results["naive"]["orders_per_s"], 3) \
                if results["naive"]["orders_per_s"] else None
            progress(f"reference: naive pipeline {results['naive']['orders_per_s']} orders/s; platform / naive "
                     f"{results['ratio_platform_to_naive']}")
            results.update(data_scale.run(database, prefix, settings["order_lines"], progress))
    finally:
        for name in created:
            drop_database(f"{PG_SERVER}/postgres", name)
    results["duration_s"] = round(time.monotonic() - started, 1)
    results["notes"] = notes(results)
    write_results(args.out, results)
    progress(f"done in {results['duration_s']}s: {args.out / 'latest.md'}")
    return 0


def write_results(directory, results):
    directory.mkdir(parents=True, exist_ok=True)
    report.write_json(directory / "latest.json", results)
    (directory / "latest.md").write_text(report.render_markdown(results), encoding="utf-8")
    report.plot_latency(results, directory / "latency.png")


def notes(results):
    """What a reader needs to interpret the figures."""
    return [
        report.CAVEAT if results.get("under_contention", True) else report.QUIET,
        "Latency: the funds credit's created_at (start of the ledger transaction, database clock) minus "
        "the client's wall-clock time of the payment's HTTP response; same machine, same clock.",
        f"Emails accepted by the SMTP sink: {results.get('emails_accepted')} of "
        f"{results.get('orders_credited')} credited orders (one officer); "
        f"failed HTTP order/payment calls: {results.get('http_errors')}.",
        f"Reconciliation found {results.get('reconcile_mismatches')} mismatching orders; "
        f"{results.get('reconcile_expected_mismatches')} were planted.",
        "Data-scale tables were bulk-loaded with COPY and triggers off (generated transactions balance).",
        "Where the time goes, the optimisations made and their measured effect: bench/README.md.",
        "Balance read: the funds service's own repository query (accounts table) in its own transaction; "
        f"summing the fund's ledger entries instead takes {results.get('balance_from_entries_ms')} ms.",
    ]


if __name__ == "__main__":
    raise SystemExit(main())
