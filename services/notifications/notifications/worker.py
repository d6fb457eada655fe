"""The background worker that sends the queued emails (a chassis BackgroundWorker)."""
import eventlet
from prometheus_client import Counter

from chassis import failpoints
from chassis.dependencies import BackgroundWorker

from notifications import handlers
from notifications.adapters import DELIVERY_CHANNEL, NotificationsUnitOfWork, SmtpMailer
from notifications.ratelimit import TokenBucket

EMAILS = Counter("codi_emails_total", "Officer emails by outcome: sent, retried, failed.", ["outcome"])


class DeliveryWorker(BackgroundWorker):
    """Sends queued emails over SMTP, retrying temporary failures, within the server's rate.

    Settings (``notifications.bootstrap.Settings``): smtp_host, smtp_port, smtp_security (none,
    starttls, tls), smtp_username, smtp_password, smtp_ca_file, smtp_from, smtp_from_name,
    smtp_max_per_second, smtp_burst, delivery_poll_seconds.
    The token bucket is per process, for its one SMTP server: N instances may send N times
    the rate. Each email's row stays locked while it is sent and its outcome is recorded in
    the same transaction (see ``handlers.deliver`` for what a crash in between means).
    """

    channel = DELIVERY_CHANNEL
    poll_setting = "delivery_poll_seconds"
    batch = 20  # emails per wake-up before looking at the NOTIFY channel again

    def setup(self):
        super().setup()
        settings = self.settings
        self.mailer = SmtpMailer(settings.smtp_host, settings.smtp_port, settings.smtp_security,
                                 settings.smtp_username, settings.smtp_password, ca_file=settings.smtp_ca_file)
        self.sender_address = settings.smtp_from
        self.sender_name = settings.smtp_from_name
        self.bucket = TokenBucket(settings.smtp_max_per_second, settings.smtp_burst)

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
