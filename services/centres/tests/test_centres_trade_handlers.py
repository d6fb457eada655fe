"""The trade handlers without a database: who is counted for a share and an exchange, and when."""
import datetime as dt
import uuid
from unittest import mock

from centres import handlers
from contracts import marketplace, topology

TOLD_AT = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.timezone.utc)
FIRST = dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.timezone.utc)
SECOND = FIRST + dt.timedelta(days=1)


def event(data):
    return mock.Mock(event_id=uuid.uuid4(), occurred_at=TOLD_AT, data=data)


def receipt(at):
    return {"confirmed_by": "automatic", "received_at": at}


def test_a_received_share_counts_its_giver_at_its_receipt():
    uow, giver = mock.Mock(), uuid.uuid4()
    share = event({"share_id": uuid.uuid4(), "giver_org_id": giver, "receiver_org_id": uuid.uuid4(),
                   "receipt": receipt(FIRST)})
    handlers.record_share(uow, share)
    uow.trade.record_goods_trade.assert_called_once_with(
        "share", share.data["share_id"], [giver], FIRST, share.event_id)


def test_a_share_told_without_its_receipt_counts_when_it_was_told():
    uow = mock.Mock()
    share = event({"share_id": uuid.uuid4(), "giver_org_id": uuid.uuid4(), "receiver_org_id": uuid.uuid4(),
                   "receipt": None})
    handlers.record_share(uow, share)
    assert uow.trade.record_goods_trade.call_args.args[3] == TOLD_AT


def test_a_completed_exchange_counts_both_sides_at_its_last_receipt():
    uow, owner, offerer = mock.Mock(), uuid.uuid4(), uuid.uuid4()
    exchange = event({"exchange_id": uuid.uuid4(), "owner_org_id": owner, "offerer_org_id": offerer,
                      "owner_leg": {"receipt": receipt(SECOND)}, "offerer_leg": {"receipt": receipt(FIRST)}})
    handlers.record_exchange(uow, exchange)
    uow.trade.record_goods_trade.assert_called_once_with(
        "exchange", exchange.data["exchange_id"], [owner, offerer], SECOND, exchange.event_id)
    uow = mock.Mock()
    exchange.data["offerer_leg"]["receipt"] = None  # a leg told without its receipt: when it was told
    handlers.record_exchange(uow, exchange)
    assert uow.trade.record_goods_trade.call_args.args[3] == TOLD_AT


def test_the_registry_subscribes_to_each_trade_it_handles():
    assert set(handlers.EVENT_HANDLERS) == set(topology.SUBSCRIPTIONS["centres"]) == {
        marketplace.ORDER_PAID, marketplace.SHARE_RECEIVED, marketplace.EXCHANGE_COMPLETED}
