"""The notifications service against real PostgreSQL, RabbitMQ and an aiosmtpd server in the test."""
import datetime as dt
import email
import email.policy
import json
import uuid
from unittest import mock

import pytest
import requests
from aiosmtpd.controller import Controller
from kombu import Connection, Producer
from nameko.containers import ServiceContainer
from prometheus_client import REGISTRY

from chassis.broker import event_exchange
from chassis.cli import issue_token
from chassis.db import Database
from contracts import encode, funds, topology, web
from devtools.platform import free_port
from devtools.samples import route
from devtools.scenario import eventually
from devtools.testing import query
from notifications import compose, handlers
from notifications.adapters import Deliveries, NotificationsUnitOfWork
from notifications.bootstrap import bootstrap
from notifications.service import NotificationsService

pytestmark = pytest.mark.integration

OCCURRED = dt.datetime(2024, 5, 30, 20, 0, tzinfo=dt.timezone.utc)  # 31 พฤษภาคม 2567 in Bangkok
SENDER = "no-reply@codi.or.th"


class ScriptedSmtp:
    """Accepts and keeps every message, except: a recipient in ``rejected`` gets 550, and one
    starting with ``tempfail`` gets a 451 the first time it is tried."""

    def __init__(self):
        self.received = []  # (envelope sender, envelope recipients, parsed message)
        self.rejected = set()
        self.tempfailed = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rejected:
            return "550 5.1.1 mailbox unavailable"
        if address.startswith("tempfail") and address not in self.tempfailed:
            self.tempfailed.add(address)
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def mails_to(self, address):
        return [message for _, recipients, message in self.received if address in recipients]


@pytest.fixture(scope="module")
def smtp():
    handler = ScriptedSmtp()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def service(smtp, config_of, test_env):
    config = config_of("notifications", SMTP_PORT=str(smtp[1]))
    container = ServiceContainer(NotificationsService, config)
    container.start()
    yield {"config": config, "settings": bootstrap(config).settings,
           "base": f"http://{config['WEB_SERVER_ADDRESS']}",
           "headers": {"Authorization": "Bearer " + issue_token("notifications", "operator",
                                                                environ=test_env)}}
    container.stop()


@pytest.fixture
def mail(smtp):
    return smtp[0]


def publish(amqp_uri, event_type, data, event_id=None, occurred_at=None):
    event_id, body = encode(event_type, data, event_id=event_id, occurred_at=occurred_at)
    with Connection(amqp_uri) as connection:
        Producer(connection).publish(
            body, exchange=event_exchange(event_type), routing_key=event_type.name,
            content_type="application/json", content_encoding="utf-8", delivery_mode=2)
    return event_id


def register_officer(amqp_uri, fund_id=None, **overrides):
    officer = {"officer_id": uuid.uuid4(), "fund_id": fund_id or uuid.uuid4(),
               "name": "สมศรี ใจดี", "email": f"officer-{uuid.uuid4().hex[:8]}@example.org",
               "language": "th", **overrides}
    publish(amqp_uri, funds.OFFICER_REGISTERED, officer)
    return officer


def levy_pending(officer, amount=10000, fund_name="กองทุนสวัสดิการชุมชนตำบลตลาดใหญ่"):
    return {
        "credit_id": uuid.uuid4(), "fund_id": officer["fund_id"], "fund_name_th": fund_name,
        "order_id": uuid.uuid4(), "seller_org_id": uuid.uuid4(), "buyer_org_id": uuid.uuid4(),
        "agreement_id": uuid.uuid4(), "agreement_version": 1, "amount_satang": amount,
        "lines": [{"line_no": 1, "kind": "goods", "product_id": uuid.uuid4(),
                   "product_name": "ข้าวหอมมะลิชัยภูมิ", "unit": "ถุง", "quantity": 25, "levy_satang": amount}],
        "balance": {"posted_satang": 0, "pending_satang": amount},
        "officer_ids": [officer["officer_id"]],
        "trade_kind": "sale",
        "seller": {"org_id": uuid.uuid4(), "name_th": "วิสาหกิจข้าวหอมมะลิชัยภูมิ", "province_name_th": "ชัยภูมิ"},
        "buyer": {"org_id": uuid.uuid4(), "name_th": "เครือข่ายสวัสดิการภูเก็ต", "province_name_th": "ภูเก็ต"},
        "route": route("360101", "830101"),
    }


