"""The faults, each a function of (harness, random generator); they return a short description.

Process faults touch only this run's processes. Infrastructure faults (broker and database restarts,
the memory alarm) touch the machine's RabbitMQ and PostgreSQL, so they run only when allowed.
Webhook faults send the marketplace's Omise webhook what an attacker or a confused network would:
forgeries (a bad signature, a stale timestamp, a valid signature over another order's charge, a
charge.complete for a charge still pending) and real events sent again. Each is recorded in
``harness.webhooks`` (``chaos.checker.WebhookLedger``) with the order that must stay unpaid.
"""
import base64
import datetime as dt
import json
import os
import secrets
import signal
import subprocess
import time

import requests
from kombu import Connection

import psycopg2

from chaos import workload
from devtools import omise_standin
from devtools.platform import OMISE_WEBHOOK_PATH

STALE_SECONDS = 3600  # Omise's signatures are trusted for 5 minutes here


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
    return f"cut {sum(proxy.cut() for proxy in harness.broker_proxies)} broker sockets"


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


# -- webhooks -----------------------------------------------------------------------------

def standin_get(harness, path, params=None):
    env = harness.platform.env
    response = requests.get(env["OMISE_API_URL"] + path, params=params, auth=(env["OMISE_SECRET_KEY"], ""),
                            timeout=10)
    response.raise_for_status()
    return response.json()


def send_webhook(harness, body, timestamp=None, secret=None, signature=None, final=()):
    """The marketplace's answer (its status) to a webhook of ``body`` signed with ``secret`` (the
    real one by default) at ``timestamp`` (now by default); a 5xx (but those ``final``) or no answer
    is sent again."""
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    if signature is None:
        signature = omise_standin.signature(secret or harness.platform.env["OMISE_WEBHOOK_SECRET"], timestamp,
                                            body)
    headers = {"Content-Type": "application/json", "Omise-Signature": signature,
               "Omise-Signature-Timestamp": timestamp}
    status, _ = harness.client.retrying("webhook", lambda: requests.post(
        harness.platform.url("marketplace", OMISE_WEBHOOK_PATH), data=body, headers=headers, timeout=10), final)
    return status


def charge_complete(charge, **changes):
    """A charge.complete event as Omise's webhook carries it, about ``charge`` (changed as given)."""
    data = {**charge, **changes}
    return json.dumps({"object": "event", "id": omise_standin.new_id("evnt"), "livemode": False,
                       "key": "charge.complete", "data": data,
                       "created_at": omise_standin.iso(dt.datetime.now(dt.timezone.utc))}).encode()


def victim(harness):
    """An order of the fault's own, with its pending provider charge: it must stay unpaid."""
    client, network = harness.client, harness.network
    status, order = workload.place(client, network, bags=1)
    if status != 201:
        raise RuntimeError(f"could not place the victim order: {status} {order}")
    request = client.payment_request(order["id"], network["buyer_token"])
    harness.payments.issued(order["id"], request["charge_id"])
    return order, standin_get(harness, f"/charges/{request['charge_id']}")


def paid_order(harness):
    """Early in a run nothing may be paid yet: an order of the fault's own, paid through the stand-in."""
    client, network = harness.client, harness.network
    status, order = workload.place(client, network, bags=1)
    if status != 201:
        raise RuntimeError(f"could not place an order to pay: {status} {order}")
    workload.pay(client, network, harness.payments, order, "provider")


def delivered_events(harness):
    return [event for event in standin_get(harness, "/events", {"limit": 100, "order": "reverse_chronological"})["data"]
            if event["key"] in ("charge.complete", "refund.create")
            and any(d["status"] == 200 for d in event["webhook_deliveries"])]


def paid_as_if(charge, order_ref=None):
    return {"status": "successful", "paid": True, "paid_at": omise_standin.iso(dt.datetime.now(dt.timezone.utc)),
            "metadata": {**charge.get("metadata", {}), **({"order_ref": order_ref} if order_ref else {})}}


