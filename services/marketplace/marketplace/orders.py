"""Orders: domain logic with no I/O of its own.

An order has three independent state axes, as commerce systems keep them:
status (placed → confirmed → completed | cancelled | expired), payment status
(unpaid → paid → partially_refunded → refunded, or unpaid → held_for_review when money of the
wrong amount arrived) and fulfilment status (unfulfilled → shipped → delivered). Only the side
that received the money pays an order (``marketplace.collection``). Lines freeze the product's name, unit and price at
placement. Every change records exactly one event; an illegal transition raises Conflict
and records nothing.
"""
import datetime as dt
import uuid
from dataclasses import dataclass, field

from chassis.errors import Conflict, Forbidden, InvalidInput, NotFound, Unprocessable
from contracts import marketplace as events

from marketplace import delivery

STATUSES = ("placed", "confirmed", "completed", "cancelled", "expired")
REFUNDABLE_PAYMENTS = ("paid", "partially_refunded")


@dataclass
class Line:
    line_no: int
    product_id: uuid.UUID  # None on a shipping line
    product_name: str
    category: str
    unit: str
    quantity: int
    unit_price_satang: int
    kind: str = "goods"

    @property
    def value_satang(self):
        return self.quantity * self.unit_price_satang


@dataclass
class Order:
    id: uuid.UUID
    seller_org_id: uuid.UUID
    buyer_org_id: uuid.UUID
    ship_to: dict
    lines: list
    placed_at: dt.datetime
    expires_at: dt.datetime
    route: dict  # contracts.marketplace.Route: from the seller's subdistrict to where the goods go
    status: str = "placed"
    payment_status: str = "unpaid"
    fulfilment_status: str = "unfulfilled"
    paid_at: dt.datetime = None
    cancel_reason: str = None
    refunded: dict = field(default_factory=dict)  # line_no → quantity refunded so far
    # line_no → quantity of refunds asked of the payment provider, not yet confirmed by it
    pending_refunds: dict = field(default_factory=dict)
    cancellation_pending: bool = False  # cancelled once the provider confirms its refund
    shipment: dict = None  # contracts.marketplace.Shipment, once shipped
    receipt: dict = None   # contracts.marketplace.Receipt, once received
    # contracts.marketplace.Dispute, once the buyer disputed; with "outcome" and "resolved_at"
    # once an operator resolved it
    dispute: dict = None
    events: list = field(default_factory=list, repr=False)

    @property
    def total_satang(self):
        return sum(line.value_satang for line in self.lines)

    @property
    def refunded_satang(self):
        return sum(self.refunded.get(line.line_no, 0) * line.unit_price_satang for line in self.lines)

    def event_data(self):
        return {
            "order_id": self.id,
            "seller_org_id": self.seller_org_id,
            "buyer_org_id": self.buyer_org_id,
            "lines": [vars(line) for line in self.lines],
            "total_satang": self.total_satang,
            "route": self.route,
        }

    def _illegal(self, action_th, action_en):
        return Conflict(
            f"{action_th}ไม่ได้ในสถานะ {self.status}/{self.payment_status}/{self.fulfilment_status} "
            f"(order cannot be {action_en} in its current state)",
            status=self.status, payment_status=self.payment_status,
            fulfilment_status=self.fulfilment_status)

    @property
    def awaiting_payment(self):
        return self.status == "placed" and self.payment_status == "unpaid"

    def pay(self, payment_id, payment, now):
        """The receiving side confirmed the whole total arrived: ``payment`` says how and who
        (contracts.marketplace.PaymentFacts)."""
        if not self.awaiting_payment:
            raise self._illegal("ชำระเงิน", "paid")
        self.status, self.payment_status, self.paid_at = "confirmed", "paid", now
        self.events.append((events.ORDER_PAID, {
            **self.event_data(), "payment_id": payment_id, "amount_satang": self.total_satang,
            "paid_at": now, "payment": payment}))

    def hold_for_review(self):
        """Money of another amount arrived: never paid; an operator looks at it."""
        if not self.awaiting_payment:
            raise self._illegal("พักการชำระเงิน", "held for review")
        self.payment_status = "held_for_review"

    def ship(self, shipment):
        """The seller sent the goods (or made them ready for pickup): ``shipment`` is
        contracts.marketplace.Shipment."""
        if (self.status != "confirmed" or self.fulfilment_status != "unfulfilled"
                or self.payment_status not in REFUNDABLE_PAYMENTS or self.cancellation_pending):
            raise self._illegal("จัดส่ง", "shipped")
        self.fulfilment_status, self.shipment = "shipped", shipment
        self.events.append((events.ORDER_SHIPPED, {**self.event_data(), "shipment": shipment}))

    def deliver(self, receipt):
        """The goods were received, by the word of ``receipt["confirmed_by"]`` (the buyer, the
        platform after the days without a dispute, or an operator): never the seller's. A disputed
        order is received only by an operator's resolution (:meth:`resolve_dispute`)."""
        if self.dispute is not None:
            raise self._illegal("ยืนยันการรับสินค้าของคำสั่งซื้อที่มีข้อโต้แย้ง", "received while disputed")
        self._deliver(receipt)

    def _deliver(self, receipt):
        if self.status != "confirmed" or self.fulfilment_status != "shipped":
            raise self._illegal("ยืนยันการรับสินค้า", "received")
        self.status, self.fulfilment_status, self.receipt = "completed", "delivered", receipt
        self.events.append((events.ORDER_DELIVERED, {**self.event_data(), "receipt": receipt}))

    def receivable_automatically(self, now, after):
        """Whether the platform may confirm receipt: shipped at least ``after`` ago, not received
        and never disputed."""
        return (self.status == "confirmed" and self.fulfilment_status == "shipped" and self.dispute is None
                and self.shipment is not None and self.shipment["shipped_at"] <= now - after)

    def open_dispute(self, dispute):
        """The buyer says the goods did not arrive as they should: shipped, not yet received, and
        once only. No automatic receipt follows; the levy waits for an operator's resolution."""
        if self.status != "confirmed" or self.fulfilment_status != "shipped" or self.dispute is not None:
            raise self._illegal("โต้แย้ง", "disputed")
        self.dispute = dispute
        self.events.append((events.ORDER_DISPUTED, {**self.event_data(), "dispute": dispute}))

    def resolve_dispute(self, outcome, now):
        """An operator closes the open dispute: "received" confirms receipt in the operator's
        name; "refund" leaves the order unreceived, its money given back (``collection``)."""
        if self.dispute is None or "outcome" in self.dispute:
            raise self._illegal("ปิดข้อโต้แย้ง", "resolved")
        if outcome == "received":
            self._deliver({"confirmed_by": "operator", "received_at": now})
        self.dispute = {**self.dispute, "outcome": outcome, "resolved_at": now}

    def cancel(self, reason, refund_id):
        """Before shipment only; whatever was paid and not yet refunded goes back to the buyer
        as refund ``refund_id``."""
        self._check_cancellable()
        returned = []
        if self.payment_status in REFUNDABLE_PAYMENTS:
            returned = [{"line_no": line.line_no, "quantity": self.refundable(line)}
                        for line in self.lines if self.refundable(line)]
            self.payment_status = "refunded"
        amount = self._give_back(returned)
        self.status, self.cancel_reason = "cancelled", reason
        self.events.append((events.ORDER_CANCELLED, {
            **self.event_data(), "reason": reason, "refund_id": refund_id if returned else None,
            "refunded_lines": returned, "refunded_satang": amount}))

    def _check_cancellable(self):
        if self.status not in ("placed", "confirmed") or self.fulfilment_status != "unfulfilled" \
                or self.cancellation_pending:
            raise self._illegal("ยกเลิก", "cancelled")

    def request_cancellation(self):
        """A paid order cancelled through the payment provider: the refund of everything still
        paid is asked of it first; the order is cancelled when the provider confirms
        (:meth:`confirm_cancellation`). Returns the lines and the amount to give back."""
        self._check_cancellable()
        if self.payment_status not in REFUNDABLE_PAYMENTS or self.pending_refunds:
            raise self._illegal("ยกเลิก", "cancelled")
        lines = [{"line_no": line.line_no, "quantity": self.refundable(line)}
                 for line in self.lines if self.refundable(line)]
        self._hold_back(lines)
        self.cancellation_pending = True
        return lines, self._value_of(lines)

    def confirm_cancellation(self, reason, refund_id, lines):
        self._release_held(lines)
        self.cancellation_pending = False
        self.cancel(reason, refund_id)

    def expire(self, now):
        if self.status != "placed" or self.payment_status != "unpaid" or now < self.expires_at:
            raise self._illegal("หมดอายุ", "expired")
        self.status = "expired"
        self.events.append((events.ORDER_EXPIRED, self.event_data()))

    def refund(self, requested, refund_id):
        """Refund ``requested`` [{line_no, quantity}]; the total never exceeds what was paid.

        Money only: stock is not put back (the goods may be gone or spoilt).
        """
        self._check_refund(requested)
        amount = self._give_back(requested)
        fully = all(line.quantity == self.refunded.get(line.line_no, 0) for line in self.lines)
        self.payment_status = "refunded" if fully else "partially_refunded"
        self.events.append((events.ORDER_REFUNDED, {
            **self.event_data(), "refund_id": refund_id, "amount_satang": amount,
            "refunded_lines": [{"line_no": item["line_no"], "quantity": item["quantity"]}
                               for item in requested]}))
        return amount

    def request_refund(self, requested):
        """A refund asked of the payment provider: checked as :meth:`refund`, its lines held back
        until the provider confirms it (:meth:`confirm_refund`). Returns its amount."""
        self._check_refund(requested)
        self._hold_back(requested)
        return self._value_of(requested)

    def confirm_refund(self, requested, refund_id):
        self._release_held(requested)
        return self.refund(requested, refund_id)

    def _check_refund(self, requested):
        if self.status not in ("confirmed", "completed") or self.payment_status not in REFUNDABLE_PAYMENTS:
            raise self._illegal("คืนเงิน", "refunded")
        line_nos = [item["line_no"] for item in requested]
        if len(set(line_nos)) != len(line_nos):
            raise InvalidInput({"lines": ["รายการซ้ำกัน (a line appears twice)"]})
        lines = {line.line_no: line for line in self.lines}
        unknown = [no for no in line_nos if no not in lines]
        if unknown:
            raise Unprocessable("ไม่มีรายการนี้ในคำสั่งซื้อ (no such order line)", line_nos=unknown)
        too_many = [{"line_no": item["line_no"], "refundable": self.refundable(lines[item["line_no"]])}
                    for item in requested if item["quantity"] > self.refundable(lines[item["line_no"]])]
        if too_many:
            raise Unprocessable("คืนเงินเกินกว่าที่ชำระ (refund exceeds what was paid)", lines=too_many)

    def _give_back(self, items):
        """Count ``items`` [{line_no, quantity}] as refunded; returns their value in satang."""
        for item in items:
            self.refunded[item["line_no"]] = self.refunded.get(item["line_no"], 0) + item["quantity"]
        return self._value_of(items)

    def _hold_back(self, items):
        for item in items:
            self.pending_refunds[item["line_no"]] = self.pending_refunds.get(item["line_no"], 0) + item["quantity"]

    def _release_held(self, items):
        for item in items:
            left = self.pending_refunds.get(item["line_no"], 0) - item["quantity"]
            if left > 0:
                self.pending_refunds[item["line_no"]] = left
            else:
                self.pending_refunds.pop(item["line_no"], None)

    def _value_of(self, items):
        lines = {line.line_no: line for line in self.lines}
        return sum(lines[item["line_no"]].unit_price_satang * item["quantity"] for item in items)

    def refundable(self, line):
        """What of the line may still be refunded: neither refunded nor asked of the provider."""
        return line.quantity - self.refunded.get(line.line_no, 0) - self.pending_refunds.get(line.line_no, 0)