def publish_v1(amqp_uri, event_type, data):
    """As a funds instance of the release before levy.* v2 tells it: no trade kind, parties or route."""
    envelope = json.loads(encode(event_type, data)[1])
    envelope["version"] = 1
    for name in ("trade_kind", "seller", "buyer", "route"):
        del envelope["data"][name]
    for line in envelope["data"]["lines"]:
        del line["kind"]
    with Connection(amqp_uri) as connection:
        Producer(connection).publish(
            json.dumps(envelope, ensure_ascii=False), exchange=event_exchange(event_type),
            routing_key=event_type.name, content_type="application/json", content_encoding="utf-8",
            delivery_mode=2)
    return uuid.UUID(envelope["event_id"])


def text_and_html(message):
    return (message.get_body(preferencelist=("plain",)).get_content(),
            message.get_body(preferencelist=("html",)).get_content())


def emails_counted():
    """codi_emails_total by outcome, as this process's /metrics would show it."""
    return {outcome: REGISTRY.get_sample_value("codi_emails_total", {"outcome": outcome}) or 0
            for outcome in ("sent", "retried", "failed")}


def counted_since(before):
    return {outcome: count - before[outcome] for outcome, count in emails_counted().items()}


def log_of(service, **params):
    path = f"/v1/funds/{params.pop('fund_id')}/deliveries" if "fund_id" in params else "/v1/deliveries"
    response = requests.get(service["base"] + path, params=params, headers=service["headers"], timeout=5)
    assert response.status_code == 200, response.text
    return response.json()["deliveries"]


def test_a_levy_email_arrives_in_thai_with_every_part(service, mail, amqp_uri):
    officer = register_officer(amqp_uri)
    data = levy_pending(officer)
    event_id = publish(amqp_uri, funds.LEVY_PENDING, data, occurred_at=OCCURRED)
    [message] = eventually("the email", lambda: mail.mails_to(officer["email"]))

    assert message["To"] == officer["email"]
    assert message["From"].addresses[0].addr_spec == SENDER
    assert message["Subject"] == "เงินสมทบเข้ากองทุนสวัสดิการชุมชนตำบลตลาดใหญ่ จำนวน 100.00 บาท"
    assert message["Message-ID"] == compose.message_id(
        event_id, officer["officer_id"], service["settings"].message_id_domain)
    text, html = text_and_html(message)
    for body in (text, html):
        assert "เรียน คุณสมศรี ใจดี" in body and "100.00 บาท" in body
        assert "หนึ่งร้อยบาทถ้วน" in body and "31 พฤษภาคม 2567" in body
        assert str(data["order_id"]) in body and "ข้าวหอมมะลิชัยภูมิ" in body
        assert "วิสาหกิจข้าวหอมมะลิชัยภูมิ (ชัยภูมิ)" in body and "เครือข่ายสวัสดิการภูเก็ต (ภูเก็ต)" in body
        assert "ขนส่งโดยผู้ให้บริการขนส่ง" in body and "ขาย" in body
    [sender, recipients, _] = next(entry for entry in mail.received if entry[2] is message)
    assert (sender, recipients) == (SENDER, [officer["email"]])


def test_a_v1_levy_event_still_gives_a_correct_email(service, mail, amqp_uri):
    officer = register_officer(amqp_uri)
    data = levy_pending(officer, amount=123450)
    event_id = publish_v1(amqp_uri, funds.LEVY_PENDING, data)
    [message] = eventually("the email", lambda: mail.mails_to(officer["email"]))
    assert message["Subject"] == "เงินสมทบเข้ากองทุนสวัสดิการชุมชนตำบลตลาดใหญ่ จำนวน 1,234.50 บาท"
    assert message["Message-ID"] == compose.message_id(
        event_id, officer["officer_id"], service["settings"].message_id_domain)
    text, html = text_and_html(message)
    for body in (text, html):
        assert str(data["order_id"]) in body and "ข้าวหอมมะลิชัยภูมิ" in body and "1,234.50 บาท" in body
        assert "วิสาหกิจ" not in body  # no parties told, none invented


def duplicates_seen():
    return REGISTRY.get_sample_value("codi_events_consumed_total", {
        "service": "notifications", "event": funds.LEVY_PENDING.key, "outcome": "duplicate"}) or 0


