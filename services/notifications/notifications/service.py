"""nameko entrypoints of the notifications service, and the worker that sends the mail."""
import logging
import time

import eventlet
from chassis.dependencies import BackgroundWorker
from chassis.http import http, path_uuid
from chassis.messaging import event_consumer
from chassis.service import PlatformService
from contracts import funds
from prometheus_client import Counter

from notifications import compose, handlers
from notifications.adapters import DELIVERY_CHANNEL, NotificationsUnitOfWork, SmtpMailer

log = logging.getLogger(__name__)

EMAILS = Counter("emails_total", "Officer emails by outcome: sent, retried, failed.", ["outcome"])


class DeliveryWorker(BackgroundWorker):
    """Sends queued emails over SMTP, at most SMTP_MAX_PER_SECOND, retrying temporary failures.

    The row stays locked while its message is sent and is marked sent in the same
    transaction: a crash after the server accepted but before the commit resends the
    message with the same Message-ID (SMTP cannot be exactly-once; see the README).
    """

    channel = DELIVERY_CHANNEL
    poll_config_key = "DELIVERY_POLL_SECONDS"

    def setup(self):
        super().setup()
        config = self.container.config
        self.mailer = SmtpMailer(
            config.get("SMTP_HOST", "127.0.0.1"), config.get("SMTP_PORT", 1025),
            config.get("SMTP_SECURITY", "none"), config.get("SMTP_USERNAME") or None,
            config.get("SMTP_PASSWORD") or None)
        self.sender_address = config.get("SMTP_FROM", "no-reply@codi.or.th")
        self.sender_name = config.get("SMTP_FROM_NAME", "ตลาดนัดองค์กรชุมชน")
        self.interval = 1.0 / float(config.get("SMTP_MAX_PER_SECOND", 20))
        self.batch = 20

    def run_once(self):
        with self.database.transaction() as cursor:
            deliveries = NotificationsUnitOfWork(cursor).deliveries
            due = deliveries.claim_due(self.batch)
            for delivery in due:
                started = time.monotonic()
                self.send(deliveries, delivery)
                eventlet.sleep(max(0.0, self.interval - (time.monotonic() - started)))
        return len(due) == self.batch

    def send(self, deliveries, delivery):
        try:
            self.mailer.send(compose.build_message(delivery, self.sender_address, self.sender_name))
        except Exception as exc:  # classified below: every failure is recorded
            error = f"{exc.__class__.__name__}: {exc}"
            attempts = delivery["attempts"] + 1
            if handlers.classify_smtp_failure(exc) == "permanent" or attempts >= handlers.MAX_ATTEMPTS:
                log.error("email %s failed for good: %s", delivery["message_id"], error)
                deliveries.mark_failed(delivery["id"], error)
                EMAILS.labels("failed").inc()
            else:
                log.warning("email %s failed, will retry: %s", delivery["message_id"], error)
                deliveries.mark_retry(delivery["id"], error, handlers.retry_delay_seconds(attempts))
                EMAILS.labels("retried").inc()
            return
        deliveries.mark_sent(delivery["id"])
        EMAILS.labels("sent").inc()


class NotificationsService(PlatformService):
    name = "notifications"
    mail = DeliveryWorker()

    @event_consumer(funds.OFFICER_REGISTERED)
    def on_officer_registered(self, event):
        with self.db.handling(event, "on_officer_registered", NotificationsUnitOfWork) as uow:
            if uow is not None:
                uow.officers.upsert(event.data)

    @event_consumer(funds.LEVY_PENDING)
    def on_levy_pending(self, event):
        domain = self.config.get("MESSAGE_ID_DOMAIN", "notifications.codi.or.th")
        with self.db.handling(event, "on_levy_pending", NotificationsUnitOfWork) as uow:
            if uow is not None:
                handlers.queue_levy_pending(uow, event, domain)

    @http("GET", "/v1/funds/<fund_id>/deliveries")
    def deliveries_of_fund(self, request, fund_id):
        self.db.principal(request).require("operator")
        with self.db.unit_of_work(NotificationsUnitOfWork) as uow:
            rows = uow.deliveries.for_fund(path_uuid(fund_id, "fund_id"))
        return 200, {"deliveries": rows}