def require_party(principal, order):
    """Operators see every order; an organisation sees the orders it buys or sells."""
    if principal.is_operator or principal.subject_id in (order.buyer_org_id, order.seller_org_id):
        return
    raise Forbidden("ไม่ใช่คำสั่งซื้อขององค์กรนี้ (not a party to this order)")


def require_seller(principal, order):
    if not principal.is_operator and principal.subject_id != order.seller_org_id:
        raise Forbidden("ผู้ขายหรือเจ้าหน้าที่เท่านั้น (only the seller or an operator)")


def require_buyer(principal, order):
    if not principal.is_operator and principal.subject_id != order.buyer_org_id:
        raise Forbidden("ผู้ซื้อหรือเจ้าหน้าที่เท่านั้น (only the buyer or an operator)")


def place_order(uow, principal, command, now, ttl):
    principal.require("organisation")
    wanted = command["lines"]
    product_ids = [line["product_id"] for line in wanted]
    if len(set(product_ids)) != len(product_ids):
        raise InvalidInput({"lines": ["สินค้าซ้ำกันในคำสั่งซื้อ (a product appears twice)"]})
    products = uow.products.get_many(product_ids)
    missing = [str(pid) for pid in product_ids if pid not in products or not products[pid]["active"]]
    if missing:
        raise Unprocessable("ไม่พบสินค้าหรือสินค้าไม่พร้อมขาย (product not found or inactive)",
                            products=missing)
    not_for_sale = [str(pid) for pid in product_ids if products[pid]["listing_kind"] != "sale"]
    if not_for_sale:
        raise Unprocessable("รายการแบ่งปันหรือแลกเปลี่ยนสั่งซื้อไม่ได้ ขอรับที่ /v1/shares หรือเสนอแลกที่ "
                            "/v1/exchanges (a share or exchange listing is not sold: ask for it at "
                            "/v1/shares, or offer an exchange at /v1/exchanges)", products=not_for_sale)
    sellers = {products[pid]["seller_org_id"] for pid in product_ids}
    if len(sellers) != 1:
        raise Unprocessable("หนึ่งคำสั่งซื้อต้องมาจากผู้ขายรายเดียว (one order, one seller)")
    seller_org_id = sellers.pop()
    if seller_org_id == principal.subject_id:
        raise Unprocessable("ซื้อสินค้าของตนเองไม่ได้ (an organisation cannot buy from itself)")
    route, fee = delivery.arrange(uow, seller_org_id, command.get("delivery") or delivery.DEFAULT_DELIVERY,
                                  command["ship_to"])
    # in product order, so that concurrent orders lock the same rows in the same order
    for item in sorted(wanted, key=lambda item: item["product_id"]):
        product = products[item["product_id"]]
        if not uow.products.reserve(product["id"], item["quantity"]):
            raise Conflict(f"สินค้า {product['name_th']} มีไม่พอ (not enough stock)",
                           product_id=str(product["id"]))
    lines = []
    for line_no, item in enumerate(wanted, start=1):
        product = products[item["product_id"]]
        lines.append(Line(line_no, product["id"], product["name_th"], product["category"],
                          product["unit"], item["quantity"], product["unit_price_satang"]))
    if fee > 0:  # its own line (kind "shipping"), so that a levy agreement can tell it from the goods
        lines.append(Line(len(lines) + 1, None, delivery.SHIPPING_NAME, delivery.SHIPPING_CATEGORY,
                          delivery.SHIPPING_UNIT, 1, fee, kind="shipping"))
    ship_to = command["ship_to"]
    order = Order(uuid.uuid4(), seller_org_id, principal.subject_id, ship_to, lines,
                  placed_at=now, expires_at=now + ttl, route=route)
    uow.orders.add(order)
    uow.emit(events.ORDER_PLACED, order.event_data())
    return order


