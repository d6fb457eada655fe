"""The mixed workload over HTTP: orders placed, paid, delivered, cancelled and partially refunded;
surplus shared (requested, approved or declined, shipped, received); goods exchanged.

Orders are paid the two ways money is confirmed, never by the buyer: through the provider (the
buyer's GET of the payment request creates the charge; the buyer "scans and pays" with the
stand-in's test-mode mark_as_paid; the stand-in's signed webhook pays the order), or by a direct
transfer the seller confirms. Every call is retried with the same Idempotency-Key until it gets an
answer, so a service killed mid-request neither loses nor doubles the request. What each order went
through is recorded; the checker trusts the marketplace's database, not this record, for what was
really paid, and this record (the charge issued for each order, each transfer confirmed) to say
whether each payment was backed by money.
"""
import datetime as dt
import threading
import time
import uuid

import requests

RETRYABLE = {502, 503, 504}
PAID_WAIT_SECONDS = 240  # the stand-in retries a webhook for about two minutes while the marketplace is down
DIRECT_SHARE = 0.3       # of the paid orders, those sold by the seller paid by direct transfer
SHIPMENT = {"carrier": "thailand_post", "tracking_number": "EE123456785TH"}  # a valid S10 number
SHARE_PLANS, EXCHANGE_PLANS = 0.08, 0.06  # of the plans, shares and exchanges (the rest are orders)
SHIP_TO = {"name": "ทดสอบ", "address_line": "1 ถนนถลาง", "subdistrict_code": "830101"}


class Payments:
    """What the workload (and the faults' own orders) did to pay: {order id: charge id} issued by
    the provider for each order, {order id: transfer reference} confirmed by the seller."""

    def __init__(self):
        self.lock = threading.Lock()
        self.charges, self.transfers = {}, {}

    def issued(self, order_id, charge_id):
        with self.lock:
            self.charges[order_id] = charge_id

    def confirmed(self, order_id, reference):
        with self.lock:
            self.transfers[order_id] = reference


