"""The chassis against the real PostgreSQL and RabbitMQ: outbox relay, inbox, Idempotency-Key."""
import concurrent.futures
import json
import uuid

import pytest
from kombu import Connection, Queue

from chassis import idempotency, inbox, outbox
from chassis.broker import Publisher, event_exchange
from chassis.db import Database
from chassis.errors import Unprocessable
from contracts import centres

pytestmark = pytest.mark.integration


@pytest.fixture
def database(config_of):
    db = Database(config_of("centres")["DATABASE_URL"], pool_size=4)
    yield db
    db.close()


def fund_snapshot():
    return {"fund_id": uuid.uuid4(), "name_th": "กองทุนทดสอบ", "place": {
        "subdistrict_code": "360101", "district_code": "3601", "province_code": "36",
        "province_group": 8, "region": "northeast"}}


@pytest.fixture
def listening_queue(amqp_uri):
    """A private queue bound to the centres exchange, to see what the relay publishes."""
    name = f"probe-{uuid.uuid4().hex[:8]}"
    with Connection(amqp_uri) as connection:
        queue = Queue(name, event_exchange(centres.FUND_REGISTERED), routing_key="#", auto_delete=False)
        queue(connection.channel()).declare()
        yield connection, name
        queue(connection.channel()).delete()


def received_ids(connection, queue_name):
    channel, ids = connection.channel(), []
    while (message := channel.basic_get(queue_name)) is not None:
        ids.append(json.loads(message.body)["event_id"])
        channel.basic_ack(message.delivery_tag)
    return ids


def test_staged_events_are_published_once_and_marked(database, amqp_uri, listening_queue):
    connection, queue_name = listening_queue
    with database.transaction() as cursor:
        staged = [outbox.stage(cursor, centres.FUND_REGISTERED, fund_snapshot()) for _ in range(3)]
    publisher = Publisher(amqp_uri)
    relay = outbox.Relay(database, publisher, batch_size=1000)
    try:
        assert relay.publish_batch() >= 3
        relay.publish_batch()
    finally:
        publisher.close()
    ids = received_ids(connection, queue_name)
    assert all(ids.count(str(event_id)) == 1 for event_id in staged)
    assert relay.backlog()[0] == 0


def test_a_rolled_back_transaction_stages_nothing(database):
    event_id = None
    with pytest.raises(RuntimeError):
        with database.transaction() as cursor:
            event_id = outbox.stage(cursor, centres.FUND_REGISTERED, fund_snapshot())
            raise RuntimeError("the business change failed")
    with database.transaction() as cursor:
        cursor.execute("SELECT 1 FROM outbox WHERE event_id = %s", (event_id,))
        assert cursor.fetchone() is None


def test_a_relay_that_dies_before_marking_republishes(database, amqp_uri, listening_queue):
    connection, queue_name = listening_queue
    with database.transaction() as cursor:
        event_id = outbox.stage(cursor, centres.FUND_REGISTERED, fund_snapshot())

    class DiesAfterPublishing(Publisher):
        def publish_batch(self, *args, **kwargs):
            super().publish_batch(*args, **kwargs)
            raise ConnectionError("process died before marking")

    dying = DiesAfterPublishing(amqp_uri)
    with pytest.raises(ConnectionError):
        outbox.Relay(database, dying).publish_batch()
    dying.close()
    publisher = Publisher(amqp_uri)
    outbox.Relay(database, publisher, batch_size=1000).publish_batch()
    publisher.close()
    assert received_ids(connection, queue_name).count(str(event_id)) == 2  # at least once, never zero


def test_the_inbox_says_first_delivery_once(database):
    event_id = uuid.uuid4()
    with database.transaction() as cursor:
        assert inbox.first_delivery(cursor, "test", event_id)
    with database.transaction() as cursor:
        assert not inbox.first_delivery(cursor, "test", event_id)
        assert inbox.first_delivery(cursor, "another consumer", event_id)


def test_an_idempotency_key_used_concurrently_runs_the_work_once(database):
    key, body, runs = str(uuid.uuid4()), {"amount": 100}, []

    def work():
        runs.append(1)
        return 201, {"id": "order-1"}

    def request():
        with database.transaction() as cursor:
            return idempotency.run(cursor, "organisation:x", key, body, work)

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: request(), range(8)))
    assert len(runs) == 1
    assert all(answer == (201, {"id": "order-1"}) for answer in answers)
    with database.transaction() as cursor, pytest.raises(Unprocessable):
        idempotency.claim(cursor, "organisation:x", key, {"amount": 999})
