"""The notifications domain without broker or database: composing, preferences, rate, failures."""
import datetime as dt
import email
import email.policy
import uuid
from unittest import mock

import pytest

from chassis.errors import NotFound, TransientError
from chassis.thai import THAI_TIME
from contracts import funds
from notifications import compose, handlers, preferences
from notifications.delivery import PermanentDeliveryFailure, TemporaryDeliveryFailure
from notifications.ratelimit import TokenBucket

INJECTED_SUBJECT = "กองทุน\r\nBcc: evil@example.org =?utf-8?q?x=0D=0ABcc:_a@b?="


def levy_data(fund_name="กองทุนสวัสดิการชุมชนตำบลตลาดใหญ่", amount=10000):
    return {
        "fund_name_th": fund_name, "amount_satang": amount, "order_id": uuid.uuid4(),
        "agreement_id": uuid.uuid4(), "agreement_version": 3,
        "lines": [{"product_name": "ข้าวหอมมะลิ", "quantity": 25, "unit": "ถุง", "levy_satang": amount}],
        "balance": {"posted_satang": 0, "pending_satang": amount},
    }


THAI_OFFICER = {"name": "สมศรี ใจดี", "language": "th", "fund_id": uuid.UUID(int=9)}
WEB = "http://web.example"
OCCURRED = dt.datetime(2024, 5, 30, 20, 0, tzinfo=dt.timezone.utc)  # 31 May 03:00 in Bangkok


def test_levy_email_is_thai_with_amount_words_and_buddhist_era_date():
    data = levy_data()
    subject, text, html = compose.render_levy(compose.LEVY_PENDING, data, THAI_OFFICER, OCCURRED, WEB)
    assert subject == "เงินสมทบเข้ากองทุนสวัสดิการชุมชนตำบลตลาดใหญ่ จำนวน 100.00 บาท"
    for body in (text, html):
        assert "100.00 บาท" in body and "หนึ่งร้อยบาทถ้วน" in body
        assert "31 พฤษภาคม 2567" in body and str(data["order_id"]) in body


def test_levy_email_in_english_for_an_english_speaking_officer():
    english = {**THAI_OFFICER, "language": "en"}
    subject, text, _ = compose.render_levy(compose.LEVY_PENDING, levy_data(), english, OCCURRED, WEB)
    assert subject.startswith("Levy credited to") and text.startswith("Dear สมศรี ใจดี,")


def test_html_escapes_names():
    data = levy_data("<script>x</script>")
    _, _, html = compose.render_levy(compose.LEVY_PENDING, data, THAI_OFFICER, OCCURRED, WEB)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_missing_field_raises_instead_of_leaving_a_blank():
    data = levy_data()
    del data["balance"]
    with pytest.raises(KeyError):
        compose.render_levy(compose.LEVY_PENDING, data, THAI_OFFICER, OCCURRED, WEB)
    with pytest.raises(Exception, match="undefined"):
        compose.render(compose.LEVY_PENDING, {"language": "th"})


@pytest.mark.parametrize("unsafe, safe", [
    ("a\r\nBcc: x@y", "aBcc: x@y"),
    ("=?utf-8?q?x=0D=0ABcc:_a@b?=", "utf-8?q?x=0D=0ABcc:_a@b?="),
    ("==??", ""), ("ก\x00ข\x7f", "กข"),
])
def test_header_safe_removes_control_characters_and_encoded_word_openers(unsafe, safe):
    assert compose.header_safe(unsafe) == safe


def test_an_injected_subject_serialises_to_no_extra_header():
    delivery = {"recipient": "officer@example.org", "subject": INJECTED_SUBJECT,
                "message_id": "<a@b>", "text_body": "ข้อความ", "html_body": "<p>ข้อความ</p>"}
    raw = compose.build_message(delivery, "no-reply@codi.or.th", "ตลาด\r\nBcc: x@y").as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["Cc"] is None
    assert sorted(parsed.keys()) == sorted(
        ["From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type"])


@pytest.mark.parametrize("address", ["a@b.org\r\nBcc: c@d.org", "=?utf-8?q?a?=@b.org", "no-at-sign", ""])
def test_a_recipient_that_is_not_a_plain_address_is_refused(address):
    with pytest.raises(compose.UnsafeRecipient):
        compose.checked_address(address)


