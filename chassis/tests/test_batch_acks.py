"""Acks of one channel's deliveries (chassis.acks): a committed batch is one frame with
``multiple``, and no tag is ever acked twice or before it is settled. The broker below is a model
of RabbitMQ's rule: ``multiple`` acks every outstanding delivery up to its tag; acking a tag that is
not outstanding closes the channel."""
from hypothesis import given
from hypothesis import strategies as st

from chassis.acks import AckWindow


class Channel:
    def __init__(self):
        self.outstanding, self.settled, self.frames = set(), set(), 0

    def deliver(self, tag, window):
        self.outstanding.add(tag)
        window.received(tag)

    def send(self, acks):
        multiple, singles = acks
        if multiple is not None:
            covered = {tag for tag in self.outstanding if tag <= multiple}
            assert covered <= self.settled, f"acked unsettled deliveries {covered - self.settled}"
            self.outstanding -= covered
            self.frames += 1
        for tag in singles:
            assert tag in self.outstanding, f"tag {tag} acked twice: the broker closes the channel"
            self.outstanding.remove(tag)
            self.frames += 1


def settle(channel, window, tags):
    channel.settled |= set(tags)
    channel.send(window.settle(tags))


def test_a_batch_with_nothing_unsettled_below_is_one_ack_with_multiple():
    channel, window = Channel(), AckWindow()
    for tag in range(1, 101):
        channel.deliver(tag, window)
    assert window.settle(range(1, 51)) == (50, [])
    assert window.settle(range(51, 101)) == (100, [])


def test_deliveries_above_one_still_retrying_are_acked_one_by_one_until_it_is_settled():
    channel, window = Channel(), AckWindow()
    for tag in range(1, 7):
        channel.deliver(tag, window)
    assert window.settle([1, 2, 4]) == (2, [4])  # 3 waits for its retry
    assert window.settle([5, 6]) == (None, [5, 6])
    assert window.settle([3]) == (None, [3])
    channel.deliver(7, window)
    channel.deliver(8, window)
    assert window.settle([7, 8]) == (8, [])


def test_a_requeued_delivery_holds_nothing_back():
    window = AckWindow()
    for tag in (1, 2, 3):
        window.received(tag)
    window.forget(1)
    assert window.settle([2, 3]) == (3, [])


@given(st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=40), st.randoms())
def test_whatever_the_order_of_settling_every_settled_delivery_is_acked_exactly_once(batch_sizes, rng):
    channel, window = Channel(), AckWindow()
    tag, unsettled = 0, []
    for size in batch_sizes:
        for _ in range(size):
            tag += 1
            channel.deliver(tag, window)
            unsettled.append(tag)
        rng.shuffle(unsettled)
        settling, unsettled = unsettled[:size], unsettled[size:]
        settle(channel, window, settling)
    settle(channel, window, unsettled)
    assert channel.outstanding == set()
    assert channel.frames <= tag
