"""PostgreSQL repositories and the SMTP adapter of the notifications service."""
import json
import smtplib
import ssl

from chassis.uow import UnitOfWork

DELIVERY_CHANNEL = "deliveries"


class Officers:
    def __init__(self, cursor):
        self.cursor = cursor

    def upsert(self, officer):
        self.cursor.execute(
            "INSERT INTO officers (id, fund_id, name, email, language, preferences, active)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET"
            " fund_id = EXCLUDED.fund_id, name = EXCLUDED.name, email = EXCLUDED.email,"
            " language = EXCLUDED.language, preferences = EXCLUDED.preferences,"
            " active = EXCLUDED.active, updated_at = now()",
            (officer["officer_id"], officer["fund_id"], officer["name"], officer["email"],
             officer["language"], json.dumps(officer["preferences"]), officer["active"]))

    def of_fund(self, fund_id):
        self.cursor.execute(
            "SELECT id, fund_id, name, email, language, preferences FROM officers"
            " WHERE fund_id = %s AND active ORDER BY id", (fund_id,))
        return self.cursor.fetchall()


class Deliveries:
    def __init__(self, cursor):
        self.cursor = cursor

    def queue(self, delivery):
        """Queue an email unless this (event, officer) already has one; True if queued."""
        self.cursor.execute(
            "INSERT INTO deliveries (id, event_id, officer_id, fund_id, recipient, subject,"
            " text_body, html_body, message_id) VALUES (%(id)s, %(event_id)s, %(officer_id)s,"
            " %(fund_id)s, %(recipient)s, %(subject)s, %(text_body)s, %(html_body)s, %(message_id)s)"
            " ON CONFLICT (event_id, officer_id) DO NOTHING RETURNING id", delivery)
        queued = self.cursor.fetchone() is not None
        if queued:
            self.cursor.execute("SELECT pg_notify(%s, '')", (DELIVERY_CHANNEL,))
        return queued

    def claim_due(self, limit):
        self.cursor.execute(
            "SELECT id, recipient, subject, text_body, html_body, message_id, attempts"
            " FROM deliveries WHERE status = 'queued' AND next_attempt_at <= now()"
            " ORDER BY next_attempt_at LIMIT %s FOR UPDATE SKIP LOCKED", (limit,))
        return self.cursor.fetchall()

    def mark_sent(self, delivery_id):
        self.cursor.execute(
            "UPDATE deliveries SET status = 'sent', attempts = attempts + 1, sent_at = now(),"
            " last_error = NULL WHERE id = %s", (delivery_id,))

    def mark_retry(self, delivery_id, error, delay_seconds):
        self.cursor.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = %s,"
            " next_attempt_at = now() + make_interval(secs => %s) WHERE id = %s",
            (error[:1000], delay_seconds, delivery_id))

    def mark_failed(self, delivery_id, error):
        self.cursor.execute(
            "UPDATE deliveries SET status = 'failed', attempts = attempts + 1, last_error = %s"
            " WHERE id = %s", (error[:1000], delivery_id))

    def for_fund(self, fund_id, limit=100):
        self.cursor.execute(
            "SELECT id, event_id, officer_id, fund_id, recipient, subject, message_id, status,"
            " attempts, last_error, created_at, sent_at FROM deliveries WHERE fund_id = %s"
            " ORDER BY created_at DESC LIMIT %s", (fund_id, limit))
        return self.cursor.fetchall()


class NotificationsUnitOfWork(UnitOfWork):
    def __init__(self, cursor):
        super().__init__(cursor)
        self.officers = Officers(cursor)
        self.deliveries = Deliveries(cursor)


class SmtpMailer:
    """Sends one message over SMTP (plain, STARTTLS or implicit TLS, optional login)."""

    def __init__(self, host, port, security="none", username=None, password=None, timeout=10):
        self.host, self.port, self.security = host, int(port), security
        self.username, self.password, self.timeout = username, password, timeout

    def send(self, message):
        if self.security == "tls":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)
