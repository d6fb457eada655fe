"""What the notifications service does with each event, tick and request (no I/O of its own:
repositories and the mailer are passed in).

``EVENT_HANDLERS`` is the handler table, registered once: ``chassis.service`` makes one consumer
per entry and ``notifications.bootstrap`` binds each handler's dependencies.
"""
import logging
import uuid

from chassis.errors import Conflict, NotFound, TransientError
from contracts import funds, web
from notifications import compose, preferences
from notifications.delivery import DeliveryFailure, PermanentDeliveryFailure

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Digest deliveries are keyed by (officer, slot) through a name-based UUID, so the
# same digest built twice is queued once and keeps its Message-ID.
DIGEST_NAMESPACE = uuid.UUID("4d1b6a52-7f0e-4f4e-9d53-6c2f2b0a9e11")
# Statement deliveries are keyed by (fund, month) the same way: one per fund, month and officer,
# whatever event carried it.
STATEMENT_NAMESPACE = uuid.UUID("9b0f3c1e-2d4a-4b6e-8f17-5a3c9e7d2b40")


def queue_email(uow, kind, event_id, officer, rendered, domain, attachment=None):
    """The new delivery's id, or None if this (event, officer) already has one. ``attachment``:
    (filename, content type, text)."""
    subject, text, html = rendered
    delivery_id = uuid.uuid4()
    name, content_type, content = attachment or (None, None, None)
    queued = uow.deliveries.queue({
        "id": delivery_id, "event_id": event_id, "officer_id": officer["id"],
        "fund_id": officer["fund_id"], "kind": kind.name, "recipient": officer["email"],
        "subject": subject, "text_body": text, "html_body": html,
        "message_id": compose.message_id(event_id, officer["id"], domain),
        "attachment_name": name, "attachment_type": content_type, "attachment": content,
    })
    return delivery_id if queued else None


def queue_levy_movement(uow, event, kind, domain, web_url):
    """Email each active officer of the fund about a levy movement now, or keep it for
    their digest, as their preferences and the kind's criticality say.

    The event names the officers the funds registry knew; if one has not reached this
    service yet (events travel on separate queues), wait for it rather than skip them.
    Returns the number of emails queued.
    """
    officers = uow.officers.of_fund(event.data["fund_id"])
    missing = set(event.data["officer_ids"]) - {officer["id"] for officer in officers}
    if missing:
        raise TransientError(f"officers not known yet: {sorted(map(str, missing))}")
    queued = 0
    for officer in officers:
        mode = preferences.delivery_mode(officer["preferences"], kind)
        if mode == preferences.DIGEST:
            uow.digest_items.add(event.event_id, officer["id"],
                                 compose.digest_item(event.data, event.occurred_at, kind))
        elif mode == preferences.IMMEDIATE:
            rendered = compose.render_levy(kind, event.data, officer, event.occurred_at, web_url)
            queued += queue_email(uow, kind, event.event_id, officer, rendered, domain) is not None
    return queued


# the email template of each levy movement the funds service announces
LEVY_MOVEMENTS = {funds.LEVY_PENDING: compose.LEVY_PENDING, funds.LEVY_POSTED: compose.LEVY_POSTED,
                  funds.LEVY_VOIDED: compose.LEVY_VOIDED, funds.LEVY_REVERSED: compose.LEVY_REVERSED}


def email_levy_movement(uow, event, message_id_domain, web_url):
    return queue_levy_movement(uow, event, LEVY_MOVEMENTS[event.type], message_id_domain, web_url)


def email_monthly_statement(uow, event, message_id_domain, web_url):
    """Email a fund's monthly statement, its CSV attached, to each active officer who wants it
    (``preferences.monthly_statement``). One delivery per (fund, month, officer): the delivery's
    event id is named after the fund and month. Returns the number of emails queued."""
    data = event.data
    statement_id = uuid.uuid5(STATEMENT_NAMESPACE, f"{data['fund_id']}:{data['month']}")
    attachment = compose.statement_attachment(data)
    queued = 0
    for officer in uow.officers.of_fund(data["fund_id"]):
        if not officer["preferences"].get("monthly_statement", True):
            continue
        rendered = compose.render_monthly_statement(data, officer, web_url)
        queued += queue_email(uow, compose.MONTHLY_STATEMENT, statement_id, officer, rendered,
                              message_id_domain, attachment) is not None
    return queued


def record_officer(uow, event):
    uow.officers.upsert(event.data)


