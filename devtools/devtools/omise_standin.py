"""A local stand-in for the parts of Omise's HTTP API the marketplace uses, for tests and the demo.

    python -m devtools.omise_standin --port 8010 --secret-key skey_test_standin \\
        --webhook-url http://127.0.0.1:8001/v1/payments/omise/webhooks --webhook-secret BASE64

What it serves, shaped as Omise documents it (API version 2019-05-29, amounts in satang):
- Basic auth with the secret key as user name (401 ``authentication_failure`` otherwise);
- ``POST /charges`` with ``source[type]=promptpay`` (JSON or form body): a pending charge whose
  ``source.scannable_code.image.download_uri`` is a PNG QR (a Thai QR payload of the amount for
  a PromptPay ID no one holds, so no real bank app can pay it); ``expires_at`` is honoured (default 24 hours);
- ``GET /charges/{id}``, ``GET /charges`` (``from``, ``to``, ``offset``, ``limit``, ``order``, in
  the query or, as the official Python client sends them, in a JSON body; a ``list`` object);
- ``POST /charges/{id}/refunds`` (``amount``, ``metadata``), ``GET /charges/{id}/refunds``, and the
  charge's ``refunded_amount``;
- ``GET /events`` (listed as charges are) and ``GET /events/{id}``: every event, with its
  ``webhook_deliveries``;
- the test-mode controls ``POST /charges/{id}/mark_as_paid`` and ``/mark_as_failed`` ("scan and
  pay" in tests and the demo);
- webhooks: each event (``charge.create``, ``charge.complete``, ``charge.expire``,
  ``refund.create``) is POSTed to the webhook URL with ``Omise-Signature`` (hex HMAC-SHA256 keyed
  with the base64-decoded secret, of timestamp "." raw body; two signatures, comma-separated, while
  ``--previous-webhook-secret`` is given, as during Omise's secret rotation) and
  ``Omise-Signature-Timestamp``; a delivery that fails (no 2xx) is retried, backing off from
  ``--retry-seconds``, up to ``--attempts`` times, each attempt signed afresh; ``--webhook-senders``
  (4) are delivered at once, so their order is not promised.

State is kept in memory, or in ``--state FILE`` (JSON) so it survives a restart (deliveries still
due are not).
"""
import argparse
import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import requests

from marketplace import promptpay

MIN_AMOUNT, MAX_AMOUNT = 2000, 15_000_000  # Omise's PromptPay limits: 20 to 150,000 baht
DEFAULT_EXPIRY = dt.timedelta(hours=24)
FEE_RATE_BASIS_POINTS, VAT_PERCENT = 165, 7  # PromptPay at Omise: 1.65 % plus VAT on the fee
# The stand-in's collection account in its QR codes: a Thai QR of the right shape for a national ID
# no one holds (all zeros), so a real bank app finds no one to pay.
COLLECTION_ACCOUNT = promptpay.PromptPayId(promptpay.NATIONAL_OR_TAX_ID, "0" * 13)


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self):
        return {"object": "error", "location": f"https://www.omise.co/api-errors#{self.code}",
                "code": self.code, "message": self.message}


def new_id(prefix):
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    return f"{prefix}_test_{''.join(secrets.choice(alphabet) for _ in range(19))}"


