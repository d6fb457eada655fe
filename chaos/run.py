"""``make chaos``: the platform as real processes, a mixed workload, seeded faults, then the checks.

    python -m chaos.run [--seed N] [--orders N] [--faults N] [--no-infra] [--pg-failover [--failovers N]]
                        [--rabbit-cluster]

The seed is printed first; the same seed replays the same workload and the same sequence of fault
kinds (the moments they strike depend on timing). Results go to chaos/results/latest.json.

With --pg-failover the services' databases live on a PostgreSQL pair of the run's own
(``devtools.pg_replica``: a primary and a synchronous standby, created fresh, removed afterwards)
and ``--failovers`` of the faults kill the primary and promote the standby (``chaos.failover``);
results go to chaos/results/pg-failover.json.

``--rabbit-cluster`` runs the services against a fresh three-node RabbitMQ cluster of the run's own
(``devtools.rabbit_cluster``; their AMQP_URI lists the three nodes), adds the cluster's fault kinds
(``chaos.cluster_faults``, each at least twice) and leaves out the faults of the machine's RabbitMQ
and PostgreSQL; the cluster is taken down afterwards, also on failure. Results go to
chaos/results/rabbit-cluster.json.
"""
import argparse
import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from kombu import Connection

from chassis import registry
from chassis.cli import issue_token
from chassis.db import Database, drop_database
from chassis.thai import THAI_TIME
from chaos import checker, cluster_faults, failover, faults
from chaos.proxy import Proxy
from chaos.workload import Client, Payments, plan_order, run_order
from contracts import topology
from devtools import pg_replica, rabbit_cluster, scenario, smtp_sink
from devtools.isolation import free_port
from devtools.platform import Platform, platform_env
from devtools.testing import query
from funds.bootstrap import bootstrap
from funds.reconciler import MarketplaceOrders, Reconciler
from marketplace.adapters import MarketUnitOfWork
from marketplace.omise_adapter import OmisePayments
from marketplace.payment_reconciler import PaymentReconciler

RESULTS = Path(__file__).parent / "results"
FAILPOINT_NAMES = ("relay.after_publish", "consumer.after_commit", "mail.after_send")
MAX_FAILPOINT_RATE = 0.02
FAILPOINT_KILLS_PER_RUN = 150  # a process restart costs seconds: more would be all the run does


def failpoint_rate(orders):
    """Chance that each fail point kills its process: 2 % on short runs; on long ones, low
    enough that the kills stay about FAILPOINT_KILLS_PER_RUN (~5 events per order pass them)."""
    return min(MAX_FAILPOINT_RATE, FAILPOINT_KILLS_PER_RUN / (5 * orders))


def failpoints_setting(rate):
    return ",".join(f"{name}={rate:.4g}" for name in FAILPOINT_NAMES)
HEARTBEAT_SECONDS = 2
# The stand-in's default, 8 webhook attempts over about 2 minutes, is shorter than the marketplace
# can be away when fail points kill it every few seconds on a busy machine (seen: a paid charge whose
# 16 deliveries all failed). 10 attempts span about 8.5 minutes; the drain waits for them.
WEBHOOK_ATTEMPTS = 10
MESSAGE_ID_DOMAIN = "notifications.codi.or.th"


def log(text):
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


