"""All four services as real processes, a real SMTP server in the test."""
import pytest

from devtools import omise_standin, scenario

pytestmark = pytest.mark.e2e

LEVY = scenario.BAGS * scenario.LEVY_PER_BAG_SATANG


def test_headline_paid_order_credits_the_fund_and_emails_the_officer(platform, network, mail_dir):
    order, paid = scenario.place_and_pay(platform, network)
    assert paid["payment_status"] == "paid"
    assert paid["total_satang"] == scenario.BAGS * scenario.PRICE_SATANG
    balance = scenario.wait_for_pending(platform, network, LEVY)
    assert balance == {"pending_satang": 10000, "posted_satang": 0}

    [mail] = scenario.wait_for_mail(mail_dir, network["officer"]["email"])
    assert "100.00 บาท" in mail["Subject"]
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "หนึ่งร้อยบาทถ้วน" in text and order["id"] in text
    assert "ข้าวหอมมะลิชัยภูมิ" in html and "100.00 บาท" in html


def test_a_payment_told_twice_credits_once(platform, network, mail_dir):
    order, paid = scenario.place_and_pay(platform, network)
    request = scenario.payment_request(platform, network, order)
    assert (request["status"], request["charge_id"]) == ("paid", request["charge_id"])
    # the provider tells again (a retried delivery, the same event id), and then in another event
    event = omise_standin.event_about(request["charge_id"])
    for told in (event, event, omise_standin.event_about(request["charge_id"], "charge.create")):
        replayed = platform.post_omise_webhook(told)
        assert replayed.status_code == 200 and replayed.json()["changed"] is False
    scenario.wait_for_pending(platform, network, LEVY)
    # one more paid order: once its credit is in, the earlier payment's events have all been handled
    scenario.place_and_pay(platform, network, bags=1)
    scenario.wait_for_pending(platform, network, LEVY + scenario.LEVY_PER_BAG_SATANG)
    mails = scenario.wait_for_mail(mail_dir, network["officer"]["email"], count=2)
    assert sum(order["id"] in m.get_body(preferencelist=("plain",)).get_content() for m in mails) == 1


def test_funds_down_while_orders_are_paid_then_every_credit_arrives(platform, network, mail_dir):
    platform.stop("funds")
    try:
        for _ in range(3):
            scenario.place_and_pay(platform, network, bags=2)
    finally:
        platform.start("funds")
        platform.wait_ready(["funds"])
    balance = scenario.wait_for_pending(platform, network, 3 * 2 * scenario.LEVY_PER_BAG_SATANG)
    assert balance["posted_satang"] == 0
    scenario.wait_for_mail(mail_dir, network["officer"]["email"], count=3)


def test_rice_picked_up_at_a_distribution_centre_carries_its_route_and_posts_the_levy_on_receipt(
        platform, network):
    before = scenario.fund_balance(platform, network)
    received = scenario.deliver_through_centre(platform, network)
    origin, destination = received["route"]["origin"], received["route"]["destination"]
    assert (origin["province_code"], origin["subdistrict_code"]) == ("36", "360101")
    assert (destination["method"], destination["province_code"]) == ("distribution_centre", "71")
    assert destination["name_th"].startswith("ศูนย์กระจายสินค้าชุมชนจังหวัดกาญจนบุรี")
    assert received["receipt"]["confirmed_by"] == "buyer"
    levy = scenario.CENTRE_PICKUP_BAGS * scenario.LEVY_PER_BAG_SATANG
    scenario.eventually("the levy posted on receipt", lambda: scenario.fund_balance(platform, network)[
        "posted_satang"] == before["posted_satang"] + levy)