def iso(moment):
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text, field):
    try:
        moment = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise ApiError(400, "bad_request", f"{field} is not an ISO 8601 time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def nest(pairs):
    """Form fields as Omise reads them: ``source[type]=promptpay`` → {"source": {"type": ...}}."""
    params = {}
    for key, value in pairs:
        match = re.fullmatch(r"(\w+)\[(\w+)\]", key)
        if match:
            params.setdefault(match[1], {})[match[2]] = value
        else:
            params[key] = value
    return params


def signature(secret, timestamp, body):
    key = base64.b64decode(secret)
    return hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


class Account:
    """The stand-in's charges, refunds and events, behind one lock."""

    def __init__(self, state_file=None):
        self.lock = threading.RLock()
        self.state_file = Path(state_file) if state_file else None
        kept = self.state_file and self.state_file.exists()
        state = json.loads(self.state_file.read_text()) if kept else {}
        self.charges = state.get("charges", {})
        self.events = state.get("events", {})
        self.documents = state.get("documents", {})  # document id → charge id
        self.listeners = []  # called with each new event

    def save(self):
        if self.state_file:
            data = {"charges": self.charges, "events": self.events, "documents": self.documents}
            self.state_file.write_text(json.dumps(data))

    def emit(self, key, obj):
        event_id = new_id("evnt")
        event = {"object": "event", "id": event_id, "livemode": False, "location": f"/events/{event_id}",
                 "webhook_deliveries": [], "data": json.loads(json.dumps(obj)), "key": key,
                 "created_at": iso(dt.datetime.now(dt.timezone.utc))}
        self.events[event_id] = event
        for listener in self.listeners:
            listener(event_id)

    def charge(self, charge_id):
        charge = self.charges.get(charge_id)
        if charge is None:
            raise ApiError(404, "not_found", f"charge {charge_id} was not found")
        if charge["status"] == "pending" and parse_time(charge["expires_at"], "expires_at") \
                <= dt.datetime.now(dt.timezone.utc):
            now = iso(dt.datetime.now(dt.timezone.utc))
            charge.update(status="expired", expired=True, expired_at=now, failure_code="payment_expired",
                          failure_message="payment expired")
            charge["source"]["charge_status"] = "expired"
            self.emit("charge.expire", charge)
            self.save()
        return charge

    def create_charge(self, params, base_url):
        amount = params.get("amount")
        try:
            amount = int(amount)
        except (TypeError, ValueError):
            raise ApiError(400, "invalid_charge", "amount must be an integer") from None
        if str(params.get("currency", "")).lower() != "thb":
            raise ApiError(400, "invalid_charge", "currency is currently not supported")
        source = params.get("source")
        if not isinstance(source, dict) or source.get("type") != "promptpay":
            raise ApiError(400, "invalid_charge", "source type is not supported by this stand-in")
        if not MIN_AMOUNT <= amount <= MAX_AMOUNT:
            raise ApiError(400, "invalid_charge",
                           f"amount must be between {MIN_AMOUNT} and {MAX_AMOUNT} satangs")
        metadata = params.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise ApiError(400, "bad_request", "metadata must be an object")
        now = dt.datetime.now(dt.timezone.utc)
        expires_at = (parse_time(params["expires_at"], "expires_at") if params.get("expires_at")
                      else now + DEFAULT_EXPIRY)
        if expires_at <= now:
            raise ApiError(400, "invalid_charge", "expires_at must be in the future")
        charge_id, source_id, document_id = new_id("chrg"), new_id("src"), new_id("docu")
        fee = amount * FEE_RATE_BASIS_POINTS // 10_000
        fee_vat = fee * VAT_PERCENT // 100
        download = f"{base_url}/charges/{charge_id}/documents/{document_id}/downloads/qrcode.png"
        charge = {
            "object": "charge", "id": charge_id, "livemode": False, "location": f"/charges/{charge_id}",
            "amount": amount, "net": amount - fee - fee_vat, "fee": fee, "fee_vat": fee_vat,
            "interest": 0, "interest_vat": 0, "funding_amount": amount, "refunded_amount": 0,
            "authorized": False, "capturable": False, "capture": True, "disputable": False,
            "refundable": False, "reversed": False, "reversible": False, "voided": False,
            "paid": False, "expired": False, "currency": "THB", "funding_currency": "THB",
            "ip": params.get("ip"), "refunds": {"object": "list", "data": [], "limit": 20, "offset": 0,
                                                "total": 0, "location": f"/charges/{charge_id}/refunds",
                                                "order": "chronological"},
            "link": None, "description": params.get("description"), "metadata": metadata, "card": None,
            "source": {
                "object": "source", "id": source_id, "livemode": False, "location": f"/sources/{source_id}",
                "amount": amount, "currency": "THB", "flow": "offline", "type": "promptpay",
                "charge_status": "pending", "created_at": iso(now),
                "scannable_code": {"object": "barcode", "type": "qr", "image": {
                    "object": "document", "livemode": False, "id": document_id, "deleted": False,
                    "filename": "qrcode.png", "kind": "qr", "created_at": iso(now),
                    "location": f"/charges/{charge_id}/documents/{document_id}", "download_uri": download}},
            },
            "schedule": None, "customer": None, "dispute": None, "transaction": None,
            "failure_code": None, "failure_message": None, "status": "pending",
            "authorize_uri": None, "return_uri": params.get("return_uri"), "created_at": iso(now),
            "paid_at": None, "expires_at": iso(expires_at), "expired_at": None, "reversed_at": None,
        }
        with self.lock:
            self.charges[charge_id] = charge
            self.documents[document_id] = charge_id
            self.emit("charge.create", charge)
            self.save()
        return charge

    def complete(self, charge_id, paid):
        with self.lock:
            charge = self.charge(charge_id)
            if charge["status"] != "pending":
                raise ApiError(400, "invalid_charge", f"charge is {charge['status']}, not pending")
            now = iso(dt.datetime.now(dt.timezone.utc))
            if paid:
                charge.update(status="successful", paid=True, authorized=True, refundable=True,
                              paid_at=now, transaction=new_id("trxn"))
            else:
                charge.update(status="failed", failure_code="payment_rejected",
                              failure_message="the payment was rejected by the issuer")
            charge["source"]["charge_status"] = charge["status"]
            self.emit("charge.complete", charge)
            self.save()
            return charge

    def refund(self, charge_id, params):
        with self.lock:
            charge = self.charge(charge_id)
            try:
                amount = int(params.get("amount"))
            except (TypeError, ValueError):
                raise ApiError(400, "bad_request", "amount must be an integer") from None
            if charge["status"] != "successful":
                raise ApiError(400, "failed_refund", "charge can't be refunded")
            if not 0 < amount <= charge["amount"] - charge["refunded_amount"]:
                raise ApiError(400, "failed_refund", "amount must be greater than 0 and at most the "
                                                     "amount not yet refunded")
            refund_id = new_id("rfnd")
            refund = {"object": "refund", "id": refund_id, "livemode": False,
                      "location": f"/charges/{charge_id}/refunds/{refund_id}", "amount": amount,
                      "currency": "THB", "funding_amount": amount, "funding_currency": "THB",
                      "voided": False, "status": "closed", "charge": charge_id,
                      "transaction": new_id("trxn"), "metadata": params.get("metadata") or {},
                      "created_at": iso(dt.datetime.now(dt.timezone.utc))}
            charge["refunded_amount"] += amount
            charge["refunds"]["data"].append(refund)
            charge["refunds"]["total"] += 1
            self.emit("refund.create", refund)
            self.save()
            return refund


def listing(items, params, location):
    """A page of ``items`` as Omise lists them: from/to on created_at, offset, limit, order."""
    def number(name, default, lowest, highest):
        try:
            value = int(params.get(name) if params.get(name) is not None else default)
        except (TypeError, ValueError):
            raise ApiError(400, "bad_request", f"{name} must be an integer") from None
        return max(lowest, min(highest, value))

    start = (parse_time(params["from"], "from") if params.get("from")
             else dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc))
    end = parse_time(params["to"], "to") if params.get("to") else dt.datetime.now(dt.timezone.utc)
    order = params.get("order") or "chronological"
    if order not in ("chronological", "reverse_chronological"):
        raise ApiError(400, "bad_request", "order must be chronological or reverse_chronological")
    offset, limit = number("offset", 0, 0, 10**9), number("limit", 20, 1, 100)
    # created_at has whole seconds: a stable sort keeps the order of creation within one second
    chosen = sorted((item for item in items if start <= parse_time(item["created_at"], "created_at") <= end),
                    key=lambda item: parse_time(item["created_at"], "created_at"))
    if order == "reverse_chronological":
        chosen.reverse()
    return {"object": "list", "data": chosen[offset:offset + limit], "limit": limit, "offset": offset,
            "total": len(chosen), "location": location, "order": order,
            "from": iso(start), "to": iso(end)}


