"""nameko entrypoints of the notifications service, and the worker that sends the mail."""
import datetime as dt
import logging

import eventlet
from chassis import failpoints
from chassis.dependencies import BackgroundWorker
from chassis.http import http, path_uuid
from chassis.messaging import event_consumer
from chassis.service import PlatformService
from contracts import funds
from nameko.timer import timer
from prometheus_client import Counter

from notifications import compose, handlers, schemas
from notifications.adapters import DELIVERY_CHANNEL, NotificationsUnitOfWork, SmtpMailer
from notifications.ratelimit import TokenBucket

log = logging.getLogger(__name__)

EMAILS = Counter("codi_emails_total", "Officer emails by outcome: sent, retried, failed.", ["outcome"])
DIGEST_CHECK_SECONDS = 60  # digest times are to the minute
OPERATOR = ("operator",)
TEMPLATE_KIND = {"kind": {"type": "string", "enum": sorted(compose.KINDS)}}


class DeliveryWorker(BackgroundWorker):
    """Sends queued emails over SMTP, retrying temporary failures, within the server's rate.

    Config: SMTP_HOST, SMTP_PORT, SMTP_SECURITY (none, starttls, tls), SMTP_USERNAME,
    SMTP_PASSWORD, SMTP_CA_FILE, SMTP_FROM, SMTP_FROM_NAME, SMTP_MAX_PER_SECOND, SMTP_BURST.
    The token bucket is per process, for its one SMTP server: N instances may send N times
    the rate. Each email's row stays locked while it is sent and its outcome is recorded in
    the same transaction (see ``handlers.deliver`` for what a crash in between means).
    """

    channel = DELIVERY_CHANNEL
    poll_config_key = "DELIVERY_POLL_SECONDS"
    batch = 20  # emails per wake-up before looking at the NOTIFY channel again

    def setup(self):
        super().setup()
        config = self.container.config
        self.mailer = SmtpMailer(
            config.get("SMTP_HOST", "127.0.0.1"), config.get("SMTP_PORT", 1025),
            config.get("SMTP_SECURITY", "none"), config.get("SMTP_USERNAME") or None,
            config.get("SMTP_PASSWORD") or None, ca_file=config.get("SMTP_CA_FILE") or None)
        self.sender_address = config.get("SMTP_FROM", "no-reply@codi.or.th")
        self.sender_name = config.get("SMTP_FROM_NAME", "ตลาดนัดองค์กรชุมชน")
        self.bucket = TokenBucket(float(config.get("SMTP_MAX_PER_SECOND", 20)),
                                  float(config.get("SMTP_BURST", 5)))

    def run_once(self):
        # one SMTP connection per batch, one transaction per email: a failure to record one
        # outcome resends that email only
        with self.mailer.session():
            return self._send_batch()

    def _send_batch(self):
        for _ in range(self.batch):
            with self.database.transaction() as cursor:
                deliveries = NotificationsUnitOfWork(cursor).deliveries
                due = deliveries.claim_due(1)
                if not due:
                    return False
                eventlet.sleep(self.bucket.reserve())
                outcome = handlers.deliver(deliveries, due[0], self.mailer,
                                           self.sender_address, self.sender_name)
                failpoints.hit("mail.after_send")  # sent, not yet recorded: sent again later
            EMAILS.labels(outcome).inc()
        return True


class NotificationsService(PlatformService):
    name = "notifications"
    mail = DeliveryWorker()

    @property
    def message_id_domain(self):
        return self.config.get("MESSAGE_ID_DOMAIN", "notifications.codi.or.th")

    @event_consumer(funds.OFFICER_REGISTERED)
    def on_officer_registered(self, event):
        with self.db.handling(event, "on_officer_registered", NotificationsUnitOfWork) as uow:
            if uow is not None:
                uow.officers.upsert(event.data)

    def _levy_movement(self, event, consumer, kind):
        with self.db.handling(event, consumer, NotificationsUnitOfWork) as uow:
            if uow is not None:
                handlers.queue_levy_movement(uow, event, kind, self.message_id_domain)

    @event_consumer(funds.LEVY_PENDING)
    def on_levy_pending(self, event):
        self._levy_movement(event, "on_levy_pending", compose.LEVY_PENDING)

    @event_consumer(funds.LEVY_POSTED)
    def on_levy_posted(self, event):
        self._levy_movement(event, "on_levy_posted", compose.LEVY_POSTED)

    @event_consumer(funds.LEVY_VOIDED)
    def on_levy_voided(self, event):
        self._levy_movement(event, "on_levy_voided", compose.LEVY_VOIDED)

    @event_consumer(funds.LEVY_REVERSED)
    def on_levy_reversed(self, event):
        self._levy_movement(event, "on_levy_reversed", compose.LEVY_REVERSED)

    @timer(interval=DIGEST_CHECK_SECONDS)
    def queue_due_digests(self):
        with self.db.unit_of_work(NotificationsUnitOfWork) as uow:
            handlers.queue_due_digests(uow, dt.datetime.now(dt.timezone.utc), self.message_id_domain)

    @http("GET", "/v1/funds/<fund_id>/deliveries", query=schemas.LogQuery, response=schemas.DeliveryLog,
          roles=OPERATOR)
    def deliveries_of_fund(self, fund_id, query):
        """อีเมลถึงเจ้าหน้าที่ของกองทุน (the emails to a fund's officers, newest first)"""
        fund_id = path_uuid(fund_id, "fund_id")
        with self.db.unit_of_work(NotificationsUnitOfWork) as uow:
            return {"deliveries": uow.deliveries.for_fund(fund_id, **query)}

    @http("GET", "/v1/deliveries", query=schemas.RecipientLogQuery, response=schemas.DeliveryLog,
          roles=OPERATOR)
    def deliveries_of_recipient(self, query):
        """อีเมลถึงผู้รับหนึ่งราย (the emails to one address, newest first)"""
        with self.db.unit_of_work(NotificationsUnitOfWork) as uow:
            return {"deliveries": uow.deliveries.for_recipient(query.pop("recipient"), **query)}

    @http("POST", "/v1/deliveries/<delivery_id>/resend", response=schemas.DeliveryLogEntry, status=202,
          roles=OPERATOR, errors={409: "ส่งซ้ำได้เฉพาะอีเมลที่ส่งไม่สำเร็จ (only a failed email can be resent)"})
    def resend_delivery(self, delivery_id):
        """ส่งอีเมลที่ส่งไม่สำเร็จอีกครั้ง (resend a failed email)

        เข้าคิวส่งใหม่ด้วย Message-ID เดิม ไม่มี body (queued again with the same Message-ID; no
        body)."""
        with self.db.unit_of_work(NotificationsUnitOfWork) as uow:
            return handlers.resend(uow, path_uuid(delivery_id, "delivery_id"))

    @http("GET", "/v1/templates/<kind>/preview", query=schemas.PreviewQuery, response=schemas.Preview,
          path=TEMPLATE_KIND, roles=OPERATOR)
    def preview_template(self, kind, query):
        """ตัวอย่างอีเมลจากแม่แบบ (preview an email template with sample data)"""
        template = compose.template_kind(kind)
        subject, text, html = compose.preview(template, query["language"])
        return {"kind": template.name, "critical": template.critical, "subject": subject, "text": text,
                "html": html}