def test_a_redelivered_levy_event_sends_once(service, mail, amqp_uri):
    officer = register_officer(amqp_uri)
    before = duplicates_seen()
    data = levy_pending(officer)
    event_id = publish(amqp_uri, funds.LEVY_PENDING, data)
    publish(amqp_uri, funds.LEVY_PENDING, data, event_id=event_id)
    eventually("the second copy seen as a duplicate", lambda: duplicates_seen() == before + 1)
    eventually("the email sent", lambda: log_of(service, recipient=officer["email"], status="sent"))
    [message] = mail.mails_to(officer["email"])
    assert str(data["order_id"]) in text_and_html(message)[0]
    assert len(log_of(service, recipient=officer["email"])) == 1


def test_a_temporary_failure_is_retried_and_sent_once(service, mail, amqp_uri):
    officer = register_officer(amqp_uri, email=f"tempfail-{uuid.uuid4().hex[:8]}@example.org")
    before = emails_counted()
    publish(amqp_uri, funds.LEVY_PENDING, levy_pending(officer))
    [entry] = eventually("the email sent", lambda: [
        e for e in log_of(service, recipient=officer["email"]) if e["status"] == "sent"])
    assert officer["email"] in mail.tempfailed
    assert len(mail.mails_to(officer["email"])) == 1
    assert entry["attempts"] == 2 and entry["last_error"] is None
    eventually("the metrics to count both attempts", lambda: counted_since(before) == {
        "sent": 1, "retried": 1, "failed": 0})


def test_a_permanent_failure_is_recorded_then_resent_with_the_same_message_id(service, mail, amqp_uri):
    officer = register_officer(amqp_uri)
    mail.rejected.add(officer["email"])
    before = emails_counted()
    publish(amqp_uri, funds.LEVY_PENDING, levy_pending(officer))
    [failed] = eventually("the failure recorded", lambda: log_of(
        service, fund_id=officer["fund_id"], status="failed"))
    eventually("the metrics to count the failure", lambda: counted_since(before) == {
        "sent": 0, "retried": 0, "failed": 1})
    assert "550" in failed["last_error"] and failed["attempts"] == 1
    assert failed["recipient"] == officer["email"] and failed["kind"] == "levy_pending"
    assert mail.mails_to(officer["email"]) == []

    mail.rejected.discard(officer["email"])  # the officer's mailbox is fixed
    resend = requests.post(f"{service['base']}/v1/deliveries/{failed['delivery_id']}/resend",
                           headers=service["headers"], timeout=5)
    assert resend.status_code == 202, resend.text
    [message] = eventually("the resent email", lambda: mail.mails_to(officer["email"]))
    assert message["Message-ID"] == failed["message_id"]
    [sent] = eventually("the log to say sent", lambda: log_of(
        service, fund_id=officer["fund_id"], status="sent"))
    assert sent["delivery_id"] == failed["delivery_id"]
    assert log_of(service, recipient=officer["email"].upper(), status="failed") == []
    again = requests.post(f"{service['base']}/v1/deliveries/{failed['delivery_id']}/resend",
                          headers=service["headers"], timeout=5)
    assert again.status_code == 409


def test_the_api_needs_an_operator(service, test_env):
    officer_token = issue_token("notifications", "officer", uuid.uuid4(), environ=test_env)
    for method, path in (("GET", f"/v1/funds/{uuid.uuid4()}/deliveries"),
                         ("GET", "/v1/deliveries?recipient=a@example.org"),
                         ("POST", f"/v1/deliveries/{uuid.uuid4()}/resend"),
                         ("GET", "/v1/templates/levy_pending/preview")):
        assert requests.request(method, service["base"] + path, timeout=5).status_code == 401
        assert requests.request(method, service["base"] + path, timeout=5, headers={
            "Authorization": f"Bearer {officer_token}"}).status_code == 403


def test_a_template_preview_and_bad_requests(service):
    response = requests.get(f"{service['base']}/v1/templates/daily_digest/preview",
                            params={"language": "en"}, headers=service["headers"], timeout=5)
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["kind"] == "daily_digest" and preview["critical"] is False
    assert preview["subject"].startswith("Daily levy digest") and "บาท" in preview["text"]
    assert preview["html"].startswith("<!doctype html>")
    for path, status in (("/v1/templates/nope/preview", 404),
                         ("/v1/templates/levy_pending/preview?language=fr", 400),
                         ("/v1/deliveries?recipient=not-an-address", 400),
                         ("/v1/deliveries", 400),
                         (f"/v1/funds/{uuid.uuid4()}/deliveries?limit=0", 400),
                         (f"/v1/funds/{uuid.uuid4()}/deliveries?status=lost", 400),
                         ("/v1/funds/not-a-uuid/deliveries", 400),
                         (f"/v1/deliveries/{uuid.uuid4()}/resend", 404)):
        method = "POST" if path.endswith("resend") else "GET"
        assert requests.request(method, service["base"] + path, headers=service["headers"],
                                timeout=5).status_code == status, path