def test_message_id_depends_only_on_event_and_officer():
    event, officer = uuid.uuid4(), uuid.uuid4()
    assert compose.message_id(event, officer, "d") == compose.message_id(event, officer, "d")
    assert compose.message_id(event, officer, "d") != compose.message_id(event, uuid.uuid4(), "d")
    assert compose.message_id(event, officer, "d").endswith("@d>")


def test_daily_digest_groups_credits_with_their_total():
    items = [compose.digest_item(levy_data(amount=amount), OCCURRED) for amount in (10000, 2550, 1)]
    slot = dt.datetime(2024, 5, 31, 18, 0, tzinfo=THAI_TIME)
    subject, text, html = compose.render_daily_digest(items, THAI_OFFICER, slot, WEB)
    assert "3 รายการ" in subject and "125.51 บาท" in subject
    assert "หนึ่งร้อยยี่สิบห้าบาทห้าสิบเอ็ดสตางค์" in text
    for item in items:
        assert item["order_id"] in text and item["order_id"] in html
    assert "25.50 บาท" in html and "31 พฤษภาคม 2567" in text


def test_daily_digest_tells_postings_apart_from_new_credits():
    items = [compose.digest_item(levy_data(amount=10000), OCCURRED),
             compose.digest_item(levy_data(amount=400), OCCURRED, compose.LEVY_POSTED),
             {key: value for key, value in compose.digest_item(levy_data(amount=1), OCCURRED).items()
              if key != "kind"}]  # kept before postings were digested: a new credit
    slot = dt.datetime(2024, 5, 31, 18, 0, tzinfo=THAI_TIME)
    subject, text, html = compose.render_daily_digest(items, THAI_OFFICER, slot, WEB)
    assert "เงินสมทบใหม่ 2 รายการ รวม 100.01 บาท" in subject
    assert "ยืนยันแล้ว 1 รายการ รวม 4.00 บาท" in subject
    assert "ยืนยันเข้ากองทุนแล้ว" in text and "สี่บาทถ้วน" in text and "ยืนยันเข้ากองทุนแล้ว" in html
    only_posted = compose.render_daily_digest(items[1:2], THAI_OFFICER, slot, WEB)
    assert "เงินสมทบใหม่" not in only_posted[0] and "รอยืนยัน" not in only_posted[1]


@pytest.mark.parametrize("name", sorted(compose.KINDS))
@pytest.mark.parametrize("language", ["th", "en"])
def test_every_template_previews_with_sample_data(name, language):
    subject, text, html = compose.preview(compose.template_kind(name), language)
    assert subject and html.startswith("<!doctype html>")
    assert ("SAMPLE-ตัวอย่าง" in text) if name == "signin_link" else ("บาท" in text)


def test_an_unknown_template_is_not_found():
    with pytest.raises(NotFound):
        compose.template_kind("nope")


# -- preferences -------------------------------------------------------------------

CRITICAL = compose.TemplateKind("levy_reversed", critical=True)


@pytest.mark.parametrize("prefs, kind, mode", [
    ({"per_credit": True, "daily_digest_at": None}, compose.LEVY_PENDING, preferences.IMMEDIATE),
    ({}, compose.LEVY_PENDING, preferences.IMMEDIATE),
    ({"per_credit": True, "daily_digest_at": "18:00"}, compose.LEVY_PENDING, preferences.DIGEST),
    ({"per_credit": False, "daily_digest_at": None}, compose.LEVY_PENDING, None),
    ({"per_credit": False, "daily_digest_at": None}, CRITICAL, preferences.IMMEDIATE),
    ({"per_credit": False, "daily_digest_at": "08:00"}, CRITICAL, preferences.IMMEDIATE),
    ({"per_credit": True, "daily_digest_at": None}, compose.LEVY_POSTED, None),
    ({"per_credit": True, "daily_digest_at": "18:00"}, compose.LEVY_POSTED, preferences.DIGEST),
])
def test_delivery_mode(prefs, kind, mode):
    assert preferences.delivery_mode(prefs, kind) == mode


def bangkok(day, hour, minute=0):
    return dt.datetime(2024, 5, day, hour, minute, tzinfo=THAI_TIME)


@pytest.mark.parametrize("now, slot", [
    (bangkok(31, 18, 0), bangkok(31, 18, 0)),
    (bangkok(31, 17, 59), bangkok(30, 18, 0)),
    (bangkok(31, 23, 30), bangkok(31, 18, 0)),
    (bangkok(31, 18, 0).astimezone(dt.timezone.utc), bangkok(31, 18, 0)),  # 11:00 UTC
])
def test_latest_slot_is_in_bangkok_time(now, slot):
    assert preferences.latest_slot(now, "18:00") == slot


