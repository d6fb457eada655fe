"""``make containers``: the services as containers of the project's image (podman), funds in
three containers, a workload of paid orders while containers are killed and restarted, then the
fault run's checks (chaos.run.check: lost, doubled, unexpected, mail, payments). Results go to
chaos/results/containers.json.

    python -m chaos.containers [--seed N] [--orders N] [--faults N] [--concurrency N] [--results PATH]

The containers use the machine's PostgreSQL (databases prefixed containers<token>) and RabbitMQ (a
vhost of their own); the Omise stand-in and the SMTP sink run on the host. Every container, the
vhost and the databases are removed afterwards.
"""
import argparse
import json
import random
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from chassis import registry
from chassis.db import drop_database
from chaos import checker
from chaos.run import (MESSAGE_ID_DOMAIN, RESULTS, Harness, Progress, check, drive, driven_steps, log,
                       set_up_network)
from chaos.workload import Payments, plan_order
from devtools import containers, smtp_sink
from devtools.isolation import free_port, rabbitmqctl
from devtools.platform import platform_env

FUNDS_CONTAINERS = 3


class ContainerHarness(Harness):
    """The fault run's harness with every service instance a container, straight on the machine's
    PostgreSQL and RabbitMQ (no proxies: the faults here strike the containers)."""

    def __init__(self, seed, image, work_dir):  # not Harness's: it starts processes and proxies
        token = uuid.uuid4().hex[:6]
        self.seed = seed
        self.pg_failovers, self.failovers, self.cluster = 0, [], False  # the machine's own engines
        self.vhost = f"containers-{token}"
        self.db_prefix = f"containers{token}"
        self.admin_dsn = "postgresql://postgres@127.0.0.1:5432/postgres"
        self.work_dir = Path(work_dir)
        self.mail_dir = self.work_dir / "mail"
        rabbitmqctl("add_vhost", self.vhost)
        rabbitmqctl("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")
        self.direct_amqp_uri = f"pyamqp://guest:guest@127.0.0.1:5672/{self.vhost}"
        smtp_port = free_port()
        env = platform_env(
            {service: free_port() for service in registry.names()}, amqp_uri=self.direct_amqp_uri,
            db_prefix=self.db_prefix, smtp_port=smtp_port, omise_port=free_port(),
            extra={"OUTBOX_POLL_SECONDS": "0.2", "DELIVERY_POLL_SECONDS": "0.2", "LOG_LEVEL": "WARNING",
                   "AMQP_HEARTBEAT": "2", "MESSAGE_ID_DOMAIN": MESSAGE_ID_DOMAIN, "SMTP_HOST": "127.0.0.1",
                   "SMTP_MAX_PER_SECOND": "1000"})
        self.sink = smtp_sink.start(self.mail_dir, port=smtp_port)
        self.platform = containers.ContainerPlatform(env, image, prefix=f"containers-{token}",
                                                     log_dir=self.work_dir / "logs",
                                                     instances={"funds": FUNDS_CONTAINERS})
        self.lock = threading.RLock()
        self.restarts = Counter()
        self.poison_published, self.poison_bodies = 0, set()  # no poison here: the checks expect none
        self.payments, self.webhooks = Payments(), checker.WebhookLedger()
        self.network = None

    def close(self):
        self.platform.stop_all()
        self.sink.stop()
        rabbitmqctl("delete_vhost", self.vhost)
        for service in registry.names():
            drop_database(self.admin_dsn, f"{self.db_prefix}_{service}")


def kill_container(harness, rng):
    """SIGKILL a container (podman kill), then start it again after a pause, as a restart policy would."""
    name = rng.choice(sorted(harness.platform.processes))
    container = harness.platform.container_name(name)
    pause = rng.uniform(0.5, 3.0)
    with harness.lock:
        containers.podman("kill", container)
    time.sleep(pause)
    with harness.lock:
        harness.platform.start_instance(name)
        harness.restarts[name] += 1
    return f"podman kill {container}; podman start after {pause:.1f} s"


def restart_container(harness, rng):
    """SIGTERM, then SIGKILL after 2 s, then start. Not ``podman restart``: when the container stops
    by itself just as its SIGKILL is due, podman 4.3 fails the restart and leaves it stopped."""
    name = rng.choice(sorted(harness.platform.processes))
    container = harness.platform.container_name(name)
    with harness.lock:
        containers.podman("stop", "-t", "2", container, check=False)  # stopped either way
        harness.platform.start_instance(name)
        harness.restarts[name] += 1
    return f"podman stop -t 2 {container}; podman start"


FAULTS = {"kill_container": kill_container, "restart_container": restart_container}


