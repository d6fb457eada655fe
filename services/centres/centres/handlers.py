"""The centres registry's handler table. The registry is where the organisation.* and fund.* events
come from; it consumes only the marketplace's paid orders, as the trade its coverage report counts
(``contracts.topology`` agrees).

A handler reads only fields that order.paid has carried since its first version, so it takes any
version the contract accepts.
"""
from contracts import marketplace


def record_trade(uow, event):
    """A paid order: its seller traded on the marketplace (once per order, however often announced)."""
    order = event.data
    uow.trade.record(order["order_id"], order["seller_org_id"], order["paid_at"], event.event_id)


EVENT_HANDLERS = {
    marketplace.ORDER_PAID: record_trade,
}
