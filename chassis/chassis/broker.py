"""Publishing to RabbitMQ with publisher confirms, and the durable topology.

Every queue any service consumes from is declared from ``contracts.topology`` before
events flow, so nothing published early is dropped as unroutable.
"""
import logging
import threading
import time
from contextlib import contextmanager

from amqp.exceptions import MessageNacked
from kombu import Connection, Exchange, Producer, Queue

from contracts import topology

log = logging.getLogger(__name__)

# Quorum queues are replicated and count deliveries; after this many deliveries
# (crash loops, not handled errors) a message is dead-lettered by the broker itself.
DELIVERY_LIMIT = 50


def broker_addresses(amqp_uri):
    """The URLs of an AMQP_URI that names one broker or several (a cluster's nodes) separated by
    ``;``, as kombu takes them: a connection that fails goes on to the next one, round-robin."""
    return [url.strip() for url in amqp_uri.split(";") if url.strip()]


def event_exchange(event_type):
    # Same declaration as nameko's own event exchanges (durable topic).
    return Exchange(event_type.exchange, type="topic", durable=True, delivery_mode=2)


def dead_letter_exchange():
    return Exchange(topology.DEAD_LETTER_EXCHANGE, type="direct", durable=True, delivery_mode=2)


def event_queue(consumer, event_type):
    return Queue(
        topology.queue_name(consumer, event_type),
        exchange=event_exchange(event_type),
        routing_key=event_type.name,
        durable=True,
        queue_arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": DELIVERY_LIMIT,
            "x-dead-letter-exchange": topology.DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": consumer,
        },
    )


def dead_letter_queue(consumer):
    return Queue(
        topology.dead_letter_queue_name(consumer),
        exchange=dead_letter_exchange(),
        routing_key=consumer,
        durable=True,
        queue_arguments={"x-queue-type": "quorum"},
    )


def declare_topology(connection):
    """Declare every exchange, event queue and dead-letter queue (idempotent)."""
    channel = connection.channel()
    try:
        for event_type in topology.ALL_EVENTS:
            event_exchange(event_type)(channel).declare()
        dead_letter_exchange()(channel).declare()
        for consumer, event_types in topology.SUBSCRIPTIONS.items():
            dead_letter_queue(consumer)(channel).declare()
            for event_type in event_types:
                event_queue(consumer, event_type)(channel).declare()
    finally:
        channel.close()


class ConfirmWindow:
    """Publisher confirms of one channel in confirm mode, tracked by delivery tag."""

    def __init__(self, channel):
        self.channel = channel
        self.last_tag = 0
        self.unconfirmed = set()
        self.nacked = set()
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)

    def sent(self):
        self.last_tag += 1
        self.unconfirmed.add(self.last_tag)

    def _settled(self, delivery_tag, multiple):
        tags = {tag for tag in self.unconfirmed if tag <= delivery_tag} if multiple else {delivery_tag}
        self.unconfirmed -= tags
        return tags

    def _on_ack(self, delivery_tag, multiple):
        self._settled(delivery_tag, multiple)

    def _on_nack(self, delivery_tag, multiple):
        self.nacked |= self._settled(delivery_tag, multiple)


