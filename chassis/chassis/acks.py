"""Which acks to send for the deliveries of one AMQP channel once some of them are settled.

An ack with ``multiple`` settles every outstanding delivery up to its tag, so it is sent only when
no delivery below that tag is still unsettled (being handled, or waiting for a retry); settled
deliveries above an unsettled one are acked one by one instead. A tag is thus never acked twice
(the broker would close the channel), and one frame acks a whole committed batch.
Plain Python: the consumer entrypoint (``chassis.messaging``) owns one per channel.
"""


class AckWindow:
    def __init__(self):
        self.unsettled = set()

    def received(self, tag):
        self.unsettled.add(tag)

    def forget(self, tag):
        """A delivery given back to the broker (requeued) needs no ack."""
        self.unsettled.discard(tag)

    def settle(self, tags):
        """Mark ``tags`` settled; returns (the tag to ack with ``multiple``, or None; the tags to
        ack one by one)."""
        tags = set(tags) & self.unsettled
        self.unsettled -= tags
        floor = min(self.unsettled, default=None)
        below = [tag for tag in tags if floor is None or tag < floor]
        singles = sorted(tags.difference(below))
        if len(below) == 1:
            return None, sorted(below) + singles
        return (max(below) if below else None), singles
