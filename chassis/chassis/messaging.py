"""Consuming events safely with nameko, in batches.

``event_consumer(EVENT)`` replaces nameko's ``event_handler``:
- the queue is the durable quorum queue declared from ``contracts.topology``, read on a channel of
  the consumer's own with a prefetch of two batches;
- deliveries are gathered into a batch, closed by size (``consumer_batch_size``) or by time
  (``consumer_batch_linger_ms`` after its first message), and one worker handles the whole batch in
  one database transaction (``chassis.inbox.handle_batch``: each event in a savepoint of its own);
  one batch is in flight at a time and the next one fills meanwhile;
- after the commit, one ack with ``multiple`` settles the batch (``chassis.acks``);
- an event whose handler failed is isolated: the rest of its batch commits; a TransientError
  retries it alone in place with exponential backoff (never acked and forgotten: a crash returns it
  to the queue); any other error dead-letters it with the reason, then acks it; a batch whose
  transaction failed as a whole is retried (transient) or handled again event by event (otherwise);
- a body that cannot be decoded or breaks its contract goes to the dead-letter queue with the
  reason, and consumption goes on (nameko's consumer would die on it).
Dead letters go out through one confirmed ``chassis.broker.Publisher`` per container.
"""
import logging
import random
import time
from collections import namedtuple
from functools import partial

import eventlet
from eventlet.event import Event
from eventlet.queue import Empty, LightQueue
from kombu.messaging import Consumer as KombuConsumer
from marshmallow import ValidationError
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import SharedExtension
from nameko.messaging import Consumer, QueueConsumer

from chassis import failpoints, metrics
from chassis.acks import AckWindow
from chassis.broker import Publisher, event_queue
from chassis.command import address
from chassis.dependencies import Bootstrapped
from chassis.errors import TransientError
from chassis.inbox import DUPLICATE, HANDLED, event_log_ids
from contracts import decode, topology

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 30.0

Delivery = namedtuple("Delivery", "event message")
STOP = object()  # ends the batching loop once the entrypoint has stopped


def backoff_seconds(attempt, base=0.2, cap=MAX_BACKOFF_SECONDS):
    """Exponential backoff with full jitter: attempt 1 → up to 0.2 s, doubling to the cap."""
    return random.uniform(0, min(cap, base * 2 ** (attempt - 1)))


