"""Collecting an order's money, and giving it back the way it came: domain logic with no I/O.

Each seller chooses how it is paid (its payment settings): through the payment provider, which
collects on the marketplace's account ("provider"), or by PromptPay straight to the seller's own
PromptPay ID ("direct"). Every order gets a payment request when it is placed: the exact amount,
a reference the buyer can type, an expiry and a Thai QR. An order is paid only when the side that
holds the money says so: the provider (its webhook, verified, and the charge fetched back:
``apply_charge``) or, for a direct transfer, the seller or an operator (``confirm_transfer``).
Never the buyer.

Every receipt of money is recorded (``receive``): the order's total before its expiry pays it;
another amount is held for an operator (the order is never paid by it); money for an order that
expired, was cancelled or was already paid is due back. The same charge or the same transfer
reference twice is one receipt. The provider's calls happen outside these functions, around them
(``marketplace.service``): nothing here waits on the network inside a transaction.
"""
import datetime as dt
import logging
import secrets
import uuid
from dataclasses import dataclass

from chassis.errors import Conflict, Forbidden, InvalidInput, NotFound, TransientError, Unprocessable
from contracts import marketplace as events

from marketplace import orders, promptpay
from marketplace.payments import COMPLETE_EVENT, PENDING

log = logging.getLogger(__name__)

PROVIDER, DIRECT = "provider", "direct"                      # a seller's collection
PROVIDER_METHOD, DIRECT_METHOD = "provider", "direct_transfer"  # a payment request's method
METHOD_OF = {PROVIDER: PROVIDER_METHOD, DIRECT: DIRECT_METHOD}
PROVIDER_NAME = "omise"
# Crockford's base32 without I, L, O, U: nothing to misread when typing it into a bank app's note
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MATCHED, HELD, REFUND_DUE = "matched", "held", "refund_due"
EARLY_TOLERANCE = dt.timedelta(minutes=5)  # clocks differ: a transfer "from the future" beyond is refused


def new_reference():
    """ "CODI-" and 8 base32 characters (40 bits): short enough to type, unique in the database."""
    return "CODI-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


@dataclass
class PaymentRequest:
    order_id: uuid.UUID
    reference: str
    amount_satang: int
    method: str
    expires_at: dt.datetime
    provider: str = None
    charge_id: str = None
    qr_payload: str = None


@dataclass(frozen=True)
class Receipt:
    """Money that the receiving side says arrived."""

    method: str
    amount_satang: int
    received_at: dt.datetime
    confirmed_by_kind: str  # provider | organisation | operator
    confirmed_by_id: str
    provider: str = None
    charge_id: str = None
    transfer_reference: str = None

    def facts(self, request):
        """contracts.marketplace.PaymentFacts of this receipt for ``request``."""
        return {"method": self.method, "provider": self.provider, "charge_id": self.charge_id,
                "reference": self.transfer_reference or request.reference,
                "confirmed_by": {"kind": self.confirmed_by_kind, "id": self.confirmed_by_id},
                "received_at": self.received_at}


# -- payment settings --------------------------------------------------------------

def settings_view(seller_org_id, collection, recipient):
    return {"seller_org_id": seller_org_id, "collection": collection,
            "promptpay_id": recipient.text if recipient else None}


def set_payment_settings(uow, principal, seller_org_id, command):
    """The seller itself or an operator says how the seller is paid from its next order on."""
    principal.require("organisation", "operator")
    if not principal.is_operator and principal.subject_id != seller_org_id:
        raise Forbidden("ผู้ขายหรือเจ้าหน้าที่เท่านั้น (only the seller itself or an operator)")
    if not uow.sellers.exists(seller_org_id):
        raise NotFound("ไม่พบผู้ขายนี้ในทะเบียน (no such seller in the registry)")
    text = command.get("promptpay_id")
    if command["collection"] == DIRECT and not text:
        raise InvalidInput({"promptpay_id": [
            "รับโอนตรงต้องระบุหมายเลขพร้อมเพย์ของผู้ขาย (a direct collection needs the seller's PromptPay ID)"]})
    recipient = promptpay.promptpay_id(text) if text else None
    uow.payment_settings.put(seller_org_id, command["collection"], recipient)
    return settings_view(seller_org_id, command["collection"], recipient)


