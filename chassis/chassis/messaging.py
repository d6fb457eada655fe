"""Consuming events safely with nameko.

``event_consumer(EVENT)`` replaces nameko's ``event_handler``:
- the queue is the durable quorum queue declared from ``contracts.topology``;
- a body that cannot be decoded or breaks its contract goes to the dead-letter queue
  with the reason, and consumption goes on (nameko's consumer would die on it);
- a handler failing with TransientError is retried in place with exponential backoff,
  never acked and forgotten; the message stays unacked, so a crash returns it to the queue;
- any other handler error dead-letters the message with the reason, then acks it.
Dead letters go out through one confirmed ``chassis.broker.Publisher`` per container.
The handler receives a ``contracts.Event``; idempotency is the handler's transaction's job
(``chassis.inbox``; ``chassis.service`` writes the consumer methods).
"""
import logging
import random
from functools import partial

import eventlet
from marshmallow import ValidationError
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import SharedExtension
from nameko.messaging import Consumer, QueueConsumer

from chassis import failpoints, metrics
from chassis.broker import Publisher, event_queue
from chassis.errors import TransientError
from contracts import decode, topology

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0
DUPLICATE = "duplicate"  # what a consumer returns for an event it had handled already


def backoff_seconds(attempt, base=0.2, cap=MAX_BACKOFF_SECONDS):
    """Exponential backoff with full jitter: attempt 1 → up to 0.2 s, doubling to the cap."""
    return random.uniform(0, min(cap, base * 2 ** (attempt - 1)))


class SafeQueueConsumer(QueueConsumer):
    """nameko's queue consumer, except that an undecodable body is dead-lettered."""

    def get_consumers(self, consumer_cls, channel):
        consumers = super().get_consumers(consumer_cls, channel)
        for provider, consumer in self._consumers.items():
            consumer.on_decode_error = partial(provider.handle_undecodable, channel)
        return consumers


class DeadLetterPublisher(SharedExtension):
    """The container's one publisher of dead letters (its connection opens at the first one)."""

    def setup(self):
        self.publisher = Publisher(self.container.config["AMQP_URI"])

    def stop(self):
        self.publisher.close()

    def kill(self):
        self.publisher.close()

    def publish(self, message, headers):
        """Copy ``message`` as it came (body, content type and encoding) to the service's queue of
        the dead-letter exchange; returns once the broker has confirmed it."""
        self.publisher.publish(
            message.body, topology.DEAD_LETTER_EXCHANGE, self.container.service_name, headers=headers,
            message_id=message.properties.get("message_id"),
            content_type=message.content_type or "application/octet-stream",
            content_encoding=message.content_encoding or "binary")


class EventConsumer(Consumer):
    queue_consumer = SafeQueueConsumer()
    dead_letters = DeadLetterPublisher()

    def __init__(self, event_type, **kwargs):
        self.event_type = event_type
        super().__init__(queue=None, requeue_on_error=False, **kwargs)

    @property
    def service_name(self):
        return self.container.service_name

    def setup(self):
        self.queue = event_queue(self.service_name, self.event_type)
        super().setup()

    # -- receiving ---------------------------------------------------------------
    def handle_undecodable(self, channel, message, exc):
        self.dead_letter(message, f"undecodable body: {exc.__class__.__name__}: {exc}",
                         kind="undecodable")

    def handle_message(self, body, message):
        if message.delivery_info.get("redelivered"):
            metrics.REDELIVERIES.labels(self.service_name, self.event_type.key).inc()
        try:
            event = decode(self.event_type, body)
        except ValidationError as exc:
            self.dead_letter(message, f"contract violation: {exc.messages}", kind="contract")
            return
        self.spawn(event, message, attempt=1)

    def log_ids(self, worker_ctx):
        event = worker_ctx.args[0]
        return {"event_id": event.event_id, "event_type": event.type.key,
                "order_id": event.data.get("order_id")}

    def spawn(self, event, message, attempt):
        try:
            self.container.spawn_worker(
                self, (event,), {}, context_data=self.unpack_message_headers(message),
                handle_result=partial(self.handle_result, message, event, attempt),
            )
        except ContainerBeingKilled:
            self.queue_consumer.requeue_message(message)

    def handle_result(self, message, event, attempt, worker_ctx, result=None, exc_info=None):
        if exc_info is None:
            log.info("%s: finished %s", self.method_name, self.event_type.key)
            if result is not DUPLICATE:  # counted as "duplicate" already, and only so
                metrics.EVENTS_CONSUMED.labels(self.service_name, self.event_type.key, "handled").inc()
            failpoints.hit("consumer.after_commit")  # handled, not yet acked: redelivered later
            self.queue_consumer.ack_message(message)
        elif issubclass(exc_info[0], TransientError):
            delay = backoff_seconds(attempt)
            log.warning("%s: transient failure (attempt %d), retrying in %.2fs: %s",
                        self.method_name, attempt, delay, exc_info[1])
            metrics.EVENTS_CONSUMED.labels(self.service_name, self.event_type.key, "retried").inc()
            self.container.spawn_managed_thread(
                partial(self.retry_later, event, message, attempt + 1, delay))
        else:
            self.dead_letter(message, f"handler error: {exc_info[0].__name__}: {exc_info[1]}",
                             kind="handler")
        return result, exc_info

    def retry_later(self, event, message, attempt, delay):
        eventlet.sleep(delay)
        self.spawn(event, message, attempt)

    # -- dead letters ------------------------------------------------------------
    def dead_letter(self, message, reason, kind):
        """Copy the raw message to this service's dead-letter queue with the reason, then ack.

        Publish-then-ack: a crash in between leaves the message in both places, never in neither.
        """
        queue = topology.queue_name(self.service_name, self.event_type)
        log.error("dead-lettering a message from %s: %s", queue, reason)
        headers = dict(message.headers or {})
        headers.update({
            "x-dead-letter-reason": reason[:2000],
            "x-original-queue": queue,
            "x-original-exchange": message.delivery_info.get("exchange", ""),
            "x-original-routing-key": message.delivery_info.get("routing_key", ""),
        })
        self.dead_letters.publish(message, headers)
        metrics.DEAD_LETTERED.labels(self.service_name, queue, kind).inc()
        metrics.EVENTS_CONSUMED.labels(self.service_name, self.event_type.key, "dead_lettered").inc()
        self.queue_consumer.ack_message(message)


event_consumer = EventConsumer.decorator