def get_order(uow, principal, order_id, for_update=False):
    order = uow.orders.get(order_id, for_update=for_update)
    if order is None:
        raise NotFound("ไม่พบคำสั่งซื้อ (order not found)")
    require_party(principal, order)
    return order


def list_orders(uow, principal, query):
    """A page of orders; an organisation only ever sees the orders it is a party to."""
    principal.require("organisation", "operator")
    party = None if principal.is_operator else principal.subject_id
    return uow.orders.find(party, query.get("after"), query["limit"],
                           **{name: query.get(name) for name in ("seller_org_id", "buyer_org_id",
                                                                 "status")})


def save(uow, order, **details):
    """Persist the order and stage the one event its change recorded."""
    uow.orders.save(order, **details)
    for event_type, data in order.events:
        uow.emit(event_type, data)
    order.events.clear()


def release_stock(uow, order):
    goods = [line for line in order.lines if line.kind == "goods"]
    for line in sorted(goods, key=lambda line: line.product_id):
        uow.products.release(line.product_id, line.quantity)


def ship_order(uow, principal, order_id, command, now):
    order = get_order(uow, principal, order_id, for_update=True)
    require_seller(principal, order)
    order.ship({"carrier": command.get("carrier"), "tracking_number": command.get("tracking_number"),
                "shipped_at": now})
    save(uow, order)
    return order


