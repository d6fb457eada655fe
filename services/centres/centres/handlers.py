"""The centres registry's handler table. The registry is where the organisation.* and fund.* events
come from; it consumes only the marketplace's trade that its coverage report counts
(``contracts.topology`` agrees): paid orders (the seller), received shares (the giver) and completed
exchanges (both sides).

``record_trade`` reads only fields that order.paid has carried since its first version, so it takes
any version the contract accepts.
"""
from contracts import marketplace


def record_trade(uow, event):
    """A paid order: its seller traded on the marketplace (once per order, however often announced)."""
    order = event.data
    uow.trade.record(order["order_id"], order["seller_org_id"], order["paid_at"], event.event_id)


def _received_at(receipts, event):
    """When the goods were received: the last receipt the event carries, or when it was told."""
    times = [receipt["received_at"] for receipt in receipts if receipt is not None]
    return max(times) if len(times) == len(receipts) else event.occurred_at


def record_share(uow, event):
    """A received share: its giver traded (the receiver gave nothing)."""
    share = event.data
    uow.trade.record_goods_trade("share", share["share_id"], [share["giver_org_id"]],
                                 _received_at([share["receipt"]], event), event.event_id)


def record_exchange(uow, event):
    """A completed exchange: both sides traded their goods."""
    exchange = event.data
    uow.trade.record_goods_trade(
        "exchange", exchange["exchange_id"], [exchange["owner_org_id"], exchange["offerer_org_id"]],
        _received_at([exchange["owner_leg"]["receipt"], exchange["offerer_leg"]["receipt"]], event),
        event.event_id)


EVENT_HANDLERS = {
    marketplace.ORDER_PAID: record_trade,
    marketplace.SHARE_RECEIVED: record_share,
    marketplace.EXCHANGE_COMPLETED: record_exchange,
}