class Harness:
    def __init__(self, seed, allow_infra, supports_lifecycle, work_dir, pg_failovers=0, cluster=False,
                 db_prefix="chaos"):
        self.seed = seed
        self.allow_infra = allow_infra and not cluster  # the machine's engines are not the run's then
        self.cluster = cluster
        self.pg_failovers = pg_failovers  # > 0: on a PostgreSQL pair of the run's own, failed over so often
        self.failovers = []
        self.supports_lifecycle = supports_lifecycle
        self.heartbeat = HEARTBEAT_SECONDS
        token = uuid.uuid4().hex[:6]
        self.vhost = f"chaos-{seed}-{token}"
        self.db_prefix = f"{db_prefix}{token}"
        if pg_failovers:
            pg_replica.down()  # fresh clusters for every run, whatever an earlier one left
            pg_replica.up()
        self.admin_dsn = self.dsn_of("postgres")
        self.work_dir = Path(work_dir)
        self.mail_dir = self.work_dir / "mail"
        self.rabbitmqctl("add_vhost", self.vhost)
        self.rabbitmqctl("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")
        # one proxy in front of each node: cut_broker_connections cuts the services' sockets to all
        if cluster:
            self.direct_amqp_uri = rabbit_cluster.amqp_uri(self.vhost)
            self.broker_proxies = [Proxy("127.0.0.1", node.amqp_port) for node in rabbit_cluster.NODES]
        else:
            self.direct_amqp_uri = f"pyamqp://guest:guest@127.0.0.1:5672/{self.vhost}"
            self.broker_proxies = [Proxy("127.0.0.1", 5672)]
        # libpq tries the next host of a multi-host address only when a connection is refused, not
        # when a proxy accepts it and then finds the node dead: on the pair, services connect directly
        self.pg_proxy = None if pg_failovers else Proxy("127.0.0.1", 5432)
        smtp_port = free_port()
        env = platform_env(
            {service: free_port() for service in registry.names()},
            amqp_uri=rabbit_cluster.amqp_uri(self.vhost, ports=[proxy.port for proxy in self.broker_proxies]),
            db_prefix=self.db_prefix, smtp_port=smtp_port, omise_port=free_port(),
            **({"pg_nodes": pg_replica.nodes()} if pg_failovers else {"pg_port": self.pg_proxy.port}),
            extra={"OUTBOX_POLL_SECONDS": "0.2", "DELIVERY_POLL_SECONDS": "0.2", "LOG_LEVEL": "WARNING",
                   "AMQP_HEARTBEAT": str(HEARTBEAT_SECONDS), "MESSAGE_ID_DOMAIN": MESSAGE_ID_DOMAIN,
                   "SMTP_MAX_PER_SECOND": "1000"})  # the sink is ours; the rate limit is tested elsewhere
        self.sink = smtp_sink.start(self.mail_dir, port=smtp_port)
        # a second funds consumer takes over the messages of a paused one
        self.platform = Platform(env, log_dir=self.work_dir / "logs", instances={"funds": 2},
                                 omise_args=("--attempts", str(WEBHOOK_ATTEMPTS)))
        self.lock = threading.RLock()
        self.supervising = False
        self.restarts = Counter()
        self.duplicates_published = 0
        self.poison_published = 0
        self.poison_bodies = set()
        self.client = Client(self.platform)
        self.network = None  # once set up
        self.payments = Payments()
        self.webhooks = checker.WebhookLedger()

    def rabbitmqctl(self, *args):
        """rabbitmqctl against the run's broker: the machine's node, or a running node of the cluster."""
        if self.cluster:
            return rabbit_cluster.ctl(rabbit_cluster.any_running_node(), *args)
        return subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, check=True).stdout

    # -- processes -------------------------------------------------------------------
    def start_platform(self):
        self.platform.migrate()
        self.platform.start_all()

    def restart_everything(self, failpoints):
        """Restart every instance, with or without fail points armed."""
        with self.lock:
            if failpoints:
                self.platform.env["CODI_FAILPOINTS"] = failpoints
            else:
                self.platform.env.pop("CODI_FAILPOINTS", None)
            for name in list(self.platform.processes):
                self.platform.stop_instance(name)
                self.platform.start_instance(name)
            self.platform.wait_ready(timeout=120)

    def signal_instance(self, name, sig):
        with self.lock:
            process = self.platform.processes.get(name)
            if process and process.poll() is None:
                process.send_signal(sig)

    def supervise(self):
        """Restart any instance that died (SIGKILL by a fault or a fail point), like an orchestrator."""
        while self.supervising:
            with self.lock:
                for name, process in list(self.platform.processes.items()):
                    if process.poll() is not None:
                        self.restarts[name] += 1
                        self.platform.start_instance(name)
            time.sleep(0.5)

    # -- databases -------------------------------------------------------------------
    def dsn_of(self, database):
        return pg_replica.dsn(database) if self.pg_failovers else f"postgresql://postgres@127.0.0.1:5432/{database}"

    def dsn(self, service):
        return self.dsn_of(f"{self.db_prefix}_{service}")

    def query(self, service, sql, params=()):
        return query(self.dsn(service), sql, params)

    def backlog(self):
        """Work still in flight: unpublished outbox rows, queued emails, messages in queues,
        webhooks the stand-in will try again."""
        unpublished = sum(self.query(s, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL")[0]["n"]
                          for s in registry.names())
        queued_mail = self.query("notifications",
                                 "SELECT count(*) AS n FROM deliveries WHERE status = 'queued'")[0]["n"]
        listing = self.rabbitmqctl("list_queues", "-q", "-p", self.vhost, "name", "messages").split("\n")
        in_queues = sum(int(parts[1]) for parts in (line.split() for line in listing)
                        if len(parts) == 2 and parts[1].isdigit() and not parts[0].endswith("dead-letters"))
        return unpublished + queued_mail + in_queues + webhooks_due(self)

    def wait_drained(self, stall_timeout):
        """Until nothing is in flight; fails only if the backlog stops shrinking for
        ``stall_timeout`` seconds (a long run leaves thousands of emails to send)."""
        best, progressed_at = None, time.monotonic()
        while (left := self.backlog()) > 0:
            if best is None or left < best:
                best, progressed_at = left, time.monotonic()
            elif time.monotonic() - progressed_at > stall_timeout:
                raise AssertionError(f"the system stopped draining with {left} items in flight")
            time.sleep(1.0)

    def close(self):
        self.supervising = False
        self.platform.stop_all()
        self.sink.stop()
        for proxy in self.broker_proxies:
            proxy.close()
        self.rabbitmqctl("delete_vhost", self.vhost)
        if self.pg_failovers:
            pg_replica.down()  # the pair and its databases with it
            return
        self.pg_proxy.close()
        for service in registry.names():
            drop_database(self.admin_dsn, f"{self.db_prefix}_{service}")


class Progress:
    """How many orders the workload has driven, for faults paced by the workload's progress."""

    def __init__(self, total):
        self.total, self.driven = total, 0
        self.done = threading.Event()
        self._changed = threading.Condition()

    def advance(self):
        with self._changed:
            self.driven += 1
            self._changed.notify_all()

    def finish(self):
        with self._changed:
            self.done.set()
            self._changed.notify_all()

    def wait_for(self, fraction):
        """Until ``fraction`` of the orders are driven or the workload ended; True if it ended."""
        with self._changed:
            self._changed.wait_for(lambda: self.done.is_set() or self.driven >= fraction * self.total)
            return self.done.is_set()


def inject_faults(harness, rng, count, progress, injected, failed, during_workload):
    """Spread the faults over the workload: fault i strikes once i/(count+1) of the orders are
    driven (at a random moment within that stretch), whatever the machine's speed; faults
    slower than the workload go on after it, until ``count`` are done."""
    kinds = dict(faults.PROCESS_FAULTS)
    if harness.allow_infra:
        kinds.update(faults.INFRA_FAULTS)
    if harness.pg_failovers:
        del kinds["cut_database_connections"]  # no proxy before the pair (see Harness)
    if harness.cluster:
        kinds.update(cluster_faults.CLUSTER_FAULTS)
    # every kind at least once (a cluster's twice), in a seeded order, then seeded random picks
    names = sorted(kinds) + (sorted(cluster_faults.CLUSTER_FAULTS) if harness.cluster else [])
    rng.shuffle(names)
    schedule = names + [rng.choice(sorted(kinds)) for _ in range(max(0, count - len(names)))]
    if harness.pg_failovers:
        kinds.update(failover.FAILOVER_FAULTS)
        for number in range(harness.pg_failovers, 0, -1):  # spread evenly among the others
            schedule.insert(number * len(schedule) // (harness.pg_failovers + 1), "pg_failover")
    for number, kind in enumerate(schedule, start=1):
        workload_over = progress.wait_for(number / (len(schedule) + 1))
        time.sleep(rng.uniform(0.0, 0.5))
        try:
            detail = kinds[kind](harness, rng)
            injected[kind] += 1
            during_workload[0] += not workload_over
        except Exception as exc:  # a fault that could not be injected is reported, not fatal
            detail = f"could not inject: {exc}"
            failed[kind] += 1
        log(f"fault {number}/{len(schedule)} at {progress.driven}/{progress.total} orders: {kind}: {detail}")


def drive(harness, network, plans, rng_seed, progress, concurrency):
    client = Client(harness.platform)
    outcomes = {}

    def one(index):
        order_id, outcome = run_order(client, network, harness.payments, plans[index],
                                      random.Random(rng_seed + index))
        outcomes[index] = (order_id, outcome)
        progress.advance()
        if progress.driven % 100 == 0:
            log(f"workload: {progress.driven}/{len(plans)} orders driven")

    try:
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, range(len(plans))))
    finally:
        progress.finish()
    return outcomes, client.retries