@pytest.mark.parametrize("oldest_waiting, now, due", [
    (bangkok(31, 10), bangkok(31, 17, 59), None),              # waiting, time not yet come
    (bangkok(31, 10), bangkok(31, 18, 0), bangkok(31, 18)),    # the time has come
    (bangkok(31, 10), bangkok(1 + 30, 23), bangkok(31, 18)),   # late tick: still due
    (bangkok(31, 18, 1), bangkok(31, 19), None),               # arrived after today's slot
    (bangkok(30, 9), bangkok(31, 7), bangkok(30, 18)),         # yesterday's slot was missed
])
def test_due_digest_slot(oldest_waiting, now, due):
    assert preferences.due_digest_slot(now, "18:00", oldest_waiting) == due


def test_an_officer_who_left_the_digest_gets_what_was_waiting_at_once():
    assert preferences.due_digest_slot(bangkok(31, 9, 30), None, bangkok(31, 9)) == bangkok(31, 9, 30)


def test_digest_at_midnight_crosses_the_day_in_bangkok():
    now = dt.datetime(2024, 5, 31, 17, 30, tzinfo=dt.timezone.utc)  # 1 June 00:30 in Bangkok
    assert preferences.due_digest_slot(now, "00:00", bangkok(31, 20)) == dt.datetime(
        2024, 6, 1, 0, 0, tzinfo=THAI_TIME)


# -- rate limit --------------------------------------------------------------------

class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_token_bucket_allows_a_burst_then_spaces_sends_at_the_rate():
    clock = FakeClock()
    bucket = TokenBucket(rate=2, capacity=3, clock=clock)
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.reserve() == pytest.approx(0.5)
    assert bucket.reserve() == pytest.approx(1.0)  # queued behind the previous caller


def test_token_bucket_refills_with_time_but_not_beyond_capacity():
    clock = FakeClock()
    bucket = TokenBucket(rate=4, capacity=2, clock=clock)  # binary fractions: exact arithmetic
    bucket.reserve(), bucket.reserve()
    clock.now += 0.25
    assert bucket.reserve() == 0.0
    assert bucket.reserve() == 0.25
    clock.now += 3600
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.0, 0.25]


@pytest.mark.parametrize("rate, capacity", [(0, 1), (1, 0)])
def test_token_bucket_refuses_a_useless_configuration(rate, capacity):
    with pytest.raises(ValueError):
        TokenBucket(rate, capacity)


# -- sending -----------------------------------------------------------------------

QUEUED = {"id": uuid.uuid4(), "recipient": "officer@example.org", "subject": "s", "text_body": "t",
          "html_body": "<p>h</p>", "message_id": "<m@d>", "attempts": 0}


def test_deliver_records_each_outcome():
    deliveries, mailer = mock.Mock(), mock.Mock()
    assert handlers.deliver(deliveries, QUEUED, mailer, "no-reply@codi.or.th", "n") == "sent"
    deliveries.mark_sent.assert_called_once_with(QUEUED["id"])

    mailer.send.side_effect = TemporaryDeliveryFailure("SMTPResponseException: (451, b'later')")
    assert handlers.deliver(deliveries, QUEUED, mailer, "no-reply@codi.or.th", "n") == "retried"
    deliveries.mark_retry.assert_called_once_with(QUEUED["id"], mock.ANY, 2)

    last_try = {**QUEUED, "attempts": handlers.MAX_ATTEMPTS - 1}
    assert handlers.deliver(deliveries, last_try, mailer, "no-reply@codi.or.th", "n") == "failed"
    deliveries.mark_failed.assert_called_once_with(QUEUED["id"], "SMTPResponseException: (451, b'later')")


def test_a_permanent_failure_or_an_unusable_address_fails_at_the_first_attempt():
    deliveries, mailer = mock.Mock(), mock.Mock()
    mailer.send.side_effect = PermanentDeliveryFailure("SMTPResponseException: (550, b'no such user')")
    assert handlers.deliver(deliveries, QUEUED, mailer, "no-reply@codi.or.th", "n") == "failed"
    deliveries.mark_failed.assert_called_once_with(QUEUED["id"], "SMTPResponseException: (550, b'no such user')")

    deliveries, mailer = mock.Mock(), mock.Mock()
    unusable = {**QUEUED, "recipient": "officer@example.org\r\nBcc: x@example.org"}
    assert handlers.deliver(deliveries, unusable, mailer, "no-reply@codi.or.th", "n") == "failed"
    mailer.send.assert_not_called()
    [(_, error), _] = deliveries.mark_failed.call_args
    assert error.startswith("UnsafeRecipient: not a plain email address")