def test_header_injection_in_names_adds_no_header_or_recipient(service, mail, amqp_uri):
    injected = "\r\nBcc: evil@example.org =?utf-8?q?x=0D=0ABcc:_a@example.org?="
    officer = register_officer(amqp_uri, name="สมศรี" + injected)
    publish(amqp_uri, funds.LEVY_PENDING, levy_pending(officer, fund_name="กองทุน" + injected))
    [message] = eventually("the email", lambda: mail.mails_to(officer["email"]))
    assert message["Bcc"] is None and message["Cc"] is None
    assert sorted(message.keys()) == sorted(
        ["From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type"])
    assert "\n" not in message["Subject"] and "=?" not in message["Subject"]
    assert [r for _, recipients, _ in mail.received for r in recipients
            if r in ("evil@example.org", "a@example.org")] == []
    [(_, recipients, _)] = [entry for entry in mail.received if entry[2] is message]
    assert recipients == [officer["email"]]


def test_a_crash_between_send_and_record_resends_with_the_same_message_id(service, mail, amqp_uri):
    """The server accepts, then the record of it is lost (the transaction rolls back as on a
    kill): the email goes again, identical Message-ID, so the receiving side can collapse it."""
    officer = register_officer(amqp_uri)
    record = Deliveries.mark_sent
    lost = []

    def mark_sent_lost_once(self, delivery_id):
        recipient = query(service["config"]["DATABASE_URL"],
                          "SELECT recipient FROM deliveries WHERE id = %s", (delivery_id,))
        if not lost and recipient and recipient[0]["recipient"] == officer["email"]:
            lost.append(delivery_id)
            raise RuntimeError("process killed before the send was recorded")
        record(self, delivery_id)

    with mock.patch.object(Deliveries, "mark_sent", mark_sent_lost_once):
        publish(amqp_uri, funds.LEVY_PENDING, levy_pending(officer))
        first, second = eventually("the email twice", lambda: len(mail.mails_to(officer["email"])) == 2
                                   and mail.mails_to(officer["email"]))
        [entry] = eventually("the send recorded", lambda: [
            e for e in log_of(service, recipient=officer["email"]) if e["status"] == "sent"])
    assert first["Message-ID"] == second["Message-ID"] == entry["message_id"]
    assert lost == [uuid.UUID(entry["delivery_id"])]


def dead_letters(amqp_uri):
    found = []
    with Connection(amqp_uri) as connection:
        channel = connection.channel()
        while (message := channel.basic_get(topology.dead_letter_queue_name("notifications"))) is not None:
            found.append((message.headers, message.body))
            channel.basic_ack(message.delivery_tag)
    return found


def test_a_bad_template_dead_letters_the_event_and_consumption_goes_on(service, mail, amqp_uri):
    from jinja2 import ChoiceLoader, DictLoader

    dead_letters(amqp_uri)  # start from an empty dead-letter queue
    officer = register_officer(amqp_uri)
    broken = compose._templates.overlay(loader=ChoiceLoader([
        DictLoader({"levy_pending.subject.txt": "{{ officer_nickname }}"}), compose._templates.loader]))
    with mock.patch.object(compose, "_templates", broken):
        bad = publish(amqp_uri, funds.LEVY_PENDING, levy_pending(officer))
        [(headers, body)] = eventually("the dead letter", lambda: dead_letters(amqp_uri))
    assert "UndefinedError" in headers["x-dead-letter-reason"]
    assert headers["x-original-queue"] == topology.queue_name("notifications", funds.LEVY_PENDING)
    assert str(bad) in body
    good = levy_pending(officer)
    publish(amqp_uri, funds.LEVY_PENDING, good)
    [message] = eventually("the next event's email", lambda: mail.mails_to(officer["email"]))
    assert str(good["order_id"]) in text_and_html(message)[0]
    assert dead_letters(amqp_uri) == []  # dead-lettered once, not looping
    assert query(service["config"]["DATABASE_URL"],
                 "SELECT 1 FROM inbox WHERE event_id = %s", (bad,)) == []