def confirm_receipt(uow, principal, order_id, now):
    """The buyer says the goods arrived (an operator may say it for them): the levy is posted on
    this word, not on the seller's."""
    order = get_order(uow, principal, order_id, for_update=True)
    require_buyer(principal, order)
    order.deliver({"confirmed_by": "operator" if principal.is_operator else "buyer", "received_at": now})
    save(uow, order)
    return order


def dispute_order(uow, principal, order_id, command, now):
    """The buyer (only the buyer: an operator resolves disputes) disputes a shipped order."""
    principal.require("organisation")
    order = get_order(uow, principal, order_id, for_update=True)
    if principal.subject_id != order.buyer_org_id:
        raise Forbidden("ผู้ซื้อเท่านั้น (only the buyer)")
    order.open_dispute({"reason": command["reason"], "opened_by_org_id": principal.subject_id,
                        "opened_at": now})
    save(uow, order)
    return order


def confirm_receipts_automatically(uow, now, after, limit):
    """Confirm receipt of up to ``limit`` orders shipped ``after`` ago or more and never disputed
    (locked; those another instance holds are skipped). Returns the orders received."""
    received = []
    for order_id in uow.orders.due_for_automatic_receipt(now - after, limit):
        order = uow.orders.get(order_id)
        if not order.receivable_automatically(now, after):
            continue
        order.deliver({"confirmed_by": "automatic", "received_at": now})
        save(uow, order)
        received.append(order)
    return received