# -- payment requests ---------------------------------------------------------------

def place_order(uow, principal, command, now, ttl):
    """Place the order and, in the same transaction, its payment request (expiring with it)."""
    order = orders.place_order(uow, principal, command, now, ttl)
    collection, recipient = uow.payment_settings.get(order.seller_org_id) or (PROVIDER, None)
    request = PaymentRequest(order.id, new_reference(), order.total_satang, METHOD_OF[collection],
                             order.expires_at, provider=PROVIDER_NAME if collection == PROVIDER else None)
    if collection == DIRECT and order.total_satang > 0:
        request.qr_payload = promptpay.payload(recipient, order.total_satang)
    uow.payment_requests.add(request)
    return order


def payment_request_of(uow, principal, order_id):
    """(order, its payment request) for a party to the order or an operator."""
    order = orders.get_order(uow, principal, order_id)
    request = uow.payment_requests.get(order_id)
    if request is None:  # an order placed before payment requests existed
        raise NotFound("คำสั่งซื้อนี้ไม่มีคำขอชำระเงิน (this order has no payment request)")
    return order, request


def needs_charge(order, request, now):
    """Whether the provider's charge is still to be made (the first look at an unpaid order)."""
    return (request.method == PROVIDER_METHOD and request.charge_id is None and order.awaiting_payment
            and now < request.expires_at)


def attach_charge(uow, order_id, charge, qr_payload):
    """Keep the charge made for the order; if another request made one first, the order keeps
    that one (the loser's charge is never shown and expires unpaid). Returns the request."""
    uow.payment_requests.attach_charge(order_id, charge.id, qr_payload)
    return uow.payment_requests.get(order_id)


def status_of(order, receipts):
    """What the buyer and the seller see of the payment."""
    statuses = {receipt["status"] for receipt in receipts}
    if REFUND_DUE in statuses:
        return "refund_due"
    if order.payment_status == "held_for_review":
        return "held_for_review"
    if order.payment_status in orders.REFUNDABLE_PAYMENTS + ("refunded",):
        return "paid"
    if order.status in ("expired", "cancelled"):
        return order.status
    return "awaiting_payment"


def view(uow, order, request):
    return {"order_id": order.id, "reference": request.reference, "amount_satang": request.amount_satang,
            "currency": "THB", "expires_at": request.expires_at, "method": request.method,
            "provider": request.provider, "charge_id": request.charge_id, "qr_payload": request.qr_payload,
            "qr_png_url": f"/v1/orders/{order.id}/payment-request/qr.png",
            "qr_svg_url": f"/v1/orders/{order.id}/payment-request/qr.svg",
            "status": status_of(order, uow.payments.of_order(order.id))}


# -- receiving money ------------------------------------------------------------------

def _refund_due_reason(order, receipt):
    if order.status == "expired":
        return "order_expired"
    if order.status == "cancelled":
        return "order_cancelled"
    if order.payment_status == "held_for_review":
        return "held"
    if order.awaiting_payment:  # arrived after the expiry, before the sweep expired the order
        return "received_after_expiry"
    return "already_paid"


def receive(uow, order, request, receipt, now):
    """Record ``receipt`` for ``order`` (locked) once, and apply it. Returns whether it was new."""
    if not order.awaiting_payment or receipt.received_at >= order.expires_at:
        status, reason = REFUND_DUE, _refund_due_reason(order, receipt)
    elif receipt.amount_satang != order.total_satang:
        status, reason = HELD, None
    else:
        status, reason = MATCHED, None
    payment_id = uuid.uuid4()
    difference = receipt.amount_satang - order.total_satang
    if not uow.payments.add(payment_id, order.id, receipt, status, difference, reason):
        log.info("payment already recorded, nothing more: order %s", order.id)
        return False
    facts = receipt.facts(request)
    if status == MATCHED:
        order.pay(payment_id, facts, now)
        orders.save(uow, order)
        return True
    data = {"order_id": order.id, "seller_org_id": order.seller_org_id, "buyer_org_id": order.buyer_org_id,
            "payment_id": payment_id, "total_satang": order.total_satang,
            "amount_satang": receipt.amount_satang, "payment": facts}
    if status == HELD:
        order.hold_for_review()
        orders.save(uow, order)
        uow.emit(events.PAYMENT_HELD, {**data, "difference_satang": difference})
        log.warning("payment of %s satang for order %s (total %s) held for review",
                    receipt.amount_satang, order.id, order.total_satang)
    else:
        uow.emit(events.PAYMENT_REFUND_DUE, {**data, "reason": reason})
        log.warning("payment for order %s recorded as due back (%s)", order.id, reason)
    return True