def test_resend_of_an_email_that_did_not_fail_is_a_conflict():
    uow = mock.Mock()
    uow.deliveries.requeue_failed.return_value = None
    uow.deliveries.status_of.return_value = "sent"
    with pytest.raises(Exception) as refused:
        handlers.resend(uow, uuid.uuid4())
    assert refused.value.status == 409
    uow.deliveries.status_of.return_value = None
    with pytest.raises(NotFound):
        handlers.resend(uow, uuid.uuid4())


# -- entrypoints (nameko's worker_factory: dependencies replaced) -------------------

def test_the_digest_timer_asks_with_the_current_time():
    from nameko.testing.services import worker_factory

    from notifications.service import NotificationsService

    from notifications.bootstrap import bootstrap

    service = worker_factory(NotificationsService, app=bootstrap({"MESSAGE_ID_DOMAIN": "d"}))
    uow = service.db.unit_of_work.return_value.__enter__.return_value
    before = dt.datetime.now(dt.timezone.utc)
    with mock.patch.object(handlers, "queue_due_digests") as queue_due_digests:
        service.queue_due_digests()
    [(called_uow, now, domain, web_url)] = [call.args for call in queue_due_digests.call_args_list]
    assert called_uow is uow and domain == "d" and web_url == "http://localhost:8005"
    assert before <= now <= dt.datetime.now(dt.timezone.utc) and now.tzinfo is not None


def officer_row(per_credit, digest_at):
    return {"id": uuid.uuid4(), "fund_id": uuid.uuid4(), "name": "สมศรี", "language": "th",
            "email": f"o-{uuid.uuid4().hex[:6]}@example.org",
            "preferences": {"per_credit": per_credit, "daily_digest_at": digest_at}}


@pytest.mark.parametrize("critical, emailed, digested", [(False, 1, 1), (True, 3, 0)])
def test_a_levy_movement_follows_preferences_unless_critical(critical, emailed, digested):
    officers = [officer_row(True, None), officer_row(True, "18:00"), officer_row(False, None)]
    uow = mock.Mock()
    uow.officers.of_fund.return_value = officers
    uow.deliveries.queue.return_value = True
    data = {**levy_data(), "fund_id": uuid.uuid4(), "officer_ids": [o["id"] for o in officers]}
    event = mock.Mock(event_id=uuid.uuid4(), occurred_at=OCCURRED, data=data)
    kind = compose.TemplateKind("levy_pending", critical=critical)  # same templates, other criticality
    assert handlers.queue_levy_movement(uow, event, kind, "d", WEB) == emailed
    assert uow.deliveries.queue.call_count == emailed
    assert uow.digest_items.add.call_count == digested


def test_a_posting_is_never_emailed_alone_and_waits_for_the_digest():
    officers = [officer_row(True, None), officer_row(True, "18:00"), officer_row(False, None)]
    uow = mock.Mock()
    uow.officers.of_fund.return_value = officers
    data = {**levy_data(), "fund_id": uuid.uuid4(), "officer_ids": [o["id"] for o in officers]}
    event = mock.Mock(event_id=uuid.uuid4(), occurred_at=OCCURRED, data=data)
    assert handlers.queue_levy_movement(uow, event, compose.LEVY_POSTED, "d", WEB) == 0
    uow.deliveries.queue.assert_not_called()
    [(event_id, officer_id, item)] = [call.args for call in uow.digest_items.add.call_args_list]
    assert officer_id == officers[1]["id"] and item["kind"] == "levy_posted"


def test_a_levy_movement_for_an_officer_not_known_yet_is_retried():
    uow = mock.Mock()
    uow.officers.of_fund.return_value = []
    event = mock.Mock(data={"fund_id": uuid.uuid4(), "officer_ids": [uuid.uuid4()]})
    with pytest.raises(TransientError):
        handlers.queue_levy_movement(uow, event, compose.LEVY_PENDING, "d", WEB)
    uow.deliveries.queue.assert_not_called()


