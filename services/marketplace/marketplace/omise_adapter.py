"""The payment provider port (marketplace.payments) on Omise / Opn Payments, through Omise's official
Python client (``omise`` 0.16). docs/payments.md says why Omise and how a payment is confirmed.

What the client cannot do, and what is done instead:
- it sets no HTTP timeout: give ``deadline`` (a context manager factory, e.g. ``lambda:
  eventlet.Timeout(10, TransientError(...))`` under nameko) or a dead provider holds a worker;
- its settings are module globals (``omise.api_secret``, ``api_main``, ``api_version``): each call
  sets them from this adapter first, so two adapters in one process do not mix their accounts;
- it has no webhook verification: :func:`verify_signature` follows Omise's scheme (below);
- a PromptPay charge's QR is an image only: :meth:`OmisePayments.qr_payload` reads its text back.
"""
import base64
import binascii
import contextlib
import datetime as dt
import hashlib
import hmac
import io
import json
import logging
import os
import time

import omise
import omise.errors
import requests
import zxingcpp
from PIL import Image, UnidentifiedImageError

from chassis.errors import InvalidInput, NotFound, TransientError, Unprocessable
from chassis.thai import THAI_TIME
from marketplace.payments import Charge, PaymentProviderError, Refund, WebhookEvent, WebhookRejected

DEFAULT_API_URL = "https://api.omise.co"
API_VERSION = "2019-05-29"  # the charge object with refunded_amount, as this adapter reads it
DEFAULT_TOLERANCE_SECONDS = 300
REQUEST_TIMEOUT_SECONDS = 10  # the QR image download (the client's own calls have the deadline only)
SIGNATURE_HEADER, TIMESTAMP_HEADER = "Omise-Signature", "Omise-Signature-Timestamp"

# the client logs every response body (buyers' charges) at INFO: keep that out of the service log
logging.getLogger("omise.request").setLevel(logging.WARNING)


def _header(headers, name):
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def sign(secret, timestamp, raw_body):
    """Omise's webhook signature: hex HMAC-SHA256, keyed with the base64-decoded webhook secret,
    of the timestamp header, ".", and the raw body exactly as sent."""
    key = base64.b64decode(secret, validate=True)
    return hmac.new(key, f"{timestamp}.".encode("ascii") + raw_body, hashlib.sha256).hexdigest()


def verify_signature(headers, raw_body, secret, now, tolerance_seconds=DEFAULT_TOLERANCE_SECONDS):
    """Raise WebhookRejected unless ``Omise-Signature`` holds a signature of this body and of an
    ``Omise-Signature-Timestamp`` at most ``tolerance_seconds`` from ``now`` (Unix seconds). While
    Omise rotates a webhook secret it sends one signature per secret, comma-separated: one match
    is enough."""
    signatures, timestamp = _header(headers, SIGNATURE_HEADER), _header(headers, TIMESTAMP_HEADER)
    if not signatures or not timestamp:
        raise WebhookRejected("ไม่มีลายเซ็นของผู้ให้บริการชำระเงิน (missing webhook signature)")
    if not (timestamp.isascii() and timestamp.isdigit()) \
            or abs(now - int(timestamp)) > tolerance_seconds:
        raise WebhookRejected("ลายเซ็นหมดอายุหรือเวลาไม่ถูกต้อง (stale or invalid webhook timestamp)")
    expected = sign(secret, timestamp, raw_body)
    if not any(hmac.compare_digest(expected, candidate.strip().lower())
               for candidate in signatures.split(",")):
        raise WebhookRejected("ลายเซ็นไม่ถูกต้อง (invalid webhook signature)")


def parse_event(raw_body):
    """The WebhookEvent in a verified Omise event body."""
    try:
        event = json.loads(raw_body)
        data = event["data"]
        charge_id = {"charge": lambda: data["id"], "refund": lambda: _id_of(data["charge"])}.get(
            data.get("object"), lambda: None)()
        return WebhookEvent(id=event["id"], type=event["key"], charge_id=charge_id,
                            created_at=_time(event["created_at"]))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InvalidInput({"body": [f"ไม่ใช่เหตุการณ์ของ Omise (not an Omise event): {exc}"]})


def _id_of(reference):
    return reference["id"] if isinstance(reference, dict) else reference


def _time(value):
    return dt.datetime.fromisoformat(value) if value else None


def _utc_text(moment):
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dig(obj, *names):
    for name in names:
        obj = getattr(obj, name, None)
    return obj


def _charge(obj):
    return Charge(
        id=obj.id, order_ref=_dig(obj, "metadata", "order_ref"), status=obj.status,
        amount_satang=obj.amount, currency=obj.currency.upper(),
        refunded_satang=getattr(obj, "refunded_amount", 0) or 0,
        created_at=_time(obj.created_at), expires_at=_time(getattr(obj, "expires_at", None)),
        paid_at=_time(getattr(obj, "paid_at", None)),
        qr_image_url=_dig(obj, "source", "scannable_code", "image", "download_uri"),
        failure=getattr(obj, "failure_code", None))


def _refund(obj):
    return Refund(id=obj.id, charge_id=_id_of(obj.charge), amount_satang=obj.amount,
                  refund_ref=_dig(obj, "metadata", "refund_ref"), created_at=_time(obj.created_at))


