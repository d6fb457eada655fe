"""Events produced by the marketplace: every change of an order, a share and an exchange.

The three kinds of trade the network practises (การแบ่งปัน แลกเปลี่ยน ซื้อขาย): a *sale* is an order;
a *share* gives surplus away (no money); an *exchange* swaps goods for goods (no money). Each carries
its route: where the goods come from and where they go, with provinces.
"""
from marshmallow import fields, validate

from contracts.common import Place, Satang
from contracts.envelope import EventType, Payload

LINE_KINDS = ("goods", "shipping")
DELIVERY_METHODS = ("carrier", "distribution_centre", "local_pickup")
RECEIPT_CONFIRMERS = ("buyer", "automatic", "operator")


class OrderLineV1(Payload):
    line_no = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    product_id = fields.UUID(required=True)
    product_name = fields.String(required=True)
    category = fields.String(required=True)
    unit = fields.String(required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    unit_price_satang = Satang(required=True, validate=validate.Range(min=0))


class OrderLine(OrderLineV1):
    """A line of goods, or the shipping fee as its own line (kind "shipping", no product; a levy
    agreement levies it only when it says so)."""

    kind = fields.String(required=True, validate=validate.OneOf(LINE_KINDS))
    product_id = fields.UUID(required=True, allow_none=True)  # None on the shipping line


class Destination(Place):
    """Where the goods go: the delivery subdistrict (carrier), the pickup distribution centre, or
    the seller's own place (local pickup)."""

    method = fields.String(required=True, validate=validate.OneOf(DELIVERY_METHODS))
    distribution_centre_id = fields.UUID(allow_none=True, load_default=None)
    name_th = fields.String(allow_none=True, load_default=None)  # the recipient's or centre's name


class Route(Payload):
    origin = fields.Nested(Place, required=True)             # the seller's (giver's) subdistrict
    destination = fields.Nested(Destination, required=True)


class OrderEventV1(Payload):
    order_id = fields.UUID(required=True)
    seller_org_id = fields.UUID(required=True)
    buyer_org_id = fields.UUID(required=True)
    lines = fields.List(fields.Nested(OrderLineV1), required=True, validate=validate.Length(min=1))
    total_satang = Satang(required=True, validate=validate.Range(min=0))


class OrderEvent(OrderEventV1):
    """Version 2 of every order event: lines with their kind (goods, shipping) and the route."""

    lines = fields.List(fields.Nested(OrderLine), required=True, validate=validate.Length(min=1))
    route = fields.Nested(Route, required=True)


class PaidFacts(Payload):
    payment_id = fields.UUID(required=True)
    amount_satang = Satang(required=True, validate=validate.Range(min=0))
    paid_at = fields.AwareDateTime(required=True)


class OrderPaidV1(OrderEventV1, PaidFacts):
    """order.paid version 1 (the buyer's word): still accepted while it may be in flight."""


PAYMENT_METHODS = ("provider", "direct_transfer")
CONFIRMER_KINDS = ("provider", "organisation", "operator")


class ConfirmedBy(Payload):
    kind = fields.String(required=True, validate=validate.OneOf(CONFIRMER_KINDS))
    id = fields.String(required=True, validate=validate.Length(min=1, max=200))  # provider name or UUID


class PaymentFacts(Payload):
    """How the money arrived and who, holding it, said so."""

    method = fields.String(required=True, validate=validate.OneOf(PAYMENT_METHODS))
    provider = fields.String(required=True, allow_none=True, validate=validate.OneOf(["omise"]))
    charge_id = fields.String(required=True, allow_none=True)
    reference = fields.String(required=True, validate=validate.Length(min=1, max=200))
    confirmed_by = fields.Nested(ConfirmedBy, required=True)
    received_at = fields.AwareDateTime(required=True)


class OrderPaidV2(OrderPaidV1):
    """order.paid version 2: version 1 and how it was paid and confirmed."""

    payment = fields.Nested(PaymentFacts, required=True)


class OrderPaid(OrderEvent, PaidFacts):
    """order.paid version 3: version 2 with line kinds and the route."""

    payment = fields.Nested(PaymentFacts, required=True)


class PaymentEvent(Payload):
    order_id = fields.UUID(required=True)
    seller_org_id = fields.UUID(required=True)
    buyer_org_id = fields.UUID(required=True)
    payment_id = fields.UUID(required=True)
    total_satang = Satang(required=True, validate=validate.Range(min=0))
    amount_satang = Satang(required=True, validate=validate.Range(min=0))  # what arrived
    payment = fields.Nested(PaymentFacts, required=True)


class PaymentHeld(PaymentEvent):
    difference_satang = Satang(required=True)  # received minus owed: negative when short


class PaymentRefundDue(PaymentEvent):
    reason = fields.String(required=True, validate=validate.OneOf(
        ["order_expired", "order_cancelled", "already_paid", "received_after_expiry", "held"]))


class RefundedLine(Payload):
    line_no = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


class CancelledFacts(Payload):
    reason = fields.String(allow_none=True, load_default=None)
    # what was paid and not yet refunded goes back to the buyer with the cancellation
    refund_id = fields.UUID(allow_none=True, load_default=None)  # None when nothing went back
    refunded_lines = fields.List(fields.Nested(RefundedLine), load_default=list)
    refunded_satang = Satang(load_default=0, validate=validate.Range(min=0))


class OrderCancelledV1(OrderEventV1, CancelledFacts):
    pass


class OrderCancelled(OrderEvent, CancelledFacts):
    pass


class RefundedFacts(Payload):
    refund_id = fields.UUID(required=True)
    refunded_lines = fields.List(fields.Nested(RefundedLine), required=True,
                                 validate=validate.Length(min=1))
    amount_satang = Satang(required=True, validate=validate.Range(min=0))


class OrderRefundedV1(OrderEventV1, RefundedFacts):
    pass


class OrderRefunded(OrderEvent, RefundedFacts):
    pass


class Shipment(Payload):
    """How the goods left: by a carrier with its tracking number (S10 numbers of the postal
    service are checked by their check digit), or made ready at the pickup place (no carrier)."""

    carrier = fields.String(allow_none=True, load_default=None)  # e.g. "thailand_post", "kerry", "flash"
    tracking_number = fields.String(allow_none=True, load_default=None)
    shipped_at = fields.AwareDateTime(required=True)


class OrderShipped(OrderEvent):
    shipment = fields.Nested(Shipment, required=True)


class Receipt(Payload):
    """Who said the goods arrived: the buyer, the platform after the days without a dispute
    ("automatic"), or an operator closing a dispute."""

    confirmed_by = fields.String(required=True, validate=validate.OneOf(RECEIPT_CONFIRMERS))
    received_at = fields.AwareDateTime(required=True)


class OrderDelivered(OrderEvent):
    receipt = fields.Nested(Receipt, required=True)


class Dispute(Payload):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    opened_by_org_id = fields.UUID(required=True)
    opened_at = fields.AwareDateTime(required=True)


class OrderDisputed(OrderEvent):
    dispute = fields.Nested(Dispute, required=True)


class TradeGoods(Payload):
    """Goods of a share or one side of an exchange, frozen as listed."""

    product_id = fields.UUID(required=True)
    product_name = fields.String(required=True)
    category = fields.String(required=True)
    unit = fields.String(required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))