def test_an_email_that_cannot_be_built_fails_with_its_reason_and_never_blocks_the_queue():
    deliveries, mailer = mock.Mock(), mock.Mock()
    broken = {**QUEUED, "kind": "no-such-template"}
    with mock.patch.object(handlers.compose, "build_message", side_effect=KeyError("no-such-template")):
        assert handlers.deliver(deliveries, broken, mailer, "no-reply@codi.or.th", "n") == "failed"
    mailer.send.assert_not_called()
    deliveries.mark_failed.assert_called_once_with(QUEUED["id"], "KeyError: 'no-such-template'")


# -- the handler table ------------------------------------------------------------------

def test_every_event_notifications_subscribes_to_has_exactly_one_handler():
    from contracts import topology

    assert set(handlers.EVENT_HANDLERS) == set(topology.SUBSCRIPTIONS["notifications"])
    assert len(set(topology.SUBSCRIPTIONS["notifications"])) == len(topology.SUBSCRIPTIONS["notifications"])


@pytest.mark.parametrize("event_type, kind", [
    (funds.LEVY_PENDING, compose.LEVY_PENDING), (funds.LEVY_POSTED, compose.LEVY_POSTED),
    (funds.LEVY_VOIDED, compose.LEVY_VOIDED), (funds.LEVY_REVERSED, compose.LEVY_REVERSED)])
def test_each_levy_movement_is_queued_with_its_own_template_and_the_configured_domain(event_type, kind):
    from notifications.bootstrap import bootstrap

    app = bootstrap({"MESSAGE_ID_DOMAIN": "mail.example.org", "WEB_URL": WEB})
    uow, event = mock.Mock(), mock.Mock(type=event_type)
    with mock.patch.object(handlers, "queue_levy_movement", return_value=1) as queue:
        app.handlers[event_type](uow, event)
    queue.assert_called_once_with(uow, event, kind, "mail.example.org", WEB)


def test_a_registered_officer_is_kept_for_the_fund():
    from notifications.bootstrap import bootstrap

    uow, data = mock.Mock(), {"officer_id": uuid.uuid4()}
    bootstrap({}).handlers[funds.OFFICER_REGISTERED](uow, mock.Mock(data=data))
    uow.officers.upsert.assert_called_once_with(data)


# -- trade (levy.* v2): what, from whom, to whom, how ----------------------------------

def levy_v2(kind="share"):
    from devtools.samples import route

    return {**levy_data(amount=123450), "trade_kind": kind,
            "lines": [{"kind": "goods", "product_name": "ข้าวหอมมะลิ", "quantity": 25, "unit": "ถุง",
                       "levy_satang": 123450},
                      {"kind": "shipping", "product_name": "ค่าขนส่ง", "quantity": 1, "unit": "ครั้ง",
                       "levy_satang": 0}],
            "seller": {"org_id": uuid.uuid4(), "name_th": "วิสาหกิจข้าวชัยภูมิ", "province_name_th": "ชัยภูมิ"},
            "buyer": {"org_id": uuid.uuid4(), "name_th": "เครือข่ายสวัสดิการภูเก็ต", "province_name_th": "ภูเก็ต"},
            "route": route("360101", "830101", method="distribution_centre", name_th="ศูนย์กระจายสินค้าภูเก็ต")}


def test_a_share_email_names_the_trade_the_parties_their_provinces_and_the_delivery_in_thai():
    subject, text, html = compose.render_levy(compose.LEVY_PENDING, levy_v2(), THAI_OFFICER, OCCURRED, WEB)
    assert subject == "เงินสมทบจากการแบ่งปันเข้ากองทุนสวัสดิการชุมชนตำบลตลาดใหญ่ จำนวน 1,234.50 บาท"
    for body in (text, html):
        assert "มีการแบ่งปันผ่านตลาดนัดองค์กรชุมชน" in body and "แบ่งปัน" in body
        assert "วิสาหกิจข้าวชัยภูมิ (ชัยภูมิ)" in body and "เครือข่ายสวัสดิการภูเก็ต (ภูเก็ต)" in body
        assert "ศูนย์กระจายสินค้าภูเก็ต (ภูเก็ต)" in body and "รับที่ศูนย์กระจายสินค้า" in body
        assert "1,234.50 บาท" in body and "31 พฤษภาคม 2567" in body