class OmisePayments:
    """PaymentProvider on Omise. Secrets come from the environment (:meth:`from_environment`)."""

    def __init__(self, secret_key, webhook_secret, api_url=DEFAULT_API_URL,
                 tolerance_seconds=DEFAULT_TOLERANCE_SECONDS, clock=time.time,
                 deadline=contextlib.nullcontext):
        try:
            base64.b64decode(webhook_secret, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise ValueError("OMISE_WEBHOOK_SECRET ต้องเป็น base64 ตามที่ Omise ให้มา "
                             "(must be the base64 secret Omise shows)") from None
        self.secret_key, self.webhook_secret, self.api_url = secret_key, webhook_secret, api_url
        self.tolerance_seconds, self.clock, self.deadline = tolerance_seconds, clock, deadline

    @classmethod
    def from_environment(cls, environ=None, **kwargs):
        """OMISE_SECRET_KEY and OMISE_WEBHOOK_SECRET (required); OMISE_API_URL (the stand-in's
        address in tests and demos); OMISE_WEBHOOK_TOLERANCE_SECONDS (default 300)."""
        environ = os.environ if environ is None else environ
        missing = [name for name in ("OMISE_SECRET_KEY", "OMISE_WEBHOOK_SECRET") if not environ.get(name)]
        if missing:
            raise ValueError(f"ต้องตั้งค่า {', '.join(missing)} (not set: {', '.join(missing)})")
        return cls(environ["OMISE_SECRET_KEY"], environ["OMISE_WEBHOOK_SECRET"],
                   api_url=environ.get("OMISE_API_URL") or DEFAULT_API_URL,
                   tolerance_seconds=int(environ.get("OMISE_WEBHOOK_TOLERANCE_SECONDS")
                                         or DEFAULT_TOLERANCE_SECONDS), **kwargs)

    @contextlib.contextmanager
    def _call(self):
        omise.api_secret, omise.api_main, omise.api_version = self.secret_key, self.api_url, API_VERSION
        try:
            with self.deadline():
                yield
        except omise.errors.NotFoundError:
            raise NotFound("ไม่พบรายการชำระเงินนี้ที่ผู้ให้บริการ (no such charge at the payment provider)")
        except omise.errors.AuthenticationFailureError as exc:
            raise PaymentProviderError(
                f"ผู้ให้บริการชำระเงินไม่รับกุญแจของระบบ (the payment provider refused our key): {exc}")
        except (omise.errors.InvalidChargeError, omise.errors.FailedRefundError) as exc:
            raise Unprocessable(f"ผู้ให้บริการชำระเงินปฏิเสธ (the payment provider refused): {exc}")
        except (omise.errors.BaseError, requests.RequestException, ValueError) as exc:
            # unknown error codes are Omise's own faults; ValueError: a body that is not JSON (a proxy's 502)
            raise TransientError(f"payment provider unavailable: {exc!r}")

    def create_promptpay_charge(self, order_ref, amount_satang, expires_at):
        with self._call():
            return _charge(omise.Charge.create(
                amount=amount_satang, currency="thb", source={"type": "promptpay"},
                description=f"order {order_ref}", metadata={"order_ref": order_ref},
                expires_at=_utc_text(expires_at)))

    def fetch_charge(self, charge_id):
        with self._call():
            return _charge(omise.Charge.retrieve(charge_id))

    def qr_payload(self, charge):
        """Omise gives the PromptPay QR only as an image (``download_uri``): read its text back
        (zxing-cpp), so the marketplace can show the payload and draw the QR itself."""
        with self._call():
            response = requests.get(charge.qr_image_url, timeout=REQUEST_TIMEOUT_SECONDS)
            response.raise_for_status()
        try:
            found = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)).convert("L"))
        except (UnidentifiedImageError, OSError) as exc:
            raise TransientError(f"the provider's QR image is not an image: {exc!r}") from None
        texts = [result.text for result in found if result.format == zxingcpp.BarcodeFormat.QRCode]
        if len(texts) != 1:
            raise TransientError(f"the provider's QR image holds {len(texts)} QR codes, not one")
        return texts[0]

    def fetch_refunds(self, charge_id):
        with self._call():
            return [_refund(refund) for refund in omise.Charge.retrieve(charge_id).list_refunds()]

    def refund(self, charge_id, amount_satang, refund_ref):
        with self._call():
            charge = omise.Charge.retrieve(charge_id)
            done = next((refund for refund in charge.list_refunds()
                         if _dig(refund, "metadata", "refund_ref") == refund_ref), None)
            return _refund(done or charge.refund(amount=amount_satang,
                                                 metadata={"refund_ref": refund_ref}))

    def list_charges(self, day):
        start = dt.datetime.combine(day, dt.time(), THAI_TIME)
        end = start + dt.timedelta(days=1)
        with self._call():
            charges = [_charge(obj) for obj in omise.Charge.list(fromDate=_utc_text(start),
                                                                 toDate=_utc_text(end))]
        # Omise's "to" is inclusive: a charge made at midnight belongs to the next day
        return [charge for charge in charges if start <= charge.created_at < end]

    def verify_webhook(self, headers, raw_body):
        verify_signature(headers, raw_body, self.webhook_secret, self.clock(), self.tolerance_seconds)
        return parse_event(raw_body)