SHARE_STATUSES = ("requested", "approved", "declined", "withdrawn", "shipped", "received")
EXCHANGE_STATUSES = ("offered", "accepted", "declined", "withdrawn", "completed")
EXCHANGE_SIDES = ("owner", "offerer")


class ShareEvent(Payload):
    """A share (การแบ่งปัน): the giver's surplus, asked for by a receiver; no money moves."""

    share_id = fields.UUID(required=True)
    giver_org_id = fields.UUID(required=True)
    receiver_org_id = fields.UUID(required=True)
    goods = fields.Nested(TradeGoods, required=True)
    route = fields.Nested(Route, required=True)
    status = fields.String(required=True, validate=validate.OneOf(SHARE_STATUSES))
    shipment = fields.Nested(Shipment, allow_none=True, load_default=None)
    receipt = fields.Nested(Receipt, allow_none=True, load_default=None)


class ExchangeLeg(Payload):
    """One side's goods of an exchange, and how far they got."""

    from_org_id = fields.UUID(required=True)
    goods = fields.Nested(TradeGoods, required=True)
    route = fields.Nested(Route, required=True)
    shipment = fields.Nested(Shipment, allow_none=True, load_default=None)
    receipt = fields.Nested(Receipt, allow_none=True, load_default=None)


class ExchangeEvent(Payload):
    """An exchange (การแลกเปลี่ยน): the offerer's goods for the owner's listing; no money moves."""

    exchange_id = fields.UUID(required=True)
    owner_org_id = fields.UUID(required=True)      # whose listing was asked for
    offerer_org_id = fields.UUID(required=True)    # who offered its own goods for it
    owner_leg = fields.Nested(ExchangeLeg, required=True)     # the listing's goods, owner → offerer
    offerer_leg = fields.Nested(ExchangeLeg, required=True)   # the offered goods, offerer → owner
    status = fields.String(required=True, validate=validate.OneOf(EXCHANGE_STATUSES))


class ExchangeLegEvent(ExchangeEvent):
    side = fields.String(required=True, validate=validate.OneOf(EXCHANGE_SIDES))  # whose goods moved


ORDER_EVENTS_V1 = {1: OrderEventV1}


ORDER_PLACED = EventType("marketplace", "order.placed", OrderEvent,
                         "An order was placed; its stock is reserved.", version=2, earlier=ORDER_EVENTS_V1)
