"""After the faults: count what was lost, doubled or unexpected, in the manner of Jepsen's checkers.

The expected levy of every order is computed here, independently of the funds service's code, from
the marketplace's own database (what was really paid, cancelled, refunded) and the agreement the
run created (a fixed amount per unit to one fund). It is compared with the funds ledger.
"""
import email
import email.policy
import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path


def expected_levies(orders, refunded, rate_per_unit):
    """{order_id: satang the fund should hold (pending + posted)} from the marketplace's state.

    A paid order owes rate × quantity; a cancellation after payment voids it; a refund takes back the
    refunded units' share. Orders never paid owe nothing.
    """
    expected = {}
    for order in orders:
        if order["paid_at"] is None or order["status"] in ("cancelled", "expired"):
            expected[order["id"]] = 0
            continue
        units = order["quantity"] - refunded.get(order["id"], 0)
        expected[order["id"]] = rate_per_unit * units
    return expected


def compare(expected, actual):
    """(lost, duplicated, unexpected) orders.

    lost: the fund holds less than the order owes; duplicated: more than a paid order owes;
    unexpected: anything held for an order that owes nothing (never paid, or cancelled).
    """
    lost = sum(1 for order, owed in expected.items() if actual.get(order, 0) < owed)
    duplicated = sum(1 for order, owed in expected.items() if 0 < owed < actual.get(order, 0))
    unexpected = sum(1 for order, held in actual.items() if held > 0 and expected.get(order, 0) == 0)
    return lost, duplicated, unexpected


def levy_above_money(actual, money_kept):
    """Orders whose fund holds more levy than the money paid for them and not given back (levy
    follows money: a 0-baht or refunded order can never have been credited more than it brought)."""
    return sum(1 for order, held in actual.items() if held > money_kept.get(order, 0))