def strike(harness, rng, count, progress, struck, during_workload):
    """Fault i strikes once i/(count+1) of the orders are driven; both kinds at least once."""
    schedule = sorted(FAULTS) + [rng.choice(sorted(FAULTS)) for _ in range(max(0, count - len(FAULTS)))]
    for number, kind in enumerate(schedule, start=1):
        workload_over = progress.wait_for(number / (len(schedule) + 1))
        detail = FAULTS[kind](harness, rng)
        struck[kind] += 1
        during_workload[0] += not workload_over
        log(f"fault {number}/{len(schedule)} at {progress.driven}/{progress.total} orders: {detail}")


def queue_consumers(vhost):
    """{queue: consumers} of ``vhost``'s work queues: after the kills, every container consumes again."""
    listing = subprocess.run(["rabbitmqctl", "list_queues", "-q", "-p", vhost, "name", "consumers"],
                             capture_output=True, text=True, check=True).stdout
    return {name: int(count) for name, count in (line.split() for line in listing.splitlines() if line.strip())
            if count.isdigit() and not name.endswith("dead-letters")}


def passed(results):
    """The fault run's verdict: nothing lost, doubled or unexpected, every book balanced and drained,
    every email sent once, every payment backed by money."""
    return (results["lost"] == results["duplicated"] == results["unexpected"] == results["unbalanced"] == 0
            and results["levy_above_money"] == 0
            and not any(results["outbox_undrained"].values())
            and results["dead_letters"]["unexpected"] == 0
            and results["emails_missing"] == results["emails_duplicated"] == 0
            and results["reconciliation"]["orders_in_drift"] == 0
            and results["payments"]["unbacked"] == results["payments"]["paid_twice"] == 0
            and results["payments"]["reconciliation"]["drift"] == 0
            and results["orders_paid"] > 0)


def run(seed, orders, fault_count, concurrency=8, drain_timeout=120):
    started = time.monotonic()
    base = containers.python_image(say=log)
    image = containers.build_image(base=base, say=log)
    built = time.monotonic()
    log(f"image {image} ready in {built - started:.0f} s; seed {seed}, {orders} paid orders, {fault_count} faults")
    work_dir = Path("var/containers") / f"{seed}-{uuid.uuid4().hex[:6]}"
    shutil.rmtree(work_dir, ignore_errors=True)
    harness = ContainerHarness(seed, image, work_dir)
    try:
        harness.platform.migrate()
        harness.platform.start_all()
        running = time.monotonic()
        log(f"{len(harness.platform.processes)} containers ready in {running - built:.0f} s: "
            f"{', '.join(sorted(harness.platform.processes))}")
        network = set_up_network(harness.platform, stock=5 * orders + 100)
        harness.network = network
        plan_rng = random.Random(seed)
        plans = [plan_order(plan_rng, supports_lifecycle=False) for _ in range(orders)]
        progress, struck, during_workload = Progress(orders), Counter(), [0]
        fault_thread = threading.Thread(target=strike, args=(
            harness, random.Random(seed + 1), fault_count, progress, struck, during_workload))
        fault_thread.start()
        outcomes, retries = drive(harness, network, plans, seed, progress, concurrency)
        fault_thread.join()
        workload_over = time.monotonic()
        log(f"workload and faults over in {workload_over - running:.0f} s; every container ready again, draining")
        harness.platform.wait_ready(timeout=120)
        harness.wait_drained(stall_timeout=drain_timeout)
        time.sleep(1)
        drained = time.monotonic()
        log(f"drained in {drained - workload_over:.0f} s; checking")
        consumers = queue_consumers(harness.vhost)
        results = check(harness, network, network["agreement"]["rate"], driven_steps(plans, outcomes))
        names = {name: harness.platform.container_name(name) for name in sorted(harness.platform.processes)}
    finally:
        harness.close()
    results.update({
        "seed": seed, "image": image, "base_image": base,
        "containers": names, "funds_containers": FUNDS_CONTAINERS, "queue_consumers": consumers,
        "faults_injected": dict(struck), "faults_total": sum(struck.values()),
        "faults_during_workload": during_workload[0], "container_restarts": dict(harness.restarts),
        "http_retries": retries, "orders_driven": sum(1 for order_id, _ in outcomes.values() if order_id),
        "build_s": round(built - started, 1), "containers_ready_s": round(running - built, 1),
        "workload_s": round(workload_over - running, 1), "drain_s": round(drained - workload_over, 1),
        "duration_s": round(time.monotonic() - started, 1),
    })
    results["passed"] = passed(results)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=random.SystemRandom().randrange(10**6))
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--faults", type=int, default=12)
    parser.add_argument("--concurrency", type=int, default=8, help="client threads driving orders")
    parser.add_argument("--results", type=Path, default=RESULTS / "containers.json")
    args = parser.parse_args(argv)
    results = run(args.seed, args.orders, args.faults, concurrency=args.concurrency)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    log(f"{'PASSED' if results['passed'] else 'FAILED'} (seed {args.seed}); {args.results}")
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