def confirm_transfer(uow, principal, order_id, command, now):
    """The seller (or an operator), having seen the money in its own account, confirms it."""
    order = orders.get_order(uow, principal, order_id, for_update=True)
    orders.require_seller(principal, order)
    request = uow.payment_requests.get(order.id)
    if request is None or request.method != DIRECT_METHOD:
        raise Conflict("คำสั่งซื้อนี้ชำระผ่านผู้ให้บริการ ผู้ให้บริการเป็นผู้ยืนยัน "
                       "(this order is paid through the payment provider, which confirms it)")
    if command["transferred_at"] > now + EARLY_TOLERANCE:
        raise Unprocessable("เวลาโอนอยู่ในอนาคต (the transfer time is in the future)")
    receive(uow, order, request, Receipt(
        DIRECT_METHOD, command["amount_satang"], command["transferred_at"],
        "operator" if principal.is_operator else "organisation",
        str(principal.subject_id) if principal.subject_id else "operator",
        transfer_reference=command["reference"]), now)
    return uow.orders.get(order.id)


def record_provider_event(uow, event):
    """Whether the provider's event is new (a replay changes nothing more)."""
    return uow.provider_events.add(PROVIDER_NAME, event)


def apply_charge(uow, charge, now):
    """Apply a charge as the provider's API reports it (never the webhook's copy). Returns
    whether anything changed: only money the provider says was received counts."""
    if charge.status == PENDING:
        return False
    request = uow.payment_requests.by_reference(charge.order_ref) if charge.order_ref else None
    if request is None:
        log.warning("provider charge %s names no order of ours (%r): nothing credited",
                    charge.id, charge.order_ref)
        return False
    if not charge.paid:
        log.info("provider charge %s of order %s is %s: nothing to credit",
                 charge.id, request.order_id, charge.status)
        return False
    if request.charge_id not in (None, charge.id):
        # money for the order on a charge nobody was shown (a lost creation answer): still money
        log.warning("order %s paid on charge %s, not its own %s", request.order_id, charge.id,
                    request.charge_id)
    amount = charge.amount_satang if charge.currency == "THB" else 0
    order = uow.orders.get(request.order_id, for_update=True)
    return receive(uow, order, request, Receipt(
        PROVIDER_METHOD, amount, charge.paid_at or now, "provider", PROVIDER_NAME,
        provider=PROVIDER_NAME, charge_id=charge.id), now)


def apply_provider_event(uow, event, charge, refunds, now):
    """A verified provider event, with the charge it is about and its refunds as the provider
    reports them now: once per event id. Returns whether anything changed.

    A charge said complete that the provider's API still reports pending is not taken as seen: the
    webhook is answered 503 so that the provider tells it again once its API has caught up."""
    if charge is not None and charge.status == PENDING and event.type == COMPLETE_EVENT:
        raise TransientError(f"charge {charge.id} is complete by its event but pending by the API")
    if not record_provider_event(uow, event):
        log.info("provider event %s seen before: nothing more", event.id)
        return False
    if charge is None:
        return False
    changed = apply_charge(uow, charge, now)
    return bool(confirm_provider_refunds(uow, charge.id, refunds, now)) or changed


# -- giving money back ----------------------------------------------------------------

def _provider_payment(uow, order):
    """The provider receipt that paid ``order``, or None when it was paid otherwise."""
    return next((receipt for receipt in uow.payments.of_order(order.id)
                 if receipt["status"] == MATCHED and receipt["method"] == PROVIDER_METHOD), None)


def refund_order(uow, principal, order_id, command, now):
    """(status, order, refund). A direct transfer's refund is made by the seller, who records it:
    it counts at once (201). A provider payment's is asked of the provider (202, ``requested``):
    it counts when the provider confirms it."""
    order = orders.get_order(uow, principal, order_id, for_update=True)
    orders.require_seller(principal, order)
    return _refund(uow, order, command["lines"], now)