def tick(service, now):
    """What the digest timer does, at ``now``."""
    database = Database(service["config"]["DATABASE_URL"], pool_size=1)
    try:
        with database.transaction() as cursor:
            return handlers.queue_due_digests(NotificationsUnitOfWork(cursor), now,
                                              service["settings"].message_id_domain, service["settings"].web_url)
    finally:
        database.close()


def waiting_credits(service, officer):
    return query(service["config"]["DATABASE_URL"], "SELECT 1 FROM digest_items WHERE officer_id = %s"
                 " AND digest_delivery_id IS NULL", (officer["officer_id"],))


def a_digest_officer_with_waiting_credits(service, amqp_uri, amounts):
    """An officer who chose a digest time an hour ago: credits arriving now wait for tomorrow."""
    from chassis.thai import THAI_TIME

    digest_at = (dt.datetime.now(THAI_TIME) - dt.timedelta(hours=1)).strftime("%H:%M")
    officer = register_officer(amqp_uri, preferences={"per_credit": True, "daily_digest_at": digest_at})
    credits = [levy_pending(officer, amount) for amount in amounts]
    for data in credits:
        publish(amqp_uri, funds.LEVY_PENDING, data)
    eventually("the credits waiting", lambda: len(waiting_credits(service, officer)) == len(amounts))
    return officer, credits


@pytest.mark.parametrize("per_credit, emails", [(True, 1), (False, 0)])
def test_credits_waiting_when_an_officer_leaves_the_digest_go_now_or_not_at_all(
        service, mail, amqp_uri, per_credit, emails):
    officer, _ = a_digest_officer_with_waiting_credits(service, amqp_uri, [400])
    changed = publish(amqp_uri, funds.OFFICER_REGISTERED, {
        **officer, "preferences": {"per_credit": per_credit, "daily_digest_at": None}})
    eventually("the change", lambda: query(service["config"]["DATABASE_URL"],
                                           "SELECT 1 FROM inbox WHERE event_id = %s", (changed,)))
    tick(service, dt.datetime.now(dt.timezone.utc))
    assert waiting_credits(service, officer) == []
    assert len(log_of(service, recipient=officer["email"])) == emails


def test_a_daily_digest_groups_credits_into_one_email(service, mail, amqp_uri):
    """The timer's handler is called with today's, then tomorrow's 'now'."""
    officer, credits = a_digest_officer_with_waiting_credits(service, amqp_uri, [10000, 2550])
    today = dt.datetime.now(dt.timezone.utc)
    assert tick(service, today) == 0  # today's time passed before the credits came
    assert tick(service, today + dt.timedelta(days=1)) == 1
    assert tick(service, today + dt.timedelta(days=1)) == 0  # nothing is digested twice
    [message] = eventually("the digest", lambda: mail.mails_to(officer["email"]))
    text, html = text_and_html(message)
    assert "2 รายการ" in message["Subject"] and "125.50 บาท" in message["Subject"]
    for data in credits:
        assert str(data["order_id"]) in text and str(data["order_id"]) in html
    [entry] = log_of(service, recipient=officer["email"])
    assert entry["kind"] == "daily_digest"


def test_postings_wait_for_the_digest_and_are_never_emailed_one_by_one(service, mail, amqp_uri):
    officer, [credit] = a_digest_officer_with_waiting_credits(service, amqp_uri, [10000])
    per_credit = register_officer(amqp_uri, fund_id=officer["fund_id"])
    publish(amqp_uri, funds.LEVY_POSTED, {
        **credit, "officer_ids": [officer["officer_id"], per_credit["officer_id"]],
        "balance": {"posted_satang": 10000, "pending_satang": 0}})
    eventually("the posting waiting", lambda: len(waiting_credits(service, officer)) == 2)
    assert tick(service, dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)) == 1
    [message] = eventually("the digest", lambda: mail.mails_to(officer["email"]))
    assert "เงินสมทบใหม่ 1 รายการ รวม 100.00 บาท" in message["Subject"]
    assert "ยืนยันแล้ว 1 รายการ รวม 100.00 บาท" in message["Subject"]
    assert mail.mails_to(per_credit["email"]) == []