def driven_steps(plans, outcomes):
    """[(kind, subject, outcome)] of what the workload was told, for ``check``."""
    return [(plans[index].get("kind", "order"), subject, outcome) for index, (subject, outcome) in outcomes.items()]


def set_up_network(platform, stock):
    """The scenario's network, whose seller is paid through the provider, and a second seller of
    the same product, agreement and fund, paid by direct transfer (its PromptPay ID, its confirmation)."""
    network = scenario.set_up_network(platform, stock=stock)
    ops = network["ops"]
    seller = scenario.call("POST", platform.url("centres", "/v1/organisations"), ops["centres"], {
        "name_th": f"วิสาหกิจชุมชนข้าวโอนตรง (ข้อมูลทดสอบ {uuid.uuid4().hex[:6]})",
        "name_en": "Direct-transfer rice community enterprise (test)",
        "kind": "community_enterprise", "subdistrict_code": "360101", "demo": True})
    seller_id = seller["organisation_id"]
    same = {name: network["product"][name] for name in ("name_th", "name_en", "unit", "unit_price_satang",
                                                        "category", "description")}

    def product():
        response = requests.post(platform.url("marketplace", "/v1/products"), timeout=5,
                                 json={**same, "seller_org_id": seller_id, "stock": stock},
                                 headers={"Authorization": f"Bearer {ops['marketplace']}"})
        return response.json() if response.status_code == 201 else None

    product = scenario.eventually("marketplace to learn of the second seller", product)
    scenario.call("POST", platform.url("funds", "/v1/levy-agreements"), ops["funds"], {
        **{name: network["agreement"][name] for name in ("basis", "rate", "recipient", "fund_id", "effective_from")},
        "seller_org_id": seller_id, "trade_kinds": ["sale", "share"]})  # its shares are levied, by agreement
    token = issue_token("marketplace", "organisation", uuid.UUID(seller_id), "chaos direct seller",
                        environ=platform.env)
    scenario.call("PUT", platform.url("marketplace", f"/v1/sellers/{seller_id}/payment-settings"), token,
                  {"collection": "direct", "promptpay_id": "0812345678"})
    owner_token = issue_token("marketplace", "organisation", uuid.UUID(network["seller"]["organisation_id"]),
                              "chaos provider seller", environ=platform.env)
    network["sellers"] = {"provider": {"org": network["seller"], "product": network["product"], "token": owner_token},
                          "direct": {"org": seller, "product": product, "token": token}}
    network["listings"] = {  # shares from the direct seller (levied); exchanges with the provider seller (not)
        "share": listing(platform, token, "share", "ข้าวหอมมะลิส่วนเกิน ถุง 5 กิโลกรัม", "ถุง", stock),
        "exchange": listing(platform, owner_token, "exchange", "ข้าวหอมมะลิแลกเปลี่ยน ถุง 5 กิโลกรัม", "ถุง", stock),
        "offered": listing(platform, network["buyer_token"], "exchange", "ปลาแห้งภูเก็ต ห่อ 1 กิโลกรัม", "ห่อ", stock)}
    return network