class SafeQueueConsumer(QueueConsumer):
    """nameko's queue consumer, except that every event consumer reads on a channel of its own with
    its own prefetch (an ack with ``multiple`` then settles only that consumer's deliveries) and
    that an undecodable body is dead-lettered."""

    def get_consumers(self, consumer_cls, channel):
        for provider in self._providers:
            own_channel = channel.connection.channel()
            consumer = KombuConsumer(
                own_channel, queues=[provider.queue], accept=self.accept,
                callbacks=[partial(self.handle_message, provider)],
                on_decode_error=partial(provider.handle_undecodable, own_channel))
            consumer.qos(prefetch_count=provider.prefetch_count)
            self._consumers[provider] = consumer
        return self._consumers.values()

    def on_connection_error(self, exc, interval):
        # nameko's own warning hides the password of the first broker address only
        log.warning("Error connecting to broker at %s (%s). Retrying in %s seconds.",
                    address(self.amqp_uri), exc, interval)


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
    bootstrapped = Bootstrapped()

    def __init__(self, event_type, **kwargs):
        self.event_type = event_type
        super().__init__(queue=None, requeue_on_error=False, **kwargs)

    @property
    def service_name(self):
        return self.container.service_name

    def setup(self):
        settings = self.bootstrapped.app().settings
        self.batch_size = settings.consumer_batch_size
        if self.batch_size < 1:
            raise ValueError("CONSUMER_BATCH_SIZE ต้องเป็นจำนวนเต็มบวก (must be a positive integer)")
        self.linger_seconds = settings.consumer_batch_linger_ms / 1000
        self.prefetch_count = 2 * self.batch_size
        self.arrived = LightQueue()
        self.windows = {}  # channel → its AckWindow (a reconnection brings a new channel)
        self.queue = event_queue(self.service_name, self.event_type)
        super().setup()

    def start(self):
        super().start()
        self.container.spawn_managed_thread(self.run_batches, identifier=f"{self.method_name}.batches")

    def stop(self):
        super().stop()  # no more deliveries; those not yet in a batch go back to the queue unacked
        self.arrived.put(STOP)

    # -- receiving ---------------------------------------------------------------
    def window(self, channel):
        window = self.windows.get(channel)
        if window is None:
            self.windows = {known: w for known, w in self.windows.items() if known.is_open}
            window = self.windows[channel] = AckWindow()
        return window

    def handle_undecodable(self, channel, message, exc):
        self.window(channel).received(message.delivery_tag)
        self.dead_letter(message, f"undecodable body: {exc.__class__.__name__}: {exc}", kind="undecodable")
        self.ack([message])

    def handle_message(self, body, message):
        # First, before anything that yields: every delivery below a tag being settled is known
        self.window(message.channel).received(message.delivery_tag)
        if message.delivery_info.get("redelivered"):
            metrics.REDELIVERIES.labels(self.service_name, self.event_type.key).inc()
        try:
            event = decode(self.event_type, body)
        except ValidationError as exc:
            self.dead_letter(message, f"contract violation: {exc.messages}", kind="contract")
            self.ack([message])
            return
        self.arrived.put(Delivery(event, message))

    def run_batches(self):
        """Gather a batch, hand it to one worker, wait until its commit is settled; again."""
        while (first := self.arrived.get()) is not STOP:
            batch = [first]
            deadline = time.monotonic() + self.linger_seconds
            while len(batch) < self.batch_size:
                remaining = deadline - time.monotonic()
                try:
                    delivery = self.arrived.get(timeout=remaining) if remaining > 0 else self.arrived.get_nowait()
                except Empty:
                    break
                if delivery is STOP:
                    self.arrived.put(STOP)
                    break
                batch.append(delivery)
            settled = Event()
            self.spawn(batch, attempt=1, settled=settled)
            settled.wait()

    def log_ids(self, worker_ctx):
        [events] = worker_ctx.args
        if len(events) == 1:
            return event_log_ids(events[0])
        return {"event_type": self.event_type.key, "batch_size": len(events)}

    def spawn(self, batch, attempt, settled=None):
        try:
            self.container.spawn_worker(
                self, ([delivery.event for delivery in batch],), {},
                context_data=self.unpack_message_headers(batch[0].message),
                handle_result=partial(self.handle_result, batch, attempt, settled),
            )
        except ContainerBeingKilled:
            self.requeue(batch)
            if settled is not None:
                settled.send()

    # -- after the worker --------------------------------------------------------
    def handle_result(self, batch, attempt, settled, worker_ctx, result=None, exc_info=None):
        try:
            if exc_info is None:
                self.settle(batch, result, attempt)
            elif issubclass(exc_info[0], TransientError):
                self.retry_later(batch, attempt, exc_info[1])
            elif len(batch) > 1:  # not one event's failure: find which, each alone
                log.warning("%s: a batch of %d failed (%s: %s); handling its events one by one",
                            self.method_name, len(batch), exc_info[0].__name__, exc_info[1])
                for delivery in batch:
                    self.container.spawn_managed_thread(partial(self.spawn, [delivery], attempt))
            else:
                self.dead_letter(batch[0].message, f"handler error: {exc_info[0].__name__}: {exc_info[1]}",
                                 kind="handler")
                self.ack([batch[0].message])
        finally:
            if settled is not None:
                settled.send()
        return result, exc_info

    def settle(self, batch, outcomes, attempt):
        """The batch has committed: count, dead-letter the refused, ack, retry the transient."""
        done, transient, reasons = [], [], []
        for delivery, outcome in zip(batch, outcomes):
            if outcome is HANDLED or outcome is DUPLICATE:
                metrics.EVENTS_CONSUMED.labels(self.service_name, self.event_type.key, outcome).inc()
                done.append(delivery.message)
            elif outcome.transient:
                transient.append(delivery)
                reasons.append(outcome.reason)
            else:
                self.dead_letter(delivery.message, f"handler error: {outcome.reason}", kind="handler")
                done.append(delivery.message)
        log.debug("%s: a batch of %d settled", self.method_name, len(batch))
        failpoints.hit("consumer.after_commit")  # committed, not yet acked: redelivered later
        self.ack(done)
        if transient:
            self.retry_later(transient, attempt, "; ".join(reasons))

    def retry_later(self, batch, attempt, reason):
        delay = backoff_seconds(attempt)
        log.warning("%s: transient failure of %d event(s) (attempt %d), retrying in %.2fs: %s",
                    self.method_name, len(batch), attempt, delay, reason)
        metrics.EVENTS_CONSUMED.labels(self.service_name, self.event_type.key, "retried").inc(len(batch))
        self.container.spawn_managed_thread(partial(self._retry, batch, attempt + 1, delay))

    def _retry(self, batch, attempt, delay):
        eventlet.sleep(delay)
        self.spawn(batch, attempt)

    def ack(self, messages):
        """Ack ``messages`` (settled): one frame with ``multiple`` where nothing below is unsettled.
        A message whose connection is gone is not acked: the broker has taken it back already."""
        by_channel = {}
        for message in messages:
            by_channel.setdefault(message.channel, {})[message.delivery_tag] = message
        for channel, by_tag in by_channel.items():
            multiple, singles = self.window(channel).settle(by_tag)
            if not channel.connection:
                continue
            try:
                if multiple is not None:
                    by_tag[multiple].ack(multiple=True)
                for tag in singles:
                    by_tag[tag].ack()
            except ConnectionError:
                pass  # the connection closed meanwhile: the broker redelivers, the inbox drops them

    def requeue(self, batch):
        for delivery in batch:
            self.window(delivery.message.channel).forget(delivery.message.delivery_tag)
            self.queue_consumer.requeue_message(delivery.message)

    # -- dead letters ------------------------------------------------------------
    def dead_letter(self, message, reason, kind):
        """Copy the raw message to this service's dead-letter queue with the reason; the caller acks
        it afterwards. Publish-then-ack: a crash in between leaves the message in both places, never
        in neither."""
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


event_consumer = EventConsumer.decorator