def test_an_officer_who_opted_out_gets_no_levy_email(service, mail, amqp_uri):
    opted_out = register_officer(amqp_uri, preferences={"per_credit": False, "daily_digest_at": None})
    colleague = register_officer(amqp_uri, fund_id=opted_out["fund_id"])
    data = levy_pending(opted_out)
    data["officer_ids"].append(colleague["officer_id"])
    publish(amqp_uri, funds.LEVY_PENDING, data)
    eventually("the colleague's email", lambda: mail.mails_to(colleague["email"]))
    assert mail.mails_to(opted_out["email"]) == []
    assert [e["recipient"] for e in log_of(service, fund_id=opted_out["fund_id"])] == [colleague["email"]]


@pytest.mark.parametrize("event_type, subject_start", [
    (funds.LEVY_VOIDED, "ยกเลิกเงินสมทบของ"), (funds.LEVY_REVERSED, "คืนเงินสมทบจาก")])
def test_voids_and_reversals_are_critical_and_reach_an_officer_who_opted_out(
        service, mail, amqp_uri, event_type, subject_start):
    opted_out = register_officer(amqp_uri, preferences={"per_credit": False, "daily_digest_at": None})
    data = levy_pending(opted_out, amount=2000)
    if event_type is funds.LEVY_REVERSED:
        data.update(original_credit_id=data["credit_id"], reversal_id=uuid.uuid4(),
                    refund_id=uuid.uuid4(), phase="posted", shortfall_satang=0)
    publish(amqp_uri, event_type, data)
    [message] = eventually("the critical email", lambda: mail.mails_to(opted_out["email"]))
    assert message["Subject"].startswith(subject_start)
    text, html = text_and_html(message)
    assert "20.00 บาท" in text and "ยี่สิบบาทถ้วน" in text and "20.00 บาท" in html


def signin_link(**overrides):
    return {"email": f"person-{uuid.uuid4().hex[:8]}@example.org",
            "link": f"http://localhost:8005/signin/verify?token=secret-{uuid.uuid4().hex}",
            "expires_at": dt.datetime(2026, 12, 3, 7, 5, tzinfo=dt.timezone.utc), "language": "th",
            **overrides}


def signin_duplicates_seen():
    return REGISTRY.get_sample_value("codi_events_consumed_total", {
        "service": "notifications", "event": web.SIGNIN_LINK_REQUESTED.key, "outcome": "duplicate"}) or 0


def test_a_signin_link_is_emailed_once_and_never_kept_or_shown(service, mail, amqp_uri, caplog):
    data = signin_link()
    event_id = publish(amqp_uri, web.SIGNIN_LINK_REQUESTED, data)
    [message] = eventually("the email", lambda: mail.mails_to(data["email"]))
    assert message["Message-ID"] == compose.message_id(event_id, None, service["settings"].message_id_domain)
    text, html = text_and_html(message)
    assert data["link"] in text and f'href="{data["link"]}"' in html
    for body in (text, html):
        assert body.index("หมดอายุ 14:05 น. 3 ธันวาคม 2569") < body.index("It expires at 14:05")
        assert "หากท่านไม่ได้ขอเข้าสู่ระบบ" in body and "If you did not ask for this" in body
        assert compose.SECRET_PLACEHOLDER not in body

    [entry] = eventually("the log to say sent", lambda: log_of(service, recipient=data["email"], status="sent"))
    assert entry["kind"] == "signin_link" and entry["officer_id"] is None and entry["fund_id"] is None
    # redelivered: nothing new
    before = signin_duplicates_seen()
    publish(amqp_uri, web.SIGNIN_LINK_REQUESTED, data, event_id=event_id)
    eventually("the second copy seen as a duplicate", lambda: signin_duplicates_seen() == before + 1)
    [stored] = query(service["config"]["DATABASE_URL"], "SELECT * FROM deliveries WHERE event_id = %s",
                     (event_id,))
    assert stored["secret"] is None
    token = data["link"].rsplit("=", 1)[1]
    assert token not in json.dumps(stored, default=str)
    shown = requests.get(service["base"] + "/v1/deliveries", params={"recipient": data["email"]},
                         headers=service["headers"], timeout=5).text
    assert token not in shown
    assert token not in caplog.text
    assert len(mail.mails_to(data["email"])) == 1