def forged_bad_signature(harness, rng):
    order, charge = victim(harness)
    body = charge_complete(charge, **paid_as_if(charge))
    wrong = base64.b64encode(secrets.token_bytes(32)).decode()
    how = rng.choice(["another secret", "no signature", "the signature of another body"])
    signature = {"another secret": None, "no signature": "",
                 "the signature of another body": omise_standin.signature(
                     harness.platform.env["OMISE_WEBHOOK_SECRET"], str(int(time.time())), body + b" ")}[how]
    status = send_webhook(harness, body, secret=wrong, signature=signature)
    harness.webhooks.forged("bad_signature", status, order["id"])
    return f"charge.complete for {order['id']} with {how}: {status}"


def forged_stale_timestamp(harness, rng):
    order, charge = victim(harness)
    body = charge_complete(charge, **paid_as_if(charge))
    status = send_webhook(harness, body, timestamp=int(time.time()) - STALE_SECONDS - rng.randint(0, 600))
    harness.webhooks.forged("stale_timestamp", status, order["id"])
    return f"charge.complete for {order['id']} signed over an hour ago: {status}"


def forged_other_orders_charge(harness, rng):
    """A validly signed charge.complete naming a paid charge of another order, its metadata
    rewritten to the victim's reference: the charge fetched back is the other order's."""
    order, charge = victim(harness)

    def paid():
        return [c for c in standin_get(harness, "/charges", {"limit": 100, "order": "reverse_chronological"})["data"]
                if c["status"] == "successful"]

    if not paid():
        paid_order(harness)
    other = rng.choice(paid())
    body = charge_complete(other, amount=charge["amount"], metadata={"order_ref": charge["metadata"]["order_ref"]})
    status = send_webhook(harness, body)
    harness.webhooks.forged("other_orders_charge", status, order["id"])
    return f"charge.complete of {other['id']} claimed for {order['id']}: {status}"


def forged_unpaid_charge(harness, rng):
    """A validly signed charge.complete saying the victim's charge is paid; it is still pending, so
    the marketplace answers 503 (tell again later), which is the answer sought, not a reason to resend.
    Whatever answered, the checker's verdict rests on the victim staying unpaid."""
    order, charge = victim(harness)
    status = send_webhook(harness, charge_complete(charge, **paid_as_if(charge)), final=(503,))
    harness.webhooks.forged("unpaid_charge", status, order["id"])
    return f"charge.complete for the pending charge of {order['id']}: {status}"


def replay_webhooks(harness, rng):
    """A real event the stand-in delivered, sent again several times (signed afresh, as Omise's
    own redeliveries are): each is verified, and changes nothing."""
    if not delivered_events(harness):
        paid_order(harness)
    event = rng.choice(delivered_events(harness))
    body = json.dumps(event).encode()
    times = rng.randint(2, 5)
    statuses = [send_webhook(harness, body) for _ in range(times)]
    harness.webhooks.replayed(event["key"], statuses)
    return f"{event['key']} {event['id']} sent {times} more times: {statuses}"


PROCESS_FAULTS = {
    "kill_service": kill_service,
    "pause_consumer": pause_consumer,
    "cut_broker_connections": cut_broker_connections,
    "cut_database_connections": cut_database_connections,
    "terminate_backends": terminate_backends,
    "publish_duplicates": publish_duplicates,
    "publish_poison": publish_poison,
    "forged_bad_signature": forged_bad_signature,
    "forged_stale_timestamp": forged_stale_timestamp,
    "forged_other_orders_charge": forged_other_orders_charge,
    "forged_unpaid_charge": forged_unpaid_charge,
    "replay_webhooks": replay_webhooks,
}
INFRA_FAULTS = {
    "memory_alarm": memory_alarm,
    "restart_broker_app": restart_broker_app,
    "kill_broker": kill_broker,
    "restart_database": restart_database,
}
