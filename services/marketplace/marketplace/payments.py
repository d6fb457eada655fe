"""Payments through a provider: the port the marketplace uses, with no provider, framework or I/O.

A sale is money the receiver's side has confirmed, never the buyer's word: an order is paid by a
provider charge only when the provider's webhook is verified (its signature, its age) and the
charge, fetched back from the provider's API, is successful for this order and this amount
(:func:`confirm_from_webhook`, :meth:`Charge.settles`). Amounts are integer satang throughout.
"""
import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from chassis.errors import DomainError, Unauthorized

PENDING, SUCCESSFUL, FAILED, EXPIRED, REVERSED = "pending", "successful", "failed", "expired", "reversed"
COMPLETE_EVENT = "charge.complete"  # the provider says a charge was paid, failed or expired
CHARGE_STATUSES = (PENDING, SUCCESSFUL, FAILED, EXPIRED, REVERSED)


@dataclass(frozen=True)
class Charge:
    """One request for money at the provider, as the provider reports it."""

    id: str
    order_ref: str  # the marketplace's reference, kept in the charge's metadata
    status: str  # one of CHARGE_STATUSES
    amount_satang: int
    currency: str  # ISO 4217, upper case
    refunded_satang: int
    created_at: dt.datetime
    expires_at: dt.datetime = None
    paid_at: dt.datetime = None
    qr_image_url: str = None  # the provider's PromptPay QR image, for the buyer to scan
    failure: str = None  # the provider's failure code, when status is failed

    @property
    def paid(self):
        return self.status == SUCCESSFUL

    def settles(self, order_ref, amount_satang):
        """Whether this charge is the buyer's money, received, for exactly that order and amount."""
        return (self.paid and self.order_ref == order_ref and self.currency == "THB"
                and self.amount_satang == amount_satang)


@dataclass(frozen=True)
class Refund:
    id: str
    charge_id: str
    amount_satang: int
    refund_ref: str  # the marketplace's reference, kept in the refund's metadata
    created_at: dt.datetime


@dataclass(frozen=True)
class WebhookEvent:
    """A provider's notification whose signature was verified. Its copy of the charge is not
    trusted: fetch the charge (``charge_id``) before acting on it."""

    id: str
    type: str  # the provider's event name, e.g. charge.complete, refund.create
    charge_id: str  # the charge the event is about, or None for events about something else
    created_at: dt.datetime


class WebhookRejected(Unauthorized):
    """A webhook whose signature is missing, wrong or too old: changes nothing."""

    code = "webhook_rejected"


class PaymentProviderError(DomainError):
    """The provider refused a request of ours for a reason retrying will not fix (a wrong key)."""

    status = 502
    code = "payment_provider_error"


class PaymentProvider(Protocol):
    def create_promptpay_charge(self, order_ref: str, amount_satang: int,
                                expires_at: dt.datetime) -> Charge:
        """A pending PromptPay charge for the order, with the QR image for the buyer to scan."""

    def fetch_charge(self, charge_id: str) -> Charge:
        """The charge as the provider knows it now (NotFound if it has no such charge)."""

    def qr_payload(self, charge: Charge) -> str:
        """The text of the charge's QR (a Thai QR payload), for the buyer's bank app."""

    def fetch_refunds(self, charge_id: str) -> list:
        """The charge's refunds as the provider knows them now."""

    def refund(self, charge_id: str, amount_satang: int, refund_ref: str) -> Refund:
        """Give ``amount_satang`` of the charge back. Asking again with the same ``refund_ref``
        returns the refund already made instead of refunding twice."""

    def list_charges(self, day: dt.date) -> list:
        """Every charge created on that day (Bangkok time), for reconciliation."""

    def verify_webhook(self, headers, raw_body: bytes) -> WebhookEvent:
        """The event in a webhook request, or WebhookRejected when it cannot be trusted."""


def confirm_from_webhook(provider, headers, raw_body):
    """The verified event of a webhook request and the charge it is about as the provider's API
    reports it now (None for an event about no charge). Raises WebhookRejected for a webhook that
    is not the provider's."""
    event = provider.verify_webhook(headers, raw_body)
    return event, (provider.fetch_charge(event.charge_id) if event.charge_id else None)