def expire_due_orders(uow, now, limit):
    """Expire up to ``limit`` unpaid orders past their time and release their stock."""
    expired = []
    for order_id in uow.orders.due_for_expiry(now, limit):
        order = uow.orders.get(order_id)
        order.expire(now)
        release_stock(uow, order)
        save(uow, order)
        expired.append(order)
    return expired


# What funds needs to recompute an order's levies and outcomes: the events it was told of.
RECONCILED_EVENTS = (events.ORDER_PAID, events.ORDER_DELIVERED, events.ORDER_CANCELLED,
                     events.ORDER_EXPIRED, events.ORDER_REFUNDED)


def reconciliation_page(uow, principal, query):
    """Paid orders (a page by payment time, or the ones asked for by id), each with the
    envelopes of the events that funds acts on, as staged, with their original event ids."""
    principal.require("operator")
    found, after = uow.orders.paid(query.get("paid_from"), query.get("paid_to"), query.get("after"),
                                   query["limit"], query.get("order_id") or None)
    staged = uow.orders.staged_events([order.id for order in found],
                                      [event_type.name for event_type in RECONCILED_EVENTS])
    return {"orders": [{"order": order, "events": staged[order.id]} for order in found],
            "next_cursor": after}


def seller_from_organisation(snapshot):
    place = snapshot["place"]
    return {"id": snapshot["organisation_id"], "name_th": snapshot["name_th"],
            "kind": snapshot["kind"], "province_code": place["province_code"],
            "province_group": place["province_group"], "region": place["region"], "place": place}
