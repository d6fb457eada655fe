"""Events produced by the marketplace: every change of an order."""
from marshmallow import fields, validate

from contracts.common import Satang
from contracts.envelope import EventType, Payload


class OrderLine(Payload):
    line_no = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    product_id = fields.UUID(required=True)
    product_name = fields.String(required=True)
    category = fields.String(required=True)
    unit = fields.String(required=True)
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    unit_price_satang = Satang(required=True, validate=validate.Range(min=0))


class OrderEvent(Payload):
    order_id = fields.UUID(required=True)
    seller_org_id = fields.UUID(required=True)
    buyer_org_id = fields.UUID(required=True)
    lines = fields.List(fields.Nested(OrderLine), required=True, validate=validate.Length(min=1))
    total_satang = Satang(required=True, validate=validate.Range(min=0))


class OrderPaidV1(OrderEvent):
    """order.paid version 1 (the buyer's word): still accepted while it may be in flight."""

    payment_id = fields.UUID(required=True)
    amount_satang = Satang(required=True, validate=validate.Range(min=0))
    paid_at = fields.AwareDateTime(required=True)


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


class OrderPaid(OrderPaidV1):
    """order.paid version 2: version 1 and how it was paid and confirmed."""

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


class OrderCancelled(OrderEvent):
    reason = fields.String(allow_none=True, load_default=None)
    # what was paid and not yet refunded goes back to the buyer with the cancellation
    refund_id = fields.UUID(allow_none=True, load_default=None)  # None when nothing went back
    refunded_lines = fields.List(fields.Nested(RefundedLine), load_default=list)
    refunded_satang = Satang(load_default=0, validate=validate.Range(min=0))


class OrderRefunded(OrderEvent):
    refund_id = fields.UUID(required=True)
    refunded_lines = fields.List(fields.Nested(RefundedLine), required=True,
                                 validate=validate.Length(min=1))
    amount_satang = Satang(required=True, validate=validate.Range(min=0))


ORDER_PLACED = EventType("marketplace", "order.placed", OrderEvent,
                         "An order was placed; its stock is reserved.")
ORDER_PAID = EventType("marketplace", "order.paid", OrderPaid,
                       "The receiving side (the payment provider, or the seller or an operator for a "
                       "direct transfer) confirmed the order's total arrived.", version=2,
                       earlier={1: OrderPaidV1})
ORDER_SHIPPED = EventType("marketplace", "order.shipped", OrderEvent,
                          "The seller shipped the order.")
ORDER_DELIVERED = EventType("marketplace", "order.delivered", OrderEvent,
                            "The order reached the buyer.")
ORDER_CANCELLED = EventType("marketplace", "order.cancelled", OrderCancelled,
                            "The order was cancelled before shipment.")
ORDER_EXPIRED = EventType("marketplace", "order.expired", OrderEvent,
                          "An unpaid order expired and its stock was released.")
ORDER_REFUNDED = EventType("marketplace", "order.refunded", OrderRefunded,
                           "Part or all of a paid order was refunded.")

PAYMENT_HELD = EventType("marketplace", "payment.held", PaymentHeld,
                         "Money arrived for an order, but not its total: held for an operator, the "
                         "order not paid.")
PAYMENT_REFUND_DUE = EventType("marketplace", "payment.refund_due", PaymentRefundDue,
                               "Money arrived for an order that can no longer take it (expired, "
                               "cancelled or already paid): recorded, to be given back.")

EVENTS = [ORDER_PLACED, ORDER_PAID, ORDER_SHIPPED, ORDER_DELIVERED,
          ORDER_CANCELLED, ORDER_EXPIRED, ORDER_REFUNDED, PAYMENT_HELD, PAYMENT_REFUND_DUE]
