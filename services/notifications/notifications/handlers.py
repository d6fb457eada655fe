"""What the notifications service does with each event (no I/O of its own)."""
import smtplib
import uuid

from chassis.errors import TransientError
from notifications import compose

MAX_ATTEMPTS = 8


def queue_levy_pending(uow, event, domain):
    """Queue one email per active officer of the fund who wants an email per credit.

    The event names the officers the funds registry knew; if one has not reached this
    service yet (events travel on separate queues), wait for it rather than skip them.
    """
    officers = uow.officers.of_fund(event.data["fund_id"])
    missing = set(event.data["officer_ids"]) - {officer["id"] for officer in officers}
    if missing:
        raise TransientError(f"officers not known yet: {sorted(map(str, missing))}")
    queued = 0
    for officer in officers:
        if not officer["preferences"].get("per_credit", True):
            continue
        subject, text, html = compose.render_levy_pending(event.data, officer, event.occurred_at)
        queued += uow.deliveries.queue({
            "id": uuid.uuid4(), "event_id": event.event_id, "officer_id": officer["id"],
            "fund_id": event.data["fund_id"], "recipient": officer["email"], "subject": subject,
            "text_body": text, "html_body": html,
            "message_id": compose.message_id(event.event_id, officer["id"], domain),
        })
    return queued


def classify_smtp_failure(exc):
    """'temporary' (try again later) or 'permanent' (record and stop)."""
    if isinstance(exc, compose.UnsafeRecipient):
        return "permanent"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        return "temporary" if codes and all(400 <= c < 500 for c in codes) else "permanent"
    if isinstance(exc, smtplib.SMTPResponseException):
        return "temporary" if 400 <= exc.smtp_code < 500 else "permanent"
    return "temporary"  # connection refused, reset or timed out


def retry_delay_seconds(attempts):
    return min(3600, 2 ** attempts)
