"""PostgreSQL repositories and the SMTP adapter of the notifications service."""
import json
import smtplib
import ssl
from contextlib import contextmanager

from chassis.uow import UnitOfWork
from notifications.compose import SECRET_PLACEHOLDER
from notifications.delivery import PermanentDeliveryFailure, TemporaryDeliveryFailure

DELIVERY_CHANNEL = "deliveries"

_LOG_COLUMNS = ("id, event_id, officer_id, fund_id, kind, recipient, subject, message_id, status,"
                " attempts, last_error, created_at, sent_at")


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

    def awaiting_digest(self):
        """Active officers with credits waiting for a digest, with the oldest one's arrival;
        locked, so two instances never build the same officer's digest."""
        self.cursor.execute(
            "SELECT o.id, o.fund_id, o.name, o.email, o.language, o.preferences,"
            " w.oldest_waiting FROM officers o JOIN (SELECT officer_id,"
            " min(received_at) AS oldest_waiting FROM digest_items"
            " WHERE digest_delivery_id IS NULL GROUP BY officer_id) w ON w.officer_id = o.id"
            " WHERE o.active ORDER BY o.id FOR UPDATE OF o SKIP LOCKED")
        return self.cursor.fetchall()


class DigestItems:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, event_id, officer_id, item):
        self.cursor.execute(
            "INSERT INTO digest_items (event_id, officer_id, item) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING", (event_id, officer_id, json.dumps(item)))

    def waiting_until(self, officer_id, until):
        self.cursor.execute(
            "SELECT event_id, item FROM digest_items WHERE officer_id = %s"
            " AND digest_delivery_id IS NULL AND received_at <= %s ORDER BY received_at, event_id",
            (officer_id, until))
        return self.cursor.fetchall()

    def discard_waiting(self, officer_id):
        self.cursor.execute(
            "DELETE FROM digest_items WHERE officer_id = %s AND digest_delivery_id IS NULL",
            (officer_id,))

    def mark_digested(self, officer_id, event_ids, delivery_id):
        self.cursor.execute(
            "UPDATE digest_items SET digest_delivery_id = %s WHERE officer_id = %s"
            " AND event_id = ANY(%s)", (delivery_id, officer_id, list(event_ids)))


class Deliveries:
    def __init__(self, cursor):
        self.cursor = cursor

    def queue(self, delivery):
        """Queue an email unless this (event, officer) already has one (an email to an address,
        ``officer_id`` None: unless the event has one); True if queued. ``secret``, ``attachment_name``,
        ``attachment_type`` and ``attachment`` are optional."""
        delivery = {"secret": None, "attachment_name": None, "attachment_type": None, "attachment": None,
                    **delivery}
        self.cursor.execute(
            "INSERT INTO deliveries (id, event_id, officer_id, fund_id, kind, recipient, subject,"
            " text_body, html_body, message_id, secret, attachment_name, attachment_type, attachment)"
            " VALUES (%(id)s, %(event_id)s, %(officer_id)s, %(fund_id)s, %(kind)s, %(recipient)s,"
            " %(subject)s, %(text_body)s, %(html_body)s, %(message_id)s, %(secret)s, %(attachment_name)s,"
            " %(attachment_type)s, %(attachment)s) ON CONFLICT DO NOTHING RETURNING id", delivery)
        queued = self.cursor.fetchone() is not None
        if queued:
            self.wake_sender()
        return queued

    def wake_sender(self):
        self.cursor.execute("SELECT pg_notify(%s, '')", (DELIVERY_CHANNEL,))

    def claim_due(self, limit):
        self.cursor.execute(
            "SELECT id, recipient, subject, text_body, html_body, message_id, attempts, secret,"
            " attachment_name, attachment_type, attachment FROM deliveries WHERE status = 'queued' AND next_attempt_at <= now()"
            " ORDER BY next_attempt_at LIMIT %s FOR UPDATE SKIP LOCKED", (limit,))
        return self.cursor.fetchall()

    def mark_sent(self, delivery_id):
        self.cursor.execute(
            "UPDATE deliveries SET status = 'sent', attempts = attempts + 1, sent_at = now(),"
            " last_error = NULL, secret = NULL WHERE id = %s", (delivery_id,))

    def mark_retry(self, delivery_id, error, delay_seconds):
        self.cursor.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = %s,"
            " next_attempt_at = now() + make_interval(secs => %s) WHERE id = %s",
            (error[:1000], delay_seconds, delivery_id))

    def mark_failed(self, delivery_id, error):
        self.cursor.execute(
            "UPDATE deliveries SET status = 'failed', attempts = attempts + 1, last_error = %s,"
            " secret = NULL WHERE id = %s", (error[:1000], delivery_id))

    def requeue_failed(self, delivery_id):
        """Queue a failed email again, attempts counted afresh; the log entry, None if not failed
        or if its secret was dropped when it failed (a sign-in link: the person asks for a new one)."""
        self.cursor.execute(
            f"UPDATE deliveries SET status = 'queued', attempts = 0, next_attempt_at = now()"
            f" WHERE id = %s AND status = 'failed' AND strpos(text_body, %s) = 0"
            f" RETURNING {_LOG_COLUMNS}", (delivery_id, SECRET_PLACEHOLDER))
        return self.cursor.fetchone()

    def status_of(self, delivery_id):
        self.cursor.execute("SELECT status FROM deliveries WHERE id = %s", (delivery_id,))
        row = self.cursor.fetchone()
        return row and row["status"]

    def for_fund(self, fund_id, status=None, limit=100):
        return self._log("fund_id = %s", fund_id, status, limit)

    def for_recipient(self, recipient, status=None, limit=100):
        return self._log("lower(recipient) = lower(%s)", recipient, status, limit)

    def _log(self, where, value, status, limit):
        """Newest first; ``status`` None means any."""
        self.cursor.execute(
            f"SELECT {_LOG_COLUMNS} FROM deliveries WHERE {where}"
            " AND (%s::text IS NULL OR status = %s) ORDER BY created_at DESC LIMIT %s",
            (value, status, status, limit))
        return self.cursor.fetchall()