def email_signin_link(uow, event, message_id_domain):
    """Queue the one email of a sign-in link to the address that asked (no officer, no fund).

    The link is the secret: it is kept in the delivery's ``secret`` (never in its body, subject
    or log entry), put in only when the email is built, and dropped once it is sent or failed.
    Returns the number of emails queued (0 for a redelivered event)."""
    data = event.data
    subject, text, html = compose.render_signin(data["expires_at"])
    queued = uow.deliveries.queue({
        "id": uuid.uuid4(), "event_id": event.event_id, "officer_id": None, "fund_id": None,
        "kind": compose.SIGNIN_LINK.name, "recipient": data["email"], "subject": subject,
        "text_body": text, "html_body": html, "secret": data["link"],
        "message_id": compose.message_id(event.event_id, None, message_id_domain),
    })
    return int(queued)


EVENT_HANDLERS = {
    funds.OFFICER_REGISTERED: record_officer,
    web.SIGNIN_LINK_REQUESTED: email_signin_link,
    funds.STATEMENT_ISSUED: email_monthly_statement,
    **{event_type: email_levy_movement for event_type in LEVY_MOVEMENTS},
}


def queue_due_digests(uow, now, domain, web_url):
    """Queue one digest email for every officer whose chosen time has come; returns how many.

    Credits left waiting when an officer changed preferences are sent now, or dropped if
    the officer opted out of non-critical mail.
    """
    queued = 0
    for officer in uow.officers.awaiting_digest():
        if preferences.delivery_mode(officer["preferences"], compose.DAILY_DIGEST) is None:
            uow.digest_items.discard_waiting(officer["id"])
            continue
        slot = preferences.due_digest_slot(
            now, officer["preferences"].get("daily_digest_at"), officer["oldest_waiting"])
        if slot is None:
            continue
        waiting = uow.digest_items.waiting_until(officer["id"], slot)
        digest_id = uuid.uuid5(DIGEST_NAMESPACE, f"{officer['id']}:{slot.isoformat()}")
        rendered = compose.render_daily_digest([row["item"] for row in waiting], officer, slot, web_url)
        delivery_id = queue_email(uow, compose.DAILY_DIGEST, digest_id, officer, rendered, domain)
        if delivery_id is None:
            # this slot's digest went already; a credit that committed just after it was
            # built waits for the next slot's digest
            continue
        uow.digest_items.mark_digested(officer["id"], [row["event_id"] for row in waiting], delivery_id)
        queued += 1
    return queued


def retry_delay_seconds(attempts):
    return min(3600, 2 ** attempts)


def deliver(deliveries, delivery, mailer, sender_address, sender_name):
    """Send one claimed email and record the outcome: 'sent', 'retried' or 'failed'.

    The caller commits the record after this returns. If the process dies after the server
    accepted the message but before that commit, the row is still queued and is sent
    again later with the same Message-ID: at-least-once, never silently lost.
    """
    try:
        message = compose.build_message(delivery, sender_address, sender_name)
    except Exception as exc:  # pure code: building again cannot succeed, and a stuck row would block the queue
        log.exception("email %s cannot be built", delivery["message_id"])
        failure = PermanentDeliveryFailure(f"{exc.__class__.__name__}: {exc}")
    else:
        try:
            mailer.send(message)
        except DeliveryFailure as exc:  # the mailer raises nothing else
            failure = exc
        else:
            deliveries.mark_sent(delivery["id"])
            return "sent"
    error = str(failure)
    attempts = delivery["attempts"] + 1
    if isinstance(failure, PermanentDeliveryFailure) or attempts >= MAX_ATTEMPTS:
        log.error("email %s failed for good: %s", delivery["message_id"], error)
        deliveries.mark_failed(delivery["id"], error)
        return "failed"
    log.warning("email %s failed, will retry: %s", delivery["message_id"], error)
    deliveries.mark_retry(delivery["id"], error, retry_delay_seconds(attempts))
    return "retried"


def resend(uow, delivery_id):
    """Queue a failed email again; it keeps its Message-ID. Returns its log entry."""
    entry = uow.deliveries.requeue_failed(delivery_id)
    if entry is not None:
        uow.deliveries.wake_sender()
        return entry
    status = uow.deliveries.status_of(delivery_id)
    if status is None:
        raise NotFound("ไม่พบอีเมลนี้ (no such delivery)")
    if status == "failed":
        raise Conflict("ส่งลิงก์เข้าสู่ระบบซ้ำไม่ได้ ลิงก์ถูกลบแล้ว ผู้ใช้ต้องขอลิงก์ใหม่ (a sign-in link is not "
                       "resent: it was dropped when sending failed; the person asks for a new one)", status=status)
    raise Conflict(f"ส่งซ้ำได้เฉพาะอีเมลที่ส่งไม่สำเร็จ (only a failed email can be resent; "
                   f"this one is {status})", status=status)