class Webhooks:
    """Deliver each event to the webhook URL, retrying with backoff until a 2xx or the last attempt;
    ``senders`` deliveries at once, in no promised order (as a provider with many events sends them:
    a single sender would cap the merchant's payments at one webhook round trip each)."""

    def __init__(self, account, url, secret, previous_secret=None, attempts=8, retry_seconds=1.0, senders=4):
        self.account, self.url, self.secret, self.previous_secret = account, url, secret, previous_secret
        self.attempts, self.retry_seconds = attempts, retry_seconds
        self.due = []  # (when, event id, attempt number)
        self.wake = threading.Condition()
        account.listeners.append(self.enqueue)
        for number in range(senders):
            threading.Thread(target=self.run, daemon=True, name=f"webhooks-{number}").start()

    def enqueue(self, event_id, attempt=1, delay=0.0):
        with self.wake:
            self.due.append((time.monotonic() + delay, event_id, attempt))
            self.wake.notify()

    def run(self):
        while True:
            with self.wake:
                while not self.due or min(self.due)[0] > time.monotonic():
                    self.wake.wait(timeout=min(self.due)[0] - time.monotonic() if self.due else None)
                self.due.sort()
                _, event_id, attempt = self.due.pop(0)
            self.deliver(event_id, attempt)

    def deliver(self, event_id, attempt):
        with self.account.lock:
            body = json.dumps(self.account.events[event_id]).encode()
        timestamp = str(int(time.time()))
        signatures = [signature(self.secret, timestamp, body)]
        if self.previous_secret:
            signatures.append(signature(self.previous_secret, timestamp, body))
        try:
            status = requests.post(self.url, data=body, timeout=5, headers={
                "Content-Type": "application/json", "Omise-Signature": ",".join(signatures),
                "Omise-Signature-Timestamp": timestamp}).status_code
        except requests.RequestException:
            status = None
        with self.account.lock:
            self.account.events[event_id]["webhook_deliveries"].append(
                {"object": "webhook_delivery", "uri": self.url, "status": status, "attempt": attempt})
            self.account.save()
        if (status is None or not 200 <= status < 300) and attempt < self.attempts:
            self.enqueue(event_id, attempt + 1, self.retry_seconds * 2 ** (attempt - 1))