class NotificationsUnitOfWork(UnitOfWork):
    def __init__(self, cursor):
        super().__init__(cursor)
        self.officers = Officers(cursor)
        self.deliveries = Deliveries(cursor)
        self.digest_items = DigestItems(cursor)


class SmtpMailer:
    """Sends messages over SMTP (plain, STARTTLS or implicit TLS, optional login).

    Inside ``session()`` one connection carries every message (a connection, TLS handshake
    and login per email cost more than the email itself); outside, each send has its own.
    A message not sent raises a ``TemporaryDeliveryFailure`` or a ``PermanentDeliveryFailure``.
    """

    def __init__(self, host, port, security="none", username=None, password=None, timeout=10,
                 ca_file=None):
        if security not in ("none", "starttls", "tls"):
            raise ValueError(f"SMTP_SECURITY must be none, starttls or tls, not {security!r}")
        self.host, self.port, self.security = host, int(port), security
        self.username, self.password, self.timeout = username, password, timeout
        self.ca_file = ca_file  # None: the system's trusted CAs
        self._client = None
        self._in_session = False

    def tls_context(self):
        return ssl.create_default_context(cafile=self.ca_file)

    def _connect(self):
        if self.security == "tls":
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                      context=self.tls_context())
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                client.starttls(context=self.tls_context())
            if self.username:
                client.login(self.username, self.password or "")
        except BaseException:
            client.close()
            raise
        return client

    @contextmanager
    def session(self):
        self._in_session = True
        try:
            yield self
        finally:
            self._in_session = False
            self._disconnect(polite=True)

    def _disconnect(self, polite=False):
        client, self._client = self._client, None
        if client is None:
            return
        try:
            if polite:
                client.quit()
        except (smtplib.SMTPException, OSError):
            pass
        finally:
            client.close()

    def send(self, message):
        try:
            self._send(message)
        except Exception as exc:  # whatever went wrong, the sender must know whether to retry
            raise delivery_failure(exc) from exc

    def _send(self, message):
        reused = self._client is not None
        if not reused:
            self._client = self._connect()
        try:
            self._client.send_message(message)
        except BaseException as exc:
            self._disconnect()
            if not (reused and _closed_by_server(exc)):
                raise
            # the server closed the idle connection before taking the message: send once
            # more on a new one (at worst a resend with the same Message-ID)
            self._client = self._connect()
            try:
                self._client.send_message(message)
            except BaseException:
                self._disconnect()
                raise
        finally:
            if not self._in_session:
                self._disconnect(polite=True)


def delivery_failure(exc):
    """An error of smtplib or the connection as the delivery failure it means, with the error's
    class and text as the reason: a 4xx answer or a lost connection is temporary, a 5xx permanent."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        temporary = bool(codes) and all(400 <= code < 500 for code in codes)
    elif isinstance(exc, smtplib.SMTPResponseException):
        temporary = 400 <= exc.smtp_code < 500
    else:
        temporary = True  # connection refused, reset or timed out
    failure = TemporaryDeliveryFailure if temporary else PermanentDeliveryFailure
    return failure(f"{exc.__class__.__name__}: {exc}")


def _closed_by_server(exc):
    """A dropped connection, or 421: the server is closing it (idle timeout, shutdown)."""
    return isinstance(exc, smtplib.SMTPServerDisconnected) or (
        isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421)
