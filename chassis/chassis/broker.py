"""Publishing to RabbitMQ with publisher confirms, and the durable topology.

Every queue any service consumes from is declared from ``contracts.topology`` before
events flow, so nothing published early is dropped as unroutable.
"""
import logging
import threading

from kombu import Connection, Exchange, Producer, Queue

from contracts import topology

log = logging.getLogger(__name__)

# Quorum queues are replicated and count deliveries; after this many deliveries
# (crash loops, not handled errors) a message is dead-lettered by the broker itself.
DELIVERY_LIMIT = 50


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


class Publisher:
    """One confirmed channel per process; each publish returns once the broker has it on disk."""

    def __init__(self, amqp_uri, heartbeat=60):
        self.amqp_uri = amqp_uri
        self._connection = Connection(
            amqp_uri, heartbeat=heartbeat, transport_options={"confirm_publish": True}
        )
        self._lock = threading.Lock()
        self._producer = None

    def publish(self, body, exchange, routing_key, headers=None, message_id=None):
        with self._lock:
            if self._producer is None:
                self._producer = Producer(self._connection)
            publish = self._connection.ensure(
                self._producer, self._producer.publish, max_retries=2,
                errback=lambda exc, interval: log.warning("publish retry: %s", exc),
            )
            publish(
                body,
                exchange=exchange,
                routing_key=routing_key,
                headers=headers or {},
                message_id=message_id,
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=2,
                retry=False,
            )

    def declare_topology(self):
        with self._lock:
            self._connection.ensure_connection(max_retries=3)
            declare_topology(self._connection)

    def ping(self):
        with self._lock:
            self._connection.ensure_connection(max_retries=1)
            return self._connection.connected

    def close(self):
        with self._lock:
            self._producer = None
            self._connection.release()