def test_a_v1_movement_is_a_sale_with_no_parties_or_route():
    subject, text, _ = compose.render_levy(compose.LEVY_PENDING, levy_data(), THAI_OFFICER, OCCURRED, WEB)
    assert subject.startswith("เงินสมทบเข้า") and "ประเภท: ขาย" in text
    assert "จาก:" not in text and "วิธีส่ง:" not in text
    assert compose.trade_context(levy_v2("exchange"))["goods"] == [
        {"product_name": "ข้าวหอมมะลิ", "quantity": 25, "unit": "ถุง"}]


def test_the_daily_digest_says_what_was_traded_between_whom_and_how():
    slot = dt.datetime(2024, 5, 31, 18, 0, tzinfo=THAI_TIME)
    items = [compose.digest_item(levy_v2("exchange"), OCCURRED), compose.digest_item(levy_data(), OCCURRED)]
    old = {key: items[1][key] for key in ("kind", "order_id", "fund_name_th", "amount_satang", "occurred_at")}
    _, text, html = compose.render_daily_digest([*items, old], THAI_OFFICER, slot, WEB)
    for body in (text, html):
        assert "แลกเปลี่ยน ข้าวหอมมะลิ 25 ถุง จาก วิสาหกิจข้าวชัยภูมิ (ชัยภูมิ)" in body
        assert "ถึง เครือข่ายสวัสดิการภูเก็ต (ภูเก็ต)" in body and "(รับที่ศูนย์กระจายสินค้า)" in body
        assert "ค่าขนส่ง" not in body and old["order_id"] in body  # an item kept before still shows
    assert "ขาย ข้าวหอมมะลิ 25 ถุง" in text


def test_a_signin_email_is_thai_first_with_its_bangkok_expiry_and_no_link_in_the_stored_body():
    expires = dt.datetime(2026, 12, 3, 7, 5, tzinfo=dt.timezone.utc)
    subject, text, html = compose.render_signin(expires)
    assert subject.startswith("ลิงก์เข้าสู่ระบบ")
    for body in (text, html):
        assert body.index("หมดอายุ 14:05 น. 3 ธันวาคม 2569") < body.index("14:05 (Bangkok time), 3 December 2026")
        assert body.index("หากท่านไม่ได้ขอเข้าสู่ระบบ") < body.index("If you did not ask for this")
        assert compose.SECRET_PLACEHOLDER in body and "http" not in body.split("<title>")[-1].replace(
            'lang="th"', "")


def test_the_secret_is_put_in_only_when_the_message_is_built_and_escaped_in_html():
    _, text, html = compose.render_signin(dt.datetime(2026, 12, 3, 7, 5, tzinfo=dt.timezone.utc))
    link = "https://codi.example/signin?token=abc&x=1"
    delivery = {"recipient": "person@example.org", "subject": "s", "message_id": "<a@b>",
                "text_body": text, "html_body": html, "secret": link}
    parsed = email.message_from_bytes(compose.build_message(delivery, "no-reply@codi.or.th", "CODI").as_bytes(),
                                      policy=email.policy.default)
    assert link in parsed.get_body(("plain",)).get_content()
    assert 'href="https://codi.example/signin?token=abc&amp;x=1"' in parsed.get_body(("html",)).get_content()
    assert compose.SECRET_PLACEHOLDER not in parsed.as_string()


def test_a_signin_link_is_queued_to_the_address_with_the_link_as_its_secret_only():
    uow = mock.Mock()
    uow.deliveries.queue.return_value = True
    event = mock.Mock(event_id=uuid.uuid4(), data={
        "email": "person@example.org", "link": "http://localhost:8005/signin?token=zzz",
        "expires_at": dt.datetime(2026, 12, 3, 7, 5, tzinfo=dt.timezone.utc), "language": "th"})
    assert handlers.email_signin_link(uow, event, "n.example") == 1
    [queued], _ = uow.deliveries.queue.call_args
    assert queued["secret"] == event.data["link"] and queued["officer_id"] is None
    assert queued["recipient"] == "person@example.org" and queued["kind"] == "signin_link"
    assert all("zzz" not in queued[name] for name in ("subject", "text_body", "html_body"))
    uow.deliveries.queue.return_value = False  # the event came again
    assert handlers.email_signin_link(uow, event, "n.example") == 0


# -- monthly statements and links to the fund's pages ---------------------------------------

