"""The batching consumer entrypoint (chassis.messaging) against the real broker and database: a
burst is handled in few transactions and acked with ``multiple``; a poison event in a batch is
dead-lettered alone; a transient failure is retried alone; nothing is handled twice."""
import datetime as dt
import uuid
from unittest import mock

import amqp
import pytest
from kombu import Connection

from chassis.app import App, bind_handlers
from chassis.broker import Publisher
from chassis.errors import TransientError
from chassis.service import PlatformService
from chassis.settings import PlatformSettings
from chassis.uow import UnitOfWork
from contracts import encode, marketplace, topology
from devtools import samples
from devtools.scenario import eventually
from devtools.testing import query

pytestmark = pytest.mark.integration

POISON_SATANG, NOT_YET_SATANG = 13, 17
handled, refused_once = [], set()


def record(uow, event):
    """Poison: always fails; not yet: fails once as transient (like an officer not known yet)."""
    if event.data["total_satang"] == POISON_SATANG:
        raise ValueError("poison")
    if event.data["total_satang"] == NOT_YET_SATANG and event.event_id not in refused_once:
        refused_once.add(event.event_id)
        raise TransientError("not known yet")
    uow.after_commit(lambda: handled.append(event.event_id))


class BatchProbe(PlatformService):
    """Consumes funds' queue of paid orders, on funds' database (its inbox and outbox)."""
    name = "funds"
    event_handlers = {marketplace.ORDER_PAID: record}

    @staticmethod
    def bootstrap(config):
        return App(PlatformSettings.from_config(config), UnitOfWork, bind_handlers(BatchProbe.event_handlers))


def paid(total_satang):
    now = dt.datetime.now(dt.timezone.utc)
    return {
        "order_id": uuid.uuid4(), "seller_org_id": uuid.uuid4(), "buyer_org_id": uuid.uuid4(),
        "lines": [{"line_no": 1, "kind": "goods", "product_id": uuid.uuid4(), "product_name": "ข้าวหอมมะลิ",
                   "category": "rice", "unit": "ถุง", "quantity": 1, "unit_price_satang": total_satang}],
        "route": samples.route(), "total_satang": total_satang, "payment_id": uuid.uuid4(),
        "amount_satang": total_satang, "paid_at": now, "payment": {
            "method": "provider", "provider": "omise", "charge_id": "chrg_test_batches",
            "reference": "CODI-BATCHES", "confirmed_by": {"kind": "provider", "id": "omise"}, "received_at": now}}


def queue_depths(amqp_uri, *names):
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        return [channel.queue_declare(name, passive=True).message_count for name in names]


def test_a_burst_is_batched_acked_with_multiple_and_its_failures_isolated(
        run_container, config_of, empty_vhost):
    handled.clear()
    refused_once.clear()
    config = config_of("funds", AMQP_URI=empty_vhost, CONSUMER_BATCH_SIZE="50", CONSUMER_BATCH_LINGER_MS="50")
    totals = [25000] * 110 + [POISON_SATANG, NOT_YET_SATANG]
    with Publisher(empty_vhost) as publisher:
        publisher.declare_topology()
        encoded = [encode(marketplace.ORDER_PAID, paid(total)) for total in totals]
        encoded.append(encoded[0])  # a second copy of the first
        publisher.publish_batch([(body, marketplace.ORDER_PAID.exchange, marketplace.ORDER_PAID.name, str(event_id))
                                 for event_id, body in encoded])
    published = [event_id for event_id, _ in encoded]
    poison_id, not_yet_id = published[-3:-1]

    acks = []
    basic_ack = amqp.Channel.basic_ack

    def counted(channel, delivery_tag, multiple=False, **kwargs):
        acks.append(multiple)
        return basic_ack(channel, delivery_tag, multiple=multiple, **kwargs)

    queue = topology.queue_name("funds", marketplace.ORDER_PAID)
    dead_letters = topology.dead_letter_queue_name("funds")
    with mock.patch.object(amqp.Channel, "basic_ack", counted):
        container = run_container(BatchProbe, config)
        eventually("every good event handled", lambda: len(handled) == len(totals) - 1, timeout=30)
        container.stop()  # an unacked delivery would now be back in the queue
    assert queue_depths(empty_vhost, queue) == [0]

    assert sorted(handled) == sorted(set(published) - {poison_id})  # once each: the copy was a duplicate
    assert not_yet_id in refused_once and handled.count(not_yet_id) == 1
    assert queue_depths(empty_vhost, dead_letters) == [1]
    rows = query(config["DATABASE_URL"], "SELECT event_id FROM inbox WHERE consumer = 'on_order_paid' "
                                         "AND event_id = ANY(%s::uuid[])", ([str(i) for i in published],))
    assert {row["event_id"] for row in rows} == set(published) - {poison_id}
    print(f"{len(published)} deliveries, {len(acks)} acks, {acks.count(True)} with multiple")
    assert acks.count(True) >= 1 and len(acks) <= len(published) // 5, acks  # batches, not one ack each