def listing(platform, token, kind, name_th, unit, stock):
    """A share or exchange listing of the token's own organisation (no price: no money moves)."""
    return scenario.call("POST", platform.url("marketplace", "/v1/products"), token, {
        "name_th": name_th, "unit": unit, "stock": stock, "category": "rice" if unit == "ถุง" else "processed_food",
        "listing_kind": kind, "description": "ข้อมูลทดสอบ (test data)"})


def events_of(harness, service, routing_keys):
    rows = harness.query(service, "SELECT routing_key, body FROM outbox WHERE routing_key = ANY(%s) ORDER BY id",
                         (list(routing_keys),))
    return [(row["routing_key"], json.loads(row["body"])["data"]) for row in rows]


def reconcile(harness, network):
    """The product's own reconciliation (``codi-admin funds reconcile``) over every paid order:
    a second opinion beside the checker, which shares none of its code."""
    database = Database(harness.dsn("funds"), pool_size=1)
    try:
        market = MarketplaceOrders(harness.platform.url("marketplace", ""), network["ops"]["marketplace"])
        report = Reconciler(database, market, bootstrap({})).run()
    finally:
        database.close()
    return {"orders_checked": report.orders_checked, "orders_in_drift": report.orders_in_drift,
            "findings": report.by_kind()}


