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
