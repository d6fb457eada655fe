from collections import defaultdict

from chassis.broker import ConfirmWindow


class ChannelInConfirmMode:
    def __init__(self):
        self.events = defaultdict(set)
        self.confirming = False

    def confirm_select(self):
        self.confirming = True

    def confirm(self, kind, delivery_tag, multiple=False):
        for callback in self.events[kind]:
            callback(delivery_tag, multiple)


def test_acks_settle_one_tag_or_every_tag_up_to_it():
    channel = ChannelInConfirmMode()
    window = ConfirmWindow(channel)
    for _ in range(5):
        window.sent()
    assert channel.confirming and window.unconfirmed == {1, 2, 3, 4, 5}
    channel.confirm("basic_ack", 3, multiple=True)
    assert window.unconfirmed == {4, 5}
    channel.confirm("basic_ack", 5)
    assert window.unconfirmed == {4} and not window.nacked


def test_nacks_are_remembered_as_refused():
    channel = ChannelInConfirmMode()
    window = ConfirmWindow(channel)
    for _ in range(3):
        window.sent()
    channel.confirm("basic_nack", 2, multiple=True)
    channel.confirm("basic_ack", 3)
    assert window.unconfirmed == set() and window.nacked == {1, 2}