def handler_for(account, secret_key, base_url):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet: tests and the demo read stdout
            pass

        def send_json(self, status, body):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def params(self):
            """Query parameters and body fields (JSON, or form-encoded as Omise also takes)."""
            url = urlsplit(self.path)
            params = nest(parse_qsl(url.query))
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if raw.strip():
                if "json" in (self.headers.get("Content-Type") or ""):
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        raise ApiError(400, "bad_request", "the body is not JSON") from None
                    if not isinstance(body, dict):
                        raise ApiError(400, "bad_request", "the body must be a JSON object")
                    params.update(body)
                else:
                    params.update(nest(parse_qsl(raw.decode("utf-8", "replace"))))
            return url.path.rstrip("/") or "/", params

        def authorized(self):
            header = self.headers.get("Authorization") or ""
            if not header.startswith("Basic "):
                return False
            try:
                user = base64.b64decode(header[6:], validate=True).decode().split(":", 1)[0]
            except ValueError:
                return False
            return hmac.compare_digest(user, secret_key)

        def handle_request(self, method):
            try:
                path, params = self.params()
                document = re.fullmatch(r"/charges/(\w+)/documents/(\w+)/downloads/qrcode\.png", path)
                if method == "GET" and document:  # the QR image is shown to the buyer: no key
                    return self.send_qr(document[1], document[2])
                if not self.authorized():
                    raise ApiError(401, "authentication_failure", "authentication failed")
                self.send_json(200, self.route(method, path, params))
            except ApiError as exc:
                self.send_json(exc.status, exc.body())
            except Exception as exc:  # as Omise answers its own faults: an error object and a 500
                self.send_json(500, ApiError(500, "internal_error", repr(exc)).body())

        def route(self, method, path, params):
            with account.lock:
                if (method, path) == ("POST", "/charges"):
                    return account.create_charge(params, base_url)
                if (method, path) == ("GET", "/charges"):
                    for charge_id in list(account.charges):
                        account.charge(charge_id)  # expire what is due before listing
                    return listing(account.charges.values(), params, "/charges")
                if (method, path) == ("GET", "/events"):
                    return listing(account.events.values(), params, "/events")
                event = re.fullmatch(r"/events/(\w+)", path)
                if method == "GET" and event:
                    if event[1] not in account.events:
                        raise ApiError(404, "not_found", f"event {event[1]} was not found")
                    return account.events[event[1]]
                match = re.fullmatch(r"/charges/(\w+)(?:/(\w+))?", path)
                if match:
                    charge_id, action = match[1], match[2]
                    if (method, action) == ("GET", None):
                        return account.charge(charge_id)
                    if (method, action) == ("POST", "mark_as_paid"):
                        return account.complete(charge_id, paid=True)
                    if (method, action) == ("POST", "mark_as_failed"):
                        return account.complete(charge_id, paid=False)
                    if (method, action) == ("POST", "refunds"):
                        return account.refund(charge_id, params)
                    if (method, action) == ("GET", "refunds"):
                        return listing(account.charge(charge_id)["refunds"]["data"], params,
                                       f"/charges/{charge_id}/refunds")
            raise ApiError(404, "not_found", f"{method} {path} is not part of this stand-in")

        def send_qr(self, charge_id, document_id):
            if account.documents.get(document_id) != charge_id:
                raise ApiError(404, "not_found", "document was not found")
            charge = account.charges[charge_id]
            png = promptpay.qr_png(promptpay.payload(COLLECTION_ACCOUNT, charge["amount"]))
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(png)))
            self.end_headers()
            self.wfile.write(png)

        def do_GET(self):
            self.handle_request("GET")

        def do_POST(self):
            self.handle_request("POST")

    return Handler


