"""The outbox relay against the real broker: a row counts as published only once confirmed."""
import uuid

import pytest
from amqp.exceptions import MessageNacked, NotFound
from kombu import Exchange, Queue

from chassis.broker import Publisher
from chassis.db import Database
from chassis.outbox import Relay
from devtools.testing import query

pytestmark = pytest.mark.integration


@pytest.fixture
def exchange(broker):
    exchange = Exchange(f"relay-test-{uuid.uuid4().hex[:8]}", type="topic", durable=True)
    exchange(broker.default_channel).declare()
    yield exchange
    exchange(broker.default_channel).delete()


def bind_queue(broker, exchange, **arguments):
    queue = Queue(f"{exchange.name}.q", exchange=exchange, routing_key="#", durable=True,
                  queue_arguments=arguments or None)
    queue(broker.default_channel).declare()
    return queue


def stage_rows(dsn, exchange_name, count):
    database = Database(dsn, pool_size=1)
    try:
        with database.transaction() as cursor:
            for n in range(count):
                cursor.execute("INSERT INTO outbox (event_id, exchange, routing_key, body)"
                               " VALUES (%s, %s, 'order.paid', %s)", (uuid.uuid4(), exchange_name, f'{{"n": {n}}}'))
    finally:
        database.close()


def unpublished(dsn):
    return query(dsn, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL")[0]["n"]


def drain(broker, queue):
    bodies = []
    with broker.SimpleQueue(queue) as simple:
        while True:
            try:
                message = simple.get(timeout=1)
            except simple.Empty:
                return bodies
            bodies.append(message.body)
            message.ack()


@pytest.fixture
def relay(chassis_dsn, amqp_uri):
    database, publisher = Database(chassis_dsn, pool_size=1), Publisher(amqp_uri)
    yield Relay(database, publisher, batch_size=200)
    publisher.close()
    database.close()


def test_a_batch_is_published_with_confirms_in_flight_and_then_marked(relay, chassis_dsn, broker, exchange):
    queue = bind_queue(broker, exchange)
    stage_rows(chassis_dsn, exchange.name, 150)
    assert relay.publish_batch() == 150
    assert unpublished(chassis_dsn) == 0
    assert len(drain(broker, queue)) == 150


def test_a_nacked_message_leaves_the_whole_batch_unpublished_until_it_is_republished(
        relay, chassis_dsn, broker, exchange):
    full = bind_queue(broker, exchange, **{"x-max-length": 1, "x-overflow": "reject-publish"})
    stage_rows(chassis_dsn, exchange.name, 3)
    with pytest.raises(MessageNacked):
        relay.publish_batch()
    assert unpublished(chassis_dsn) == 3

    full(broker.default_channel).delete()
    roomy = bind_queue(broker, exchange)
    assert relay.publish_batch() == 3
    assert unpublished(chassis_dsn) == 0
    assert len(drain(broker, roomy)) == 3


def test_a_lost_connection_leaves_the_batch_unpublished(relay, chassis_dsn, exchange):
    class BrokerGone:
        def publish_batch(self, messages):
            raise ConnectionResetError("connection reset by peer")

    stage_rows(chassis_dsn, exchange.name, 5)
    relay.publisher = BrokerGone()
    with pytest.raises(ConnectionResetError):
        relay.publish_batch()
    assert unpublished(chassis_dsn) == 5


def test_a_connection_closed_by_the_broker_is_reopened_for_the_next_batch(amqp_uri, broker, exchange):
    queue = bind_queue(broker, exchange)
    publisher = Publisher(amqp_uri)
    try:
        publisher.publish_batch([("{}", exchange.name, "order.paid", str(uuid.uuid4()))])
        publisher._batch_connection.connection.sock.close()  # as if the broker went away
        publisher.publish_batch([("{}", exchange.name, "order.paid", str(uuid.uuid4()))])
    finally:
        publisher.close()
    assert len(drain(broker, queue)) == 2


def test_a_channel_closed_by_the_broker_fails_the_batch_and_the_next_one_works(amqp_uri, broker, exchange):
    queue = bind_queue(broker, exchange)
    publisher = Publisher(amqp_uri)
    try:
        with pytest.raises(NotFound):
            publisher.publish_batch([("{}", "no-such-exchange", "order.paid", str(uuid.uuid4()))])
        publisher.publish_batch([("{}", exchange.name, "order.paid", str(uuid.uuid4()))])
    finally:
        publisher.close()
    assert len(drain(broker, queue)) == 1