def reconcile_payments(harness):
    """The product's payment reconciliation (``codi-admin marketplace reconcile-payments``) of the
    days the run made charges on: the stand-in's charges against the marketplace's payments."""
    database = Database(harness.dsn("marketplace"), pool_size=1)
    try:
        reconciler = PaymentReconciler(database, OmisePayments.from_environment(harness.platform.env),
                                       MarketUnitOfWork)
        charges = standin_charges(harness)
        days = sorted({dt.datetime.fromisoformat(c["created_at"]).astimezone(THAI_TIME).date()
                       for c in charges.values()})
        reports = [reconciler.run(day) for day in days]
    finally:
        database.close()
    findings = Counter()
    for report in reports:
        findings.update({kind: count for kind, count in report.by_kind().items() if count})
    drifted = {finding.charge_id: finding.kind for report in reports for finding in report.findings}
    return {"charges_checked": sum(r.charges_checked for r in reports), "drift": sum(findings.values()),
            "findings": dict(findings), "drifted_charges": webhook_history(harness, drifted)}


def webhook_history(harness, drifted, limit=10):
    """For the first ``limit`` drifted charges: their kind, state at the stand-in and every webhook
    delivery of their events (status and attempt): why the marketplace does not know of a payment."""
    events, offset = [], 0
    while drifted:
        page = faults.standin_get(harness, "/events", {"limit": 100, "offset": offset})
        events += page["data"]
        offset += len(page["data"])
        if not page["data"] or offset >= page["total"]:
            break
    charges = standin_charges(harness) if drifted else {}
    return [{"charge_id": charge_id, "kind": kind, "status": charges.get(charge_id, {}).get("status"),
             "order_ref": charges.get(charge_id, {}).get("metadata", {}).get("order_ref"),
             "deliveries": [(event["key"], [(d["attempt"], d["status"]) for d in event["webhook_deliveries"]])
                            for event in events if (event.get("data") or {}).get("id") == charge_id]}
            for charge_id, kind in sorted(drifted.items())[:limit]]


def webhooks_due(harness):
    """Events at the stand-in not yet delivered to the marketplace (no 2xx) with attempts left."""
    due, offset = 0, 0
    while True:
        page = faults.standin_get(harness, "/events", {"limit": 100, "offset": offset})
        due += sum(1 for event in page["data"]
                   if not any(d["status"] and 200 <= d["status"] < 300 for d in event["webhook_deliveries"])
                   and len(event["webhook_deliveries"]) < WEBHOOK_ATTEMPTS)
        offset += len(page["data"])
        if not page["data"] or offset >= page["total"]:
            return due


def standin_charges(harness):
    """{charge id: charge} of every charge at the stand-in."""
    charges, offset = {}, 0
    while True:
        page = faults.standin_get(harness, "/charges", {"limit": 100, "offset": offset})
        charges.update((charge["id"], charge) for charge in page["data"])
        offset += len(page["data"])
        if not page["data"] or offset >= page["total"]:
            return charges