def statement_data(fund_id=None):
    return {"fund_id": fund_id or uuid.uuid4(), "fund_name_th": "กองทุนสวัสดิการชุมชนตำบลตลาดใหญ่",
            "month": "2026-11", "month_th": "พฤศจิกายน 2569",
            "opening": {"posted_satang": 0, "pending_satang": 50},
            "closing": {"posted_satang": 123450, "pending_satang": 10000}, "entry_count": 3,
            "csv": "\ufeffวันที่ (date),รายการ (description)\r\n"}


def test_a_statement_email_shows_its_figures_in_thai_and_links_to_the_statement_page():
    data = statement_data()
    subject, text, html = compose.render_monthly_statement(data, THAI_OFFICER, WEB)
    assert subject == "รายงานประจำเดือนพฤศจิกายน 2569 ของกองทุนสวัสดิการชุมชนตำบลตลาดใหญ่"
    for body in (text, html):
        assert "พฤศจิกายน 2569" in body and "1,234.50 บาท" in body and "100.00 บาท" in body
        assert "0.50 บาท" in body and "3" in body
        assert f"{WEB}/funds/{data['fund_id']}/statements/2026-11" in body
        assert f"{WEB}/funds/{data['fund_id']}" in body
    english = compose.render_monthly_statement(data, {**THAI_OFFICER, "language": "en"}, WEB)
    assert english[0].startswith("Monthly statement of") and english[1].startswith("Dear ")


def test_a_statement_email_carries_its_csv_as_an_attachment():
    data = statement_data()
    name, content_type, content = compose.statement_attachment(data)
    assert name == f"statement-{data['fund_id']}-2026-11.csv" and content_type == "text/csv; charset=utf-8"
    _, text, html = compose.render_monthly_statement(data, THAI_OFFICER, WEB)
    delivery = {"recipient": "officer@example.org", "subject": "s", "message_id": "<a@b>", "text_body": text,
                "html_body": html, "attachment_name": name, "attachment_type": content_type, "attachment": content}
    parsed = email.message_from_bytes(compose.build_message(delivery, "no-reply@codi.or.th", "CODI").as_bytes(),
                                      policy=email.policy.default)
    [attachment] = list(parsed.iter_attachments())
    assert attachment.get_filename() == name and attachment.get_content_type() == "text/csv"
    assert attachment.get_content_charset() == "utf-8" and attachment.get_content() == content
    assert "1,234.50 บาท" in parsed.get_body(("plain",)).get_content()


def test_a_statement_goes_once_per_fund_month_and_officer_to_those_who_want_it():
    fund_id = uuid.uuid4()
    wants, declines = (dict(officer_row(True, None), fund_id=fund_id) for _ in range(2))
    declines["preferences"] = {**declines["preferences"], "monthly_statement": False}
    uow = mock.Mock()
    uow.officers.of_fund.return_value = [wants, declines]
    event = mock.Mock(event_id=uuid.uuid4(), data=statement_data(fund_id))
    assert handlers.email_monthly_statement(uow, event, "d", WEB) == 1
    [queued], _ = uow.deliveries.queue.call_args
    assert queued["officer_id"] == wants["id"] and queued["kind"] == "monthly_statement"
    assert queued["attachment_name"] == f"statement-{fund_id}-2026-11.csv"
    # another event of the same fund and month is the same delivery (the unique (event, officer))
    again = mock.Mock(event_id=uuid.uuid4(), data=statement_data(fund_id))
    handlers.email_monthly_statement(uow, again, "d", WEB)
    [second], _ = uow.deliveries.queue.call_args
    assert second["event_id"] == queued["event_id"] and second["message_id"] == queued["message_id"]


def test_every_officer_email_links_to_the_funds_page():
    fund_page = f"{WEB}/funds/{THAI_OFFICER['fund_id']}"
    for kind in (compose.LEVY_PENDING, compose.LEVY_VOIDED, compose.LEVY_REVERSED):
        for language in ("th", "en"):
            _, text, html = compose.render_levy(kind, levy_data(), {**THAI_OFFICER, "language": language},
                                                OCCURRED, WEB)
            assert fund_page in text and f'href="{fund_page}"' in html
    slot = dt.datetime(2024, 5, 31, 18, 0, tzinfo=THAI_TIME)
    items = [compose.digest_item(levy_data(), OCCURRED), compose.digest_item(levy_data(), OCCURRED,
                                                                             compose.LEVY_POSTED)]
    _, text, html = compose.render_daily_digest(items, THAI_OFFICER, slot, WEB)
    assert fund_page in text and f'href="{fund_page}"' in html