class Client:
    def __init__(self, platform, give_up_after=120.0):
        self.platform = platform
        self.give_up_after = give_up_after
        self.session = requests.Session()
        self.retries = 0

    def call(self, method, service, path, token, body=None, key=None):
        """(status, JSON body); retries connection failures and 5xx with the same key."""
        headers = {"Authorization": f"Bearer {token}"}
        if key:
            headers["Idempotency-Key"] = key
        return self.retrying(f"{method} {path}", lambda: self.session.request(
            method, self.platform.url(service, path), json=body, headers=headers, timeout=10))

    def retrying(self, what, send, final=()):
        """(status, JSON body) of the first answer of ``send()`` that is not a 5xx, or is one of ``final``."""
        deadline = time.monotonic() + self.give_up_after
        while True:
            try:
                response = send()
                if response.status_code not in RETRYABLE or response.status_code in final:
                    return response.status_code, response.json()
            except (requests.ConnectionError, requests.Timeout, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: no answer for {self.give_up_after}s")
            self.retries += 1
            time.sleep(0.2)

    def payment_request(self, order_id, token):
        """The order's payment request; for a provider payment the first GET creates the charge."""
        status, body = self.call("GET", "marketplace", f"/v1/orders/{order_id}/payment-request", token)
        if status != 200:
            raise RuntimeError(f"GET payment-request of {order_id}: {status} {body}")
        return body

    def pay_at_provider(self, charge_id):
        """The buyer scans and pays (the stand-in's test-mode control); its webhook follows.
        A charge already paid (an earlier attempt whose answer was lost) is left as it is."""
        try:
            self.platform.mark_as_paid(charge_id)
            return "paid"
        except requests.HTTPError as exc:
            return f"refused {exc.response.status_code}"

    def wait_paid(self, order_id, token, timeout=PAID_WAIT_SECONDS):
        """The order's payment status once it is not awaiting payment, or 'unpaid' at the timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, order = self.call("GET", "marketplace", f"/v1/orders/{order_id}", token)
            if status == 200 and order["payment_status"] != "unpaid":
                return order["payment_status"]
            time.sleep(0.2)
        return "unpaid"


def plan_order(rng, supports_lifecycle):
    """What happens to one order (or share, or exchange), chosen by the seeded random generator."""
    bags = rng.randint(1, 5)
    seller = "direct" if rng.random() < DIRECT_SHARE else "provider"
    if not supports_lifecycle:
        return {"bags": bags, "seller": seller, "steps": ["pay"]}
    roll = rng.random()
    if roll < SHARE_PLANS:     # surplus rice given away: approved and received, or declined
        steps = ["request", "decline"] if rng.random() < 0.2 else ["request", "approve", "ship", "receive"]
        return {"kind": "share", "bags": bags, "steps": steps}
    if roll < SHARE_PLANS + EXCHANGE_PLANS:  # rice for the buyer's own goods, or declined
        steps = ["offer", "decline"] if rng.random() < 0.2 else ["offer", "accept", "ship", "receive"]
        return {"kind": "exchange", "bags": bags, "steps": steps}
    roll = rng.random()
    if roll < 0.15:
        steps = ["cancel"]                                   # cancelled before payment
    elif roll < 0.30:
        steps = ["pay", "cancel"]                            # cancelled after payment
    elif roll < 0.55:
        steps = ["pay", "ship", "deliver"]
    elif roll < 0.75 and bags > 1:
        steps = ["pay", "ship", "deliver", "refund"]         # partial refund after delivery
    else:
        steps = ["pay"]
    return {"bags": bags, "seller": seller, "steps": steps}


def place(client, network, bags, seller="provider"):
    """(status, order) of a new order of ``bags`` of ``seller``'s product by the network's buyer."""
    product = network["sellers"][seller]["product"]
    return client.call("POST", "marketplace", "/v1/orders", network["buyer_token"], {
        "lines": [{"product_id": product["id"], "quantity": bags}],
        "ship_to": SHIP_TO}, key=str(uuid.uuid4()))


def pay(client, network, payments, order, seller):
    """Pay ``order`` the way its seller is paid; what the marketplace then says of its payment."""
    buyer = network["buyer_token"]
    if seller == "provider":
        request = client.payment_request(order["id"], buyer)
        payments.issued(order["id"], request["charge_id"])
        client.pay_at_provider(request["charge_id"])
        return client.wait_paid(order["id"], buyer)
    reference = f"TRF-{uuid.uuid4().hex[:12].upper()}"
    status, _ = client.call(
        "POST", "marketplace", f"/v1/orders/{order['id']}/transfer-confirmations",
        network["sellers"]["direct"]["token"],
        {"reference": reference, "amount_satang": order["total_satang"],
         "transferred_at": dt.datetime.now(dt.timezone.utc).isoformat()}, key=str(uuid.uuid4()))
    if status == 200:
        payments.confirmed(order["id"], reference)
    return status


def run_share(client, network, plan):
    """The buyer asks for ``bags`` of the direct seller's surplus rice; the giver approves (or
    declines), ships it, and the buyer confirms receipt. Returns the share id and the answers."""
    giver, receiver = network["sellers"]["direct"]["token"], network["buyer_token"]
    status, share = client.call("POST", "marketplace", "/v1/shares", receiver, {
        "listing_id": network["listings"]["share"]["id"], "quantity": plan["bags"], "ship_to": SHIP_TO},
        key=str(uuid.uuid4()))
    if status != 201:
        return None, {"request": status}
    outcome, path = {"request": status}, f"/v1/shares/{share['id']}"
    for step in plan["steps"][1:]:
        token, body, action = {"approve": (giver, None, "approval"), "decline": (giver, None, "decline"),
                               "ship": (giver, SHIPMENT, "shipment"), "receive": (receiver, None, "receipt")}[step]
        outcome[step], _ = client.call("POST", "marketplace", f"{path}/{action}", token, body,
                                       key=str(uuid.uuid4()))
    return share["id"], outcome


def run_exchange(client, network, plan):
    """The buyer offers a bag of its own dried fish for ``bags`` of the provider seller's rice; the
    owner accepts (or declines), each side ships its goods and confirms the other's."""
    owner, offerer = network["sellers"]["provider"]["token"], network["buyer_token"]
    status, exchange = client.call("POST", "marketplace", "/v1/exchanges", offerer, {
        "listing_id": network["listings"]["exchange"]["id"], "quantity": plan["bags"],
        "offered_listing_id": network["listings"]["offered"]["id"], "offered_quantity": 1},
        key=str(uuid.uuid4()))
    if status != 201:
        return None, {"offer": status}
    outcome, path = {"offer": status}, f"/v1/exchanges/{exchange['id']}"
    for step in plan["steps"][1:]:
        calls = {"accept": [(owner, "acceptance", None)], "decline": [(owner, "decline", None)],
                 "ship": [(owner, "shipment", SHIPMENT), (offerer, "shipment", SHIPMENT)],
                 "receive": [(offerer, "receipt", {}), (owner, "receipt", {})]}[step]
        outcome[step] = [client.call("POST", "marketplace", f"{path}/{action}", token, body,
                                     key=str(uuid.uuid4()))[0] for token, action, body in calls]
    return exchange["id"], outcome


def run_order(client, network, payments, plan, rng):
    """Drive one order (or share, or exchange) through its plan; returns its id and what each step answered."""
    if plan.get("kind") == "share":
        return run_share(client, network, plan)
    if plan.get("kind") == "exchange":
        return run_exchange(client, network, plan)
    operator = network["ops"]["marketplace"]
    status, order = place(client, network, plan["bags"], plan["seller"])
    if status != 201:
        return None, {"place": status}
    outcome = {"place": status}
    order_path = f"/v1/orders/{order['id']}"
    for step in plan["steps"]:
        if step == "pay":
            outcome[step] = pay(client, network, payments, order, plan["seller"])
        elif step == "cancel":
            outcome[step], _ = client.call("POST", "marketplace", f"{order_path}/cancellation", operator,
                                           {}, key=str(uuid.uuid4()))
        elif step == "ship":  # an operator on the seller's behalf
            outcome[step], _ = client.call("POST", "marketplace", f"{order_path}/shipment", operator,
                                           SHIPMENT, key=str(uuid.uuid4()))
        elif step == "deliver":  # the buyer's word that the goods arrived
            outcome[step], _ = client.call("POST", "marketplace", f"{order_path}/receipt",
                                           network["buyer_token"], None, key=str(uuid.uuid4()))
        elif step == "refund":
            quantity = rng.randint(1, plan["bags"] - 1)
            outcome[step], _ = client.call("POST", "marketplace", f"{order_path}/refunds", operator,
                                           {"lines": [{"line_no": 1, "quantity": quantity}]},
                                           key=str(uuid.uuid4()))
    return order["id"], outcome