class Publisher:
    """Publishes with publisher confirms: ``publish`` one message at a time, ``publish_batch``
    many with all their confirms in flight. Either returns only once the broker has every
    message on disk, and raises otherwise."""

    def __init__(self, amqp_uri, heartbeat=60):
        addresses = broker_addresses(amqp_uri)
        self.amqp_uri = ";".join(addresses)  # kombu would take a blank between two ';' for localhost
        self.heartbeat = heartbeat
        # each (re)connection tries every node once before it gives up: one down costs no retry round
        self._tries_per_round = len(addresses)
        self._connection = Connection(
            self.amqp_uri, heartbeat=heartbeat, transport_options={"confirm_publish": True}
        )
        self._lock = threading.Lock()
        self._producer = None
        self._batch_connection = None  # its own connection: confirms awaited per batch, not per message
        self._batch_window = None

    def publish(self, body, exchange, routing_key, headers=None, message_id=None,
                content_type="application/json", content_encoding="utf-8"):
        """Publish one message; ``exchange=""`` with a queue's name as ``routing_key`` puts it on that
        queue. A body of bytes is published as it is (with its own content type and encoding)."""
        with self._lock:
            if self._producer is None:
                self._producer = Producer(self._connection)
            publish = self._connection.ensure(
                self._producer, self._producer.publish, max_retries=self._tries_per_round + 1,
                errback=lambda exc, interval: log.warning("publish retry: %s", exc),
            )
            publish(
                body,
                exchange=exchange,
                routing_key=routing_key,
                headers=headers or {},
                message_id=message_id,
                content_type=content_type,
                content_encoding=content_encoding,
                delivery_mode=2,
                retry=False,
            )

    def publish_batch(self, messages, confirm_timeout=30.0):
        """Publish ``messages`` [(body, exchange, routing_key, message_id)] with every confirm in
        flight at once; return when the broker has confirmed them all.

        Raises MessageNacked if the broker refused any, TimeoutError if it did not confirm in
        time, or the broker's error (lost connection, closed channel): then none counts as
        published (the caller publishes them all again; consumers drop duplicates). A lost
        connection is reopened and the whole batch published again once before giving up.
        """
        with self._lock:
            for attempt in (1, 2):
                connection = self._open_batch_connection()
                try:
                    return self._publish_and_confirm(connection, messages, confirm_timeout)
                except Exception as exc:
                    self._close_batch_connection()  # its channel's state is unknown: start afresh
                    lost = isinstance(exc, connection.connection_errors) and not isinstance(exc, TimeoutError)
                    if attempt == 2 or not lost:
                        raise
                    log.info("batch publisher reconnecting: %s", exc)

    def _open_batch_connection(self):
        if self._batch_connection is None:
            self._batch_connection = Connection(self.amqp_uri, heartbeat=self.heartbeat)
            self._batch_connection.ensure_connection(max_retries=self._tries_per_round)
            self._batch_window = ConfirmWindow(self._batch_connection.default_channel)
        return self._batch_connection

    def _publish_and_confirm(self, connection, messages, confirm_timeout):
        # Every earlier batch was confirmed in full or its connection closed: the window
        # holds only this batch's tags.
        window = self._batch_window
        producer = Producer(window.channel)
        for body, exchange, routing_key, message_id in messages:
            producer.publish(body, exchange=exchange, routing_key=routing_key, headers={},
                             message_id=message_id, content_type="application/json",
                             content_encoding="utf-8", delivery_mode=2, retry=False)
            window.sent()
        deadline = time.monotonic() + confirm_timeout
        while window.unconfirmed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"the broker did not confirm {len(window.unconfirmed)} messages in time")
            try:
                connection.drain_events(timeout=remaining)
            except TimeoutError:
                continue  # the deadline check above decides
        if window.nacked:
            raise MessageNacked(f"the broker refused {len(window.nacked)} of {len(messages)} messages")

    def _close_batch_connection(self):
        if self._batch_connection is not None:
            self._batch_connection.release()
        self._batch_connection = self._batch_window = None

    def declare_topology(self):
        with self._lock:
            self._connection.ensure_connection(max_retries=self._tries_per_round + 2)
            declare_topology(self._connection)

    @contextmanager
    def channel(self):
        """A channel of this publisher's connection, to get messages from a queue (``basic_get``).
        Closing it (on leaving) returns every message got and not acknowledged to its queue."""
        with self._lock:
            self._connection.ensure_connection(max_retries=self._tries_per_round)
            channel = self._connection.channel()
        try:
            yield channel
        finally:
            channel.close()

    def ping(self):
        with self._lock:
            self._connection.ensure_connection(max_retries=self._tries_per_round)
            return self._connection.connected

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        with self._lock:
            self._producer = None
            self._connection.release()
            self._close_batch_connection()