def check_payments(harness, paid_events, orders):
    """Every paid order backed by money; the forgeries changed nothing; replays answered 200."""
    unbacked, paid_twice = checker.unbacked_payments(
        paid_events, orders, standin_charges(harness), harness.payments.charges, harness.payments.transfers)
    statuses = {str(row["id"]): row["payment_status"] for row in harness.query(
        "marketplace", "SELECT id, payment_status FROM orders")}
    return {"unbacked": len(unbacked), "unbacked_orders": unbacked[:20], "paid_twice": paid_twice,
            "by_method": dict(Counter((data.get("payment") or {}).get("method") for data in paid_events)),
            "webhooks": checker.webhook_verdict(harness.webhooks, lambda order_id: statuses.get(order_id)),
            "reconciliation": reconcile_payments(harness)}


def check(harness, network, rate, driven):
    """Compare the marketplace's truth with the funds ledger, the dead letters and the mail, and
    with what the workload's HTTP calls were told (``driven``: see ``checker.acknowledged_lost``)."""
    orders, refunded, paid_events, money_kept = {}, Counter(), [], Counter()
    for kind, data in events_of(harness, "marketplace", ["order.placed", "order.paid", "order.cancelled",
                                                          "order.expired", "order.refunded"]):
        order = orders.setdefault(data["order_id"], {"id": data["order_id"], "paid_at": None,
                                                     "status": "placed", "quantity": 0})
        order["quantity"] = sum(line["quantity"] for line in data["lines"] if line.get("kind", "goods") == "goods")
        order.update(total_satang=data["total_satang"], seller_org_id=data["seller_org_id"])
        if kind == "order.paid":
            order["paid_at"] = data["paid_at"]
            money_kept[data["order_id"]] += data["amount_satang"]
            paid_events.append(data)
        elif kind in ("order.cancelled", "order.expired"):
            order["status"] = kind.split(".")[1]
            money_kept[data["order_id"]] -= data.get("refunded_satang", 0)
        elif kind == "order.refunded":
            refunded[data["order_id"]] += sum(line["quantity"] for line in data["refunded_lines"])
            money_kept[data["order_id"]] -= data["amount_satang"]
    expected = checker.expected_levies(orders.values(), refunded, rate)
    # Shares and exchanges move no money: levied only where the giver's agreement lists the kind
    # (the direct seller's lists shares; the exchange owner's lists sales only).
    trades = events_of(harness, "marketplace", ["share.received", "exchange.completed"])
    for kind, data in trades:
        if kind == "share.received":
            expected[data["share_id"]] = rate * data["goods"]["quantity"]
        else:
            expected[data["exchange_id"]] = 0
    actual = {str(row["order_id"]): row["held"] for row in harness.query("funds", (
        "SELECT c.order_id, sum(e.amount_satang)::bigint AS held FROM ledger_entries e"
        " JOIN ledger_transactions t ON t.id = e.transaction_id JOIN credits c ON c.id = t.credit_id"
        " WHERE e.account = 'fund:' || c.fund_id GROUP BY c.order_id"))}
    lost, duplicated, unexpected = checker.compare(expected, actual)
    above_money = checker.levy_above_money({order: held for order, held in actual.items() if order in orders},
                                           money_kept)
    unbalanced = harness.query("funds", "SELECT count(*) AS n FROM (SELECT transaction_id FROM ledger_entries"
                                        " GROUP BY transaction_id HAVING sum(amount_satang) <> 0) AS t")[0]["n"]
    undrained = {s: harness.query(s, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL")[0]["n"]
                 for s in registry.names()}

    # Dead-lettering is publish-then-ack: a poison message whose ack was lost (connection cut, process
    # killed) is dead-lettered again when redelivered, so one poison may lie there more than once.
    poison_found, poison_copies, dead_unexpected = set(), 0, 0
    with Connection(harness.direct_amqp_uri) as connection:
        channel = connection.channel()
        for consumer in topology.SUBSCRIPTIONS:
            while (message := channel.basic_get(topology.dead_letter_queue_name(consumer))) is not None:
                has_reason = bool((message.headers or {}).get("x-dead-letter-reason"))
                if has_reason and message.body in harness.poison_bodies:
                    poison_found.add(message.body)
                    poison_copies += 1
                else:
                    dead_unexpected += 1
                channel.basic_ack(message.delivery_tag)

    levy_events, doubled_announcements = checker.levy_email_events(harness.query(
        "funds", "SELECT body FROM outbox WHERE routing_key IN ('levy.pending', 'levy.voided', 'levy.reversed')"))
    missing, duplicated_mail, resent = checker.check_emails(
        harness.mail_dir, levy_events, [network["officer"]["officer_id"]], MESSAGE_ID_DOMAIN)
    acknowledged_lost, acknowledged_examples, acknowledged = checker.acknowledged_lost(driven, events_of(
        harness, "marketplace", sorted({key for steps in checker.ACKNOWLEDGED_EVENTS.values()
                                        for key in steps.values()})))
    return {
        "orders": len(orders),
        "shares_received": sum(1 for kind, _ in trades if kind == "share.received"),
        "exchanges_completed": sum(1 for kind, _ in trades if kind == "exchange.completed"),
        "orders_paid": sum(1 for o in orders.values() if o["paid_at"]),
        "levy_expected_satang": sum(expected.values()),
        "levy_held_satang": sum(actual.values()),
        "lost": lost, "duplicated": duplicated, "unexpected": unexpected, "unbalanced": unbalanced,
        "acknowledged_steps": acknowledged, "acknowledged_lost": acknowledged_lost,
        "acknowledged_lost_examples": acknowledged_examples,
        "levy_above_money": above_money,
        "outbox_undrained": undrained,
        "dead_letters": {"poison_expected": harness.poison_published, "poison_found": len(poison_found),
                         "poison_copies": poison_copies, "unexpected": dead_unexpected},
        "emails_missing": missing, "emails_duplicated": duplicated_mail + doubled_announcements,
        "emails_resent_same_message_id": resent,
        "reconciliation": reconcile(harness, network),
        "payments": check_payments(harness, paid_events, orders),
    }


def run(seed, orders, fault_count, allow_infra=True, supports_lifecycle=True, drain_timeout=180,
        concurrency=4, pg_failovers=0, cluster=False, db_prefix="chaos"):
    """One fault run; ``cluster``: over a three-node RabbitMQ cluster of its own, up for the run only."""
    if not cluster:
        return _run(seed, orders, fault_count, allow_infra, supports_lifecycle, drain_timeout, concurrency,
                    pg_failovers, cluster, db_prefix)
    log(f"starting a three-node RabbitMQ cluster: {', '.join(node.name for node in rabbit_cluster.NODES)}")
    rabbit_cluster.up()
    try:
        return _run(seed, orders, fault_count, False, supports_lifecycle, drain_timeout, concurrency,
                    pg_failovers, cluster, db_prefix)
    finally:
        rabbit_cluster.down()
        log("RabbitMQ cluster down and deleted")


def replication(harness):
    """How the run's quorum queues stand at its end: on how many nodes each has a member."""
    queues = rabbit_cluster.quorum_queues(harness.vhost)
    return {"nodes": [node.name for node in rabbit_cluster.NODES], "quorum_queues": len(queues),
            "members": dict(Counter(len(queue["members"]) for queue in queues)),
            "leaders": dict(Counter(queue["leader"] for queue in queues))}


def _run(seed, orders, fault_count, allow_infra, supports_lifecycle, drain_timeout, concurrency, pg_failovers,
         cluster, db_prefix):
    log(f"chaos run: seed {seed}, {orders} orders, {fault_count} faults, infrastructure faults "
        f"{'on' if allow_infra else 'off'}, PostgreSQL failovers {pg_failovers or 'off'}"
        f"{', over a RabbitMQ cluster' if cluster else ''}")
    started = time.monotonic()
    work_dir = Path("var/chaos") / f"{seed}-{uuid.uuid4().hex[:6]}"
    shutil.rmtree(work_dir, ignore_errors=True)
    harness = Harness(seed, allow_infra, supports_lifecycle, work_dir, pg_failovers, cluster, db_prefix)
    try:
        harness.start_platform()
        network = set_up_network(harness.platform, stock=5 * orders + 100)  # never sold out
        harness.network = network
        rate = network["agreement"]["rate"]
        plan_rng = random.Random(seed)
        plans = [plan_order(plan_rng, supports_lifecycle) for _ in range(orders)]
        harness.restart_everything(failpoints_setting(failpoint_rate(orders)))
        harness.supervising = True
        threading.Thread(target=harness.supervise, daemon=True).start()

        progress, injected, failed, during_workload = Progress(orders), Counter(), Counter(), [0]
        fault_thread = threading.Thread(target=inject_faults, args=(
            harness, random.Random(seed + 1), fault_count, progress, injected, failed, during_workload))
        fault_thread.start()
        outcomes, retries = drive(harness, network, plans, seed, progress, concurrency)
        fault_thread.join()
        log("faults over; restarting every service without fail points and draining")
        harness.supervising = False
        harness.restart_everything(failpoints=None)
        harness.wait_drained(stall_timeout=drain_timeout)
        time.sleep(1)
        results = check(harness, network, rate, driven_steps(plans, outcomes))
        if cluster:
            results["rabbit_cluster"] = replication(harness)
    finally:
        harness.close()
    results.update({
        "seed": seed, "faults_injected": dict(injected), "faults_total": sum(injected.values()),
        "failpoint_rate": failpoint_rate(orders),
        "faults_not_injected": dict(failed), "faults_during_workload": during_workload[0],
        "process_restarts": dict(harness.restarts), "http_retries": retries,
        "duplicates_published": harness.duplicates_published,
        "orders_driven": sum(1 for order_id, _ in outcomes.values() if order_id),
        "duration_s": round(time.monotonic() - started, 1),
    })
    if pg_failovers:
        results["pg_failovers"] = harness.failovers
    results["passed"] = (
        (not cluster or set(results["rabbit_cluster"]["members"]) == {len(rabbit_cluster.NODES)})
        and results["lost"] == results["duplicated"] == results["unexpected"] == results["unbalanced"] == 0
        and results["acknowledged_lost"] == 0
        and results["levy_above_money"] == 0
        and not any(results["outbox_undrained"].values())
        and results["dead_letters"]["unexpected"] == 0
        and results["dead_letters"]["poison_found"] == results["dead_letters"]["poison_expected"]
        and results["emails_missing"] == results["emails_duplicated"] == 0
        and results["reconciliation"]["orders_in_drift"] == 0
        and results["payments"]["unbacked"] == results["payments"]["paid_twice"] == 0
        and results["payments"]["webhooks"]["forged_accepted"] == 0
        and results["payments"]["webhooks"]["unexpected_answers"] == 0
        and results["payments"]["reconciliation"]["drift"] == 0)
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=random.SystemRandom().randrange(10**6))
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--faults", type=int, default=100)
    parser.add_argument("--no-infra", action="store_true",
                        help="no broker or database restarts (they affect the whole machine)")
    parser.add_argument("--pay-only", action="store_true",
                        help="orders are only placed and paid (no delivery, cancellation or refund)")
    parser.add_argument("--concurrency", type=int, default=16, help="client threads driving orders")
    parser.add_argument("--pg-failover", action="store_true",
                        help="the databases on a PostgreSQL pair of the run's own (ports 5433, 5434), failed over")
    parser.add_argument("--failovers", type=int, default=3, help="with --pg-failover: how many of the faults")
    parser.add_argument("--rabbit-cluster", action="store_true",
                        help="over a three-node RabbitMQ cluster of the run's own, with its faults "
                             "(and none of the machine's RabbitMQ or PostgreSQL)")
    parser.add_argument("--db-prefix", default="chaos", help="the run's databases are <prefix><token>_<service>")
    args = parser.parse_args(argv)
    results = run(args.seed, args.orders, args.faults, allow_infra=not args.no_infra,
                  supports_lifecycle=not args.pay_only, concurrency=args.concurrency,
                  pg_failovers=args.failovers if args.pg_failover else 0, cluster=args.rabbit_cluster,
                  db_prefix=args.db_prefix)
    RESULTS.mkdir(exist_ok=True)
    name = "-".join(part for part, chosen in (("pg-failover", args.pg_failover), ("rabbit-cluster", args.rabbit_cluster))
                    if chosen) or "latest"
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=2, ensure_ascii=False))
    log(f"{'PASSED' if results['passed'] else 'FAILED'} (seed {args.seed}); chaos/results/{path.name}")
    return 0 if results["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