def test_a_failed_signin_email_drops_its_link_and_is_not_resent(service, mail, amqp_uri):
    data = signin_link()
    mail.rejected.add(data["email"])
    event_id = publish(amqp_uri, web.SIGNIN_LINK_REQUESTED, data)
    [failed] = eventually("the failure recorded", lambda: log_of(service, recipient=data["email"], status="failed"))
    [stored] = query(service["config"]["DATABASE_URL"], "SELECT * FROM deliveries WHERE event_id = %s",
                     (event_id,))
    assert stored["secret"] is None and data["link"].rsplit("=", 1)[1] not in json.dumps(stored, default=str)
    mail.rejected.discard(data["email"])
    resend = requests.post(f"{service['base']}/v1/deliveries/{failed['delivery_id']}/resend",
                           headers=service["headers"], timeout=5)
    assert resend.status_code == 409 and "ขอลิงก์ใหม่" in resend.text
    assert data["link"] not in resend.text and mail.mails_to(data["email"]) == []


def monthly_statement(fund_id, month="2026-11"):
    return {"fund_id": fund_id, "fund_name_th": "กองทุนสวัสดิการชุมชนตำบลตลาดใหญ่", "month": month,
            "month_th": "พฤศจิกายน 2569", "opening": {"posted_satang": 0, "pending_satang": 0},
            "closing": {"posted_satang": 123450, "pending_satang": 10000}, "entry_count": 2,
            "csv": "\ufeffกองทุนสวัสดิการชุมชนตำบลตลาดใหญ่ — รายงานประจำเดือน พฤศจิกายน 2569\r\n"}


def statement_duplicates_seen():
    return REGISTRY.get_sample_value("codi_events_consumed_total", {
        "service": "notifications", "event": funds.STATEMENT_ISSUED.key, "outcome": "duplicate"}) or 0


def test_a_monthly_statement_reaches_each_officer_who_wants_it_once_with_its_csv(service, mail, amqp_uri):
    fund_id = uuid.uuid4()
    wants = register_officer(amqp_uri, fund_id=fund_id)
    declines = register_officer(amqp_uri, fund_id=fund_id, preferences={"monthly_statement": False})
    eventually("both officers known", lambda: len(query(
        service["config"]["DATABASE_URL"], "SELECT id FROM officers WHERE fund_id = %s", (fund_id,))) == 2)
    data = monthly_statement(fund_id)
    event_id = publish(amqp_uri, funds.STATEMENT_ISSUED, data)
    [message] = eventually("the statement email", lambda: mail.mails_to(wants["email"]))
    assert message["Subject"] == "รายงานประจำเดือนพฤศจิกายน 2569 ของกองทุนสวัสดิการชุมชนตำบลตลาดใหญ่"
    text, html = text_and_html(message)
    web_url = service["settings"].web_url
    for body in (text, html):
        assert "1,234.50 บาท" in body and "100.00 บาท" in body and "พฤศจิกายน 2569" in body
        assert f"{web_url}/funds/{fund_id}/statements/2026-11" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == f"statement-{fund_id}-2026-11.csv"
    assert attachment["Content-Type"].startswith("text/csv") and attachment.get_content_charset() == "utf-8"
    assert attachment.get_content() == data["csv"]

    before = statement_duplicates_seen()
    publish(amqp_uri, funds.STATEMENT_ISSUED, data, event_id=event_id)  # redelivered
    eventually("the second copy seen as a duplicate", lambda: statement_duplicates_seen() == before + 1)
    other_id = publish(amqp_uri, funds.STATEMENT_ISSUED, data)  # the same statement under another event id
    eventually("that event handled", lambda: query(service["config"]["DATABASE_URL"],
                                                   "SELECT 1 FROM inbox WHERE event_id = %s", (other_id,)))
    [entry] = eventually("the log to say sent", lambda: log_of(service, fund_id=fund_id, status="sent"))
    assert entry["kind"] == "monthly_statement" and entry["officer_id"] == str(wants["officer_id"])
    assert len(log_of(service, fund_id=fund_id)) == 1
    assert len(mail.mails_to(wants["email"])) == 1 and mail.mails_to(declines["email"]) == []


def test_a_levy_email_links_to_the_funds_page(service, mail, amqp_uri):
    officer = register_officer(amqp_uri)
    publish(amqp_uri, funds.LEVY_PENDING, levy_pending(officer))
    [message] = eventually("the email", lambda: mail.mails_to(officer["email"]))
    fund_page = f"{service['settings'].web_url}/funds/{officer['fund_id']}"
    text, html = text_and_html(message)
    assert fund_page in text and f'href="{fund_page}"' in html
