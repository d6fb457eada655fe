"""SmtpMailer against a real aiosmtpd server: STARTTLS, implicit TLS and login, from configuration,
and what its failures mean to the sender (temporary or permanent)."""
import smtplib
import ssl
import subprocess
import time
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from devtools.platform import free_port
from notifications.adapters import SmtpMailer, delivery_failure
from notifications.delivery import DeliveryFailure, PermanentDeliveryFailure, TemporaryDeliveryFailure

pytestmark = pytest.mark.integration

USER, PASSWORD = "codi-mailer", "s3cret-for-tests"  # smtplib logs in with ASCII only


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certificate = CA file, key)."""
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


class Inbox:
    def __init__(self):
        self.received = []  # (authenticated login, secure?, recipients)
        self.connections = set()  # client (host, port) of each message

    async def handle_DATA(self, server, session, envelope):
        login = session.auth_data if session.authenticated else None
        secure = server.transport.get_extra_info("ssl_object") is not None
        self.received.append((login, secure, envelope.rcpt_tos))
        self.connections.add(session.peer)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def check_login(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, auth_data=USER if ok else None)


@pytest.fixture
def server(certificate):
    started = []

    def start(**options):
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(*certificate)
        if options.pop("implicit_tls", False):
            # aiosmtpd offers AUTH after STARTTLS only unless told; here the whole session is TLS
            options.update(ssl_context=tls, auth_require_tls=False)
        else:
            options.update(tls_context=tls, require_starttls=True)
        inbox = Inbox()
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port(),
                                authenticator=check_login, **options)
        controller.start()
        started.append(controller)
        return inbox, controller.port

    yield start
    for controller in started:
        controller.stop()


def message(to="officer@example.org"):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "no-reply@codi.or.th", to, "ทดสอบ"
    mail.set_content("ข้อความ")
    return mail


def test_starttls_with_login(server, certificate):
    inbox, port = server()
    SmtpMailer("127.0.0.1", port, "starttls", USER, PASSWORD, ca_file=certificate[0]).send(message())
    assert inbox.received == [(USER, True, ["officer@example.org"])]


def test_implicit_tls_with_login(server, certificate):
    inbox, port = server(implicit_tls=True)
    SmtpMailer("127.0.0.1", port, "tls", USER, PASSWORD, ca_file=certificate[0]).send(message())
    assert inbox.received == [(USER, True, ["officer@example.org"])]


def test_a_server_requiring_starttls_refuses_plain_mail(server):
    inbox, port = server()
    with pytest.raises(PermanentDeliveryFailure) as refused:
        SmtpMailer("127.0.0.1", port, "none").send(message())
    assert isinstance(refused.value.__cause__, smtplib.SMTPException)
    assert inbox.received == []


def test_an_untrusted_certificate_is_refused(server):
    inbox, port = server()
    with pytest.raises(DeliveryFailure) as refused:
        SmtpMailer("127.0.0.1", port, "starttls", USER, PASSWORD).send(message())
    assert isinstance(refused.value.__cause__, ssl.SSLCertVerificationError)
    assert inbox.received == []


def test_an_unknown_security_setting_is_refused():
    with pytest.raises(ValueError, match="SMTP_SECURITY"):
        SmtpMailer("127.0.0.1", 25, "ssl")


def test_a_session_sends_every_message_over_one_connection(server, certificate):
    inbox, port = server()
    mailer = SmtpMailer("127.0.0.1", port, "starttls", USER, PASSWORD, ca_file=certificate[0])
    with mailer.session():
        for _ in range(3):
            mailer.send(message())
    mailer.send(message())  # outside a session: a connection of its own
    assert len(inbox.received) == 4 and len(inbox.connections) == 2


def test_a_session_reconnects_when_the_server_closed_the_idle_connection(server, certificate):
    inbox, port = server(timeout=1)  # aiosmtpd answers 421 and closes after 1 s idle
    mailer = SmtpMailer("127.0.0.1", port, "starttls", USER, PASSWORD, ca_file=certificate[0])
    with mailer.session():
        mailer.send(message())
        time.sleep(1.5)
        mailer.send(message())
    assert len(inbox.received) == 2 and len(inbox.connections) == 2


def test_after_a_refusal_a_session_goes_on_with_a_new_connection(server, certificate):
    inbox, port = server()
    mailer = SmtpMailer("127.0.0.1", port, "starttls", USER, PASSWORD, ca_file=certificate[0])
    with mailer.session():
        with pytest.raises(PermanentDeliveryFailure, match="SMTPRecipientsRefused"):
            mailer.send(message(to="refused@example.org"))
        mailer.send(message())
    assert inbox.received == [(USER, True, ["officer@example.org"])]


def test_a_server_that_cannot_be_reached_is_a_temporary_failure():
    with pytest.raises(TemporaryDeliveryFailure, match="ConnectionRefusedError"):
        SmtpMailer("127.0.0.1", free_port(), "none", timeout=2).send(message())


@pytest.mark.parametrize("exc, failure", [
    (smtplib.SMTPResponseException(451, b"try later"), TemporaryDeliveryFailure),
    (smtplib.SMTPResponseException(550, b"no such user"), PermanentDeliveryFailure),
    (smtplib.SMTPRecipientsRefused({"a@b.org": (450, b"busy")}), TemporaryDeliveryFailure),
    (smtplib.SMTPRecipientsRefused({"a@b.org": (550, b"unknown")}), PermanentDeliveryFailure),
    (smtplib.SMTPAuthenticationError(535, b"bad credentials"), PermanentDeliveryFailure),
    (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), TemporaryDeliveryFailure),
    (ConnectionRefusedError(111, "Connection refused"), TemporaryDeliveryFailure),
])
def test_each_smtp_error_is_the_delivery_failure_it_means_with_its_reason(exc, failure):
    classified = delivery_failure(exc)
    assert type(classified) is failure
    assert str(classified) == f"{exc.__class__.__name__}: {exc}"
