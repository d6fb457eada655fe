"""The mixed workload: orders placed, paid, delivered, cancelled and partially refunded over HTTP.

Every call is retried with the same Idempotency-Key until it gets an answer, so a service killed
mid-request neither loses nor doubles the request. What each order went through is recorded; the
checker trusts the marketplace's database, not this record, for what was really paid.
"""
import time
import uuid

import requests

RETRYABLE = {502, 503, 504}


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
        deadline = time.monotonic() + self.give_up_after
        while True:
            try:
                response = self.session.request(method, self.platform.url(service, path), json=body,
                                                headers=headers, timeout=10)
                if response.status_code not in RETRYABLE:
                    return response.status_code, response.json()
            except (requests.ConnectionError, requests.Timeout, ValueError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{method} {path}: no answer for {self.give_up_after}s")
            self.retries += 1
            time.sleep(0.2)


def plan_order(rng, supports_lifecycle):
    """What happens to one order, chosen by the seeded random generator."""
    bags = rng.randint(1, 5)
    if not supports_lifecycle:
        return {"bags": bags, "steps": ["pay"]}
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
    return {"bags": bags, "steps": steps}


def run_order(client, network, plan, rng):
    """Drive one order through its plan; returns the order id and what each step answered."""
    buyer, operator = network["buyer_token"], network["ops"]["marketplace"]
    status, order = client.call("POST", "marketplace", "/v1/orders", buyer, {
        "lines": [{"product_id": network["product"]["id"], "quantity": plan["bags"]}],
        "ship_to": {"name": "ทดสอบ", "address_line": "1 ถนนถลาง", "subdistrict_code": "830101"}},
        key=str(uuid.uuid4()))
    if status != 201:
        return None, {"place": status}
    outcome = {"place": status}
    order_path = f"/v1/orders/{order['id']}"
    for step in plan["steps"]:
        if step == "pay":
            outcome[step], _ = client.call("POST", "marketplace", f"{order_path}/payments", buyer,
                                           {"amount_satang": order["total_satang"]}, key=str(uuid.uuid4()))
        elif step == "cancel":
            outcome[step], _ = client.call("POST", "marketplace", f"{order_path}/cancellation", operator,
                                           {}, key=str(uuid.uuid4()))
        elif step in ("ship", "deliver"):
            outcome[step], _ = client.call(
                "POST", "marketplace", f"{order_path}/fulfilments", operator,
                {"status": "shipped" if step == "ship" else "delivered"}, key=str(uuid.uuid4()))
        elif step == "refund":
            quantity = rng.randint(1, plan["bags"] - 1)
            outcome[step], _ = client.call("POST", "marketplace", f"{order_path}/refunds", operator,
                                           {"lines": [{"line_no": 1, "quantity": quantity}]},
                                           key=str(uuid.uuid4()))
    return order["id"], outcome