def _refund(uow, order, lines, now):
    refund_id = uuid.uuid4()
    payment = _provider_payment(uow, order)
    if payment is None:
        amount = order.refund(lines, refund_id)
        orders.save(uow, order, refunded_at=now)
        return 201, order, _refund_view(refund_id, order, amount, lines, now, "confirmed")
    amount = order.request_refund(lines)
    uow.refunds.add_requested(refund_id, order.id, amount, lines, "refund", payment, None, now)
    return 202, order, _refund_view(refund_id, order, amount, lines, now, "requested", payment)


def resolve_dispute(uow, principal, order_id, command, now):
    """(status, order, refund or None): an operator closes a dispute. "received": the goods
    arrived (order.delivered, confirmed by the operator: the levy is posted). "refund": whatever
    is still paid goes back to the buyer the way refunds go (a direct transfer's at once, 200; a
    provider payment's asked of the provider, 202); the order is never received."""
    principal.require("operator")
    order = orders.get_order(uow, principal, order_id, for_update=True)
    order.resolve_dispute(command["outcome"], now)
    lines = [{"line_no": line.line_no, "quantity": order.refundable(line)} for line in order.lines
             if order.refundable(line)] if order.payment_status in orders.REFUNDABLE_PAYMENTS else []
    if command["outcome"] == "received" or not lines:
        orders.save(uow, order)
        return 200, order, None
    status, order, refund = _refund(uow, order, lines, now)
    if status == 202:  # the refund's request is saved; the order's dispute too
        orders.save(uow, order)
    return (200 if status == 201 else 202), order, refund


def cancel_order(uow, principal, order_id, command, now):
    """(status, order, refund asked of the provider or None). Before shipment only. An order
    paid through the provider is cancelled when the provider confirms the refund of what was
    paid (202); any other is cancelled now, whatever was paid going back with it (200)."""
    order = orders.get_order(uow, principal, order_id, for_update=True)
    payment = _provider_payment(uow, order) if order.payment_status in orders.REFUNDABLE_PAYMENTS else None
    if payment is None:
        order.cancel(command.get("reason"), uuid.uuid4())
        orders.release_stock(uow, order)
        orders.save(uow, order, refunded_at=now)
        return 200, order, None
    refund_id = uuid.uuid4()
    lines, amount = order.request_cancellation()
    uow.refunds.add_requested(refund_id, order.id, amount, lines, "cancellation", payment,
                              command.get("reason"), now)
    return 202, order, _refund_view(refund_id, order, amount, lines, now, "requested", payment)


def _refund_view(refund_id, order, amount, lines, now, status, payment=None):
    return {"id": refund_id, "order_id": order.id, "amount_satang": amount, "lines": lines,
            "created_at": now, "status": status, "charge_id": payment["charge_id"] if payment else None}


def confirm_provider_refunds(uow, charge_id, provider_refunds, now):
    """Count the refunds we asked of the provider on ``charge_id`` that it now reports (each
    carries our refund id as its reference): the order's refund or cancellation happens, once.
    Returns the refund ids confirmed now."""
    reported = {refund.refund_ref: refund for refund in provider_refunds if refund.charge_id == charge_id}
    confirmed = []
    for requested in uow.refunds.requested_on_charge(charge_id):
        made = reported.get(str(requested["id"]))
        if made is None:
            continue
        order = uow.orders.get(requested["order_id"], for_update=True)
        if not uow.refunds.still_requested(requested["id"]):  # confirmed meanwhile by another
            continue
        if made.amount_satang != requested["amount_satang"]:
            log.error("provider refund %s is %s satang, we asked %s: not counted", made.id,
                      made.amount_satang, requested["amount_satang"])
            continue
        if requested["kind"] == "cancellation":
            order.confirm_cancellation(requested["reason"], requested["id"], requested["lines"])
            orders.release_stock(uow, order)
        else:
            order.confirm_refund(requested["lines"], requested["id"])
        orders.save(uow, order, refunded_at=now)
        uow.refunds.mark_confirmed(requested["id"], made.id, now)
        confirmed.append(requested["id"])
    return confirmed