ORDER_PAID = EventType("marketplace", "order.paid", OrderPaid,
                       "The receiving side (the payment provider, or the seller or an operator for a "
                       "direct transfer) confirmed the order's total arrived.", version=3,
                       earlier={1: OrderPaidV1, 2: OrderPaidV2})
ORDER_SHIPPED = EventType("marketplace", "order.shipped", OrderShipped,
                          "The seller shipped the order (or made it ready for pickup).", version=2,
                          earlier=ORDER_EVENTS_V1)
ORDER_DELIVERED = EventType("marketplace", "order.delivered", OrderDelivered,
                            "The order was received: confirmed by the buyer, by the platform after the "
                            "days without a dispute, or by an operator closing a dispute.", version=2,
                            earlier=ORDER_EVENTS_V1)
ORDER_DISPUTED = EventType("marketplace", "order.disputed", OrderDisputed,
                           "The buyer disputed a shipped order: no automatic receipt, the levy stays "
                           "pending until an operator closes the dispute.")
ORDER_CANCELLED = EventType("marketplace", "order.cancelled", OrderCancelled,
                            "The order was cancelled before shipment.", version=2,
                            earlier={1: OrderCancelledV1})
ORDER_EXPIRED = EventType("marketplace", "order.expired", OrderEvent,
                          "An unpaid order expired and its stock was released.", version=2,
                          earlier=ORDER_EVENTS_V1)
ORDER_REFUNDED = EventType("marketplace", "order.refunded", OrderRefunded,
                           "Part or all of a paid order was refunded.", version=2,
                           earlier={1: OrderRefundedV1})

PAYMENT_HELD = EventType("marketplace", "payment.held", PaymentHeld,
                         "Money arrived for an order, but not its total: held for an operator, the "
                         "order not paid.")
PAYMENT_REFUND_DUE = EventType("marketplace", "payment.refund_due", PaymentRefundDue,
                               "Money arrived for an order that can no longer take it (expired, "
                               "cancelled or already paid): recorded, to be given back.")

SHARE_REQUESTED = EventType("marketplace", "share.requested", ShareEvent,
                            "An organisation asked for a quantity of a shared listing; it is reserved.")
SHARE_APPROVED = EventType("marketplace", "share.approved", ShareEvent,
                           "The giver approved a share request.")
SHARE_DECLINED = EventType("marketplace", "share.declined", ShareEvent,
                           "The giver declined a share request; the reserved quantity is released.")
SHARE_WITHDRAWN = EventType("marketplace", "share.withdrawn", ShareEvent,
                            "The receiver withdrew its request before it was shipped; released.")
SHARE_SHIPPED = EventType("marketplace", "share.shipped", ShareEvent,
                          "The giver shipped the shared goods (or made them ready for pickup).")
SHARE_RECEIVED = EventType("marketplace", "share.received", ShareEvent,
                           "The shared goods were received (by the receiver's word, automatically, or "
                           "by an operator).")

EXCHANGE_OFFERED = EventType("marketplace", "exchange.offered", ExchangeEvent,
                             "An organisation offered its own goods for an exchange listing; both "
                             "quantities are reserved.")
EXCHANGE_ACCEPTED = EventType("marketplace", "exchange.accepted", ExchangeEvent,
                              "The listing's owner accepted the offer: each side ships its goods.")
EXCHANGE_DECLINED = EventType("marketplace", "exchange.declined", ExchangeEvent,
                              "The listing's owner declined the offer; both quantities are released.")
EXCHANGE_WITHDRAWN = EventType("marketplace", "exchange.withdrawn", ExchangeEvent,
                               "The offerer withdrew its offer before it was accepted; released.")
EXCHANGE_SHIPPED = EventType("marketplace", "exchange.shipped", ExchangeLegEvent,
                             "One side shipped its goods of an accepted exchange.")
EXCHANGE_RECEIVED = EventType("marketplace", "exchange.received", ExchangeLegEvent,
                              "One side's goods were received by the other side.")
EXCHANGE_COMPLETED = EventType("marketplace", "exchange.completed", ExchangeEvent,
                               "Both sides received the other's goods.")

EVENTS = [ORDER_PLACED, ORDER_PAID, ORDER_SHIPPED, ORDER_DELIVERED, ORDER_DISPUTED,
          ORDER_CANCELLED, ORDER_EXPIRED, ORDER_REFUNDED, PAYMENT_HELD, PAYMENT_REFUND_DUE,
          SHARE_REQUESTED, SHARE_APPROVED, SHARE_DECLINED, SHARE_WITHDRAWN, SHARE_SHIPPED, SHARE_RECEIVED,
          EXCHANGE_OFFERED, EXCHANGE_ACCEPTED, EXCHANGE_DECLINED, EXCHANGE_WITHDRAWN, EXCHANGE_SHIPPED,
          EXCHANGE_RECEIVED, EXCHANGE_COMPLETED]