def message_id(event_id, officer_id, domain):
    """The notifications service's deterministic Message-ID, recomputed independently."""
    digest = hashlib.sha256(f"{event_id}:{officer_id}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"


def check_emails(mail_dir, levy_events, officer_ids, domain):
    """(missing, duplicated, resent with the same Message-ID) for the per-credit emails."""
    received = Counter()
    for path in Path(mail_dir).glob("*.eml"):
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        received[mail["Message-ID"]] += 1
    expected = {message_id(event_id, officer, domain) for event_id in levy_events for officer in officer_ids}
    missing = len(expected - set(received))
    duplicated = len(set(received) - expected)          # a second, different email for the same credit
    resent_same_id = sum(count - 1 for mid, count in received.items() if mid in expected and count > 1)
    return missing, duplicated, resent_same_id


def levy_email_events(outbox_rows):
    """Event ids of the levy movements officers are emailed about (pending, voided, reversed),
    and movements announced more than once (each would be a second, different email)."""
    by_movement = defaultdict(list)
    for row in outbox_rows:
        body = json.loads(row["body"])
        movement = (body["event_type"], body["data"]["credit_id"], body["data"].get("reversal_id"))
        by_movement[movement].append(body["event_id"])
    doubled = sum(1 for events in by_movement.values() if len(events) > 1)
    return [event for events in by_movement.values() for event in events], doubled


# -- payments: every paid order backed by money; forged and replayed webhooks changed nothing -----

FORGERY_ANSWERS = {"bad_signature": {401}, "stale_timestamp": {401},
                   "other_orders_charge": {200},  # verified, yet changes nothing
                   "unpaid_charge": {503}}  # verified, but the charge is pending: told to come again


class WebhookLedger:
    """What the webhook faults sent: each forgery (its kind, the answer, the order that must stay
    unpaid) and each replay (the answers)."""

    def __init__(self):
        self.forgeries, self.replays = [], []

    def forged(self, kind, status, order_id):
        self.forgeries.append((kind, status, str(order_id)))

    def replayed(self, key, statuses):
        self.replays.append((key, list(statuses)))


def webhook_verdict(ledger, payment_status_of):
    """Counts of forgeries by kind and outcome, and of replays; ``payment_status_of(order_id)`` is the
    marketplace's payment status of a victim order now. ``accepted`` (a victim paid) and
    ``unexpected_answers`` must be 0."""
    by_kind = Counter(kind for kind, _, _ in ledger.forgeries)
    rejected = sum(1 for _, status, _ in ledger.forgeries if status == 401)
    ignored = sum(1 for _, status, _ in ledger.forgeries if status in (200, 503))
    unexpected = sum(1 for kind, status, _ in ledger.forgeries if status not in FORGERY_ANSWERS[kind])
    accepted = sum(1 for _, _, order_id in ledger.forgeries if payment_status_of(order_id) != "unpaid")
    replay_answers = [status for _, statuses in ledger.replays for status in statuses]
    return {"forged": dict(by_kind), "forged_rejected": rejected, "forged_ignored": ignored,
            "forged_accepted": accepted,
            "replays": len(ledger.replays), "replayed_deliveries": len(replay_answers),
            "unexpected_answers": unexpected + sum(1 for status in replay_answers if status != 200)}


def unbacked_payments(paid_events, orders, provider_charges, issued_charges, transfers):
    """Orders paid without money, each with why, and orders paid more than once.

    ``paid_events``: the data of every order.paid the marketplace staged; ``orders``: {order id:
    {"total_satang", "seller_org_id"}}; ``provider_charges``: {charge id: the charge as the provider
    lists it}; ``issued_charges``: {order id: the charge the payment request issued for it};
    ``transfers``: {order id: the reference its seller confirmed}. A provider payment must name the
    order's own charge, successful at the provider, of the order's total; a direct transfer must be
    one the seller (or an operator) confirmed, with its reference. Never the buyer.
    """
    unbacked, seen = [], Counter()
    for data in paid_events:
        order_id, payment = str(data["order_id"]), data.get("payment") or {}
        seen[order_id] += 1
        order = orders.get(order_id, {})
        confirmer = payment.get("confirmed_by") or {}
        if payment.get("method") == "provider":
            charge = provider_charges.get(payment.get("charge_id"))
            if confirmer.get("kind") != "provider":
                why = f"confirmed by {confirmer.get('kind')}"
            elif payment.get("charge_id") != issued_charges.get(order_id):
                why = "not the order's own charge"
            elif charge is None:
                why = "a charge the provider does not know"
            elif charge["status"] != "successful":
                why = f"a {charge['status']} charge"
            elif charge["amount"] != order.get("total_satang"):
                why = "a charge of another amount"
            else:
                continue
        elif payment.get("method") == "direct_transfer":
            if confirmer.get("kind") == "organisation" and confirmer.get("id") != str(order.get("seller_org_id")):
                why = "confirmed by an organisation that is not the seller"
            elif confirmer.get("kind") not in ("organisation", "operator"):
                why = f"confirmed by {confirmer.get('kind')}"
            elif transfers.get(order_id) != payment.get("reference"):
                why = "a transfer nobody confirmed"
            else:
                continue
        else:
            why = "no payment facts (the buyer's word)"
        unbacked.append((order_id, why))
    paid_twice = sum(1 for count in seen.values() if count > 1)
    return unbacked, paid_twice


# -- what HTTP clients were told: nothing acknowledged may be missing afterwards -------------------

# A step of the workload that was answered with success, and the event the marketplace stages in
# the same transaction as its effect (an exchange's two shipments and receipts: two calls, one event
# that the exchange was shipped, one that it was completed)
ACKNOWLEDGED_EVENTS = {
    "order": {"place": "order.placed", "pay": "order.paid", "cancel": "order.cancelled",
              "ship": "order.shipped", "deliver": "order.delivered", "refund": "order.refunded"},
    "share": {"request": "share.requested", "approve": "share.approved", "decline": "share.declined",
              "ship": "share.shipped", "receive": "share.received"},
    "exchange": {"offer": "exchange.offered", "accept": "exchange.accepted", "decline": "exchange.declined",
                 "ship": "exchange.shipped", "receive": "exchange.completed"},
}
SUBJECT_IDS = ("order_id", "share_id", "exchange_id")


def succeeded(answer):
    """An answer that told the client its step is done: 200 or 201, each of several calls'
    statuses, or the payment status a provider payment ended in (anything but still unpaid).
    A 202 is not: a cancellation or refund of a provider payment is only asked of the provider
    then, and its event waits for the provider's confirmation."""
    if isinstance(answer, list):
        return bool(answer) and all(succeeded(one) for one in answer)
    if isinstance(answer, str):
        return answer != "unpaid"
    return answer in (200, 201)


def acknowledged_lost(driven, events):
    """Steps an HTTP client was told succeeded whose event the marketplace does not hold.

    ``driven``: [(kind: order/share/exchange, subject id, {step: answer})] as the workload recorded
    them; ``events``: [(routing key, data)] of the marketplace's outbox. Returns (count, up to 20
    examples, how many acknowledged steps were checked). A database that lost a commit it had acknowledged (a failover to a standby that
    did not have it) shows here even where the ledger agrees with the marketplace.
    """
    staged = {(key, str(data[name])) for key, data in events for name in SUBJECT_IDS if name in data}
    acknowledged = [(kind, str(subject), step) for kind, subject, outcome in driven if subject
                    for step, answer in outcome.items() if succeeded(answer)]
    missing = [(kind, subject, step) for kind, subject, step in acknowledged
               if (ACKNOWLEDGED_EVENTS[kind][step], subject) not in staged]
    return len(missing), missing[:20], len(acknowledged)