def _test_mode(action, api_url, secret_key, charge_id):
    response = requests.post(f"{api_url}/charges/{charge_id}/{action}", auth=(secret_key, ""), timeout=10)
    response.raise_for_status()
    return response.json()


def event_about(charge_id, key="charge.complete", event_id=None):
    """An Omise event naming ``charge_id``, as a test or a fault would send it (its copy of the
    charge is a stub: the marketplace fetches the charge back)."""
    return {"object": "event", "id": event_id or new_id("evnt"), "livemode": False, "key": key,
            "created_at": iso(dt.datetime.now(dt.timezone.utc)),
            "data": {"object": "charge", "id": charge_id, "status": "successful"}}


def post_webhook(url, secret, event, timestamp=None):
    """POST ``event`` (a dict, or the raw bytes of one) to ``url`` signed as Omise signs, with
    ``secret`` and ``timestamp`` (Unix seconds; default now): a replay, a forgery or a late one."""
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    return requests.post(url, data=body, timeout=10, headers={
        "Content-Type": "application/json", "Omise-Signature": signature(secret, timestamp, body),
        "Omise-Signature-Timestamp": timestamp})


def mark_as_paid(api_url, secret_key, charge_id):
    """The buyer scans and pays (Omise's test-mode control; works against Omise's test mode too)."""
    return _test_mode("mark_as_paid", api_url, secret_key, charge_id)


def mark_as_failed(api_url, secret_key, charge_id):
    """The buyer's bank rejects the payment (Omise's test-mode control)."""
    return _test_mode("mark_as_failed", api_url, secret_key, charge_id)


def serve(host="127.0.0.1", port=8010, secret_key="skey_test_standin", webhook_url=None,
          webhook_secret=None, previous_webhook_secret=None, state_file=None, attempts=8,
          retry_seconds=1.0, webhook_senders=4):
    """The stand-in's HTTP server (not yet serving: call serve_forever)."""
    account = Account(state_file)
    if webhook_url:
        Webhooks(account, webhook_url, webhook_secret, previous_webhook_secret, attempts, retry_seconds,
                 webhook_senders)
    server = ThreadingHTTPServer((host, port), handler_for(account, secret_key, f"http://{host}:{port}"))
    server.daemon_threads = True
    return server


def start(port, secret_key="skey_test_standin", webhook_url=None, webhook_secret=None, extra_args=(),
          output=None):
    """The stand-in as its own process on 127.0.0.1:``port``, once it answers; ``output`` takes
    its stdout and stderr (a file; None: inherited)."""
    command = [sys.executable, "-m", "devtools.omise_standin", "--port", str(port),
               "--secret-key", secret_key]
    if webhook_url:
        command += ["--webhook-url", webhook_url, "--webhook-secret", webhook_secret]
    process = subprocess.Popen([*command, *extra_args], stdout=output,
                               stderr=subprocess.STDOUT if output else None)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(f"{url}/charges", timeout=1)
            return process
        except requests.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop(process)
                raise RuntimeError(f"the Omise stand-in did not start: {' '.join(command)}") from None
            time.sleep(0.1)


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running(port, secret_key="skey_test_standin", webhook_url=None, webhook_secret=None, extra_args=()):
    """The stand-in as its own process on 127.0.0.1:``port`` until the block ends; yields its URL."""
    process = start(port, secret_key, webhook_url, webhook_secret, extra_args)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8010)
    parser.add_argument("--secret-key", default="skey_test_standin")
    parser.add_argument("--webhook-url")
    parser.add_argument("--webhook-secret", help="base64, as Omise's dashboard shows it")
    parser.add_argument("--previous-webhook-secret", help="also sign with this one (secret rotation)")
    parser.add_argument("--state", help="keep charges and events in this JSON file")
    parser.add_argument("--attempts", type=int, default=8)
    parser.add_argument("--retry-seconds", type=float, default=1.0)
    parser.add_argument("--webhook-senders", type=int, default=4, help="webhooks delivered at once")
    args = parser.parse_args()
    if args.webhook_url and not args.webhook_secret:
        parser.error("--webhook-url needs --webhook-secret")
    server = serve(args.host, args.port, args.secret_key, args.webhook_url, args.webhook_secret,
                   args.previous_webhook_secret, args.state, args.attempts, args.retry_seconds,
                   args.webhook_senders)
    print(f"Omise stand-in on http://{args.host}:{args.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


if __name__ == "__main__":
    main()
