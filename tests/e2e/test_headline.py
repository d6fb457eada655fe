"""All four services as real processes, a real SMTP server in the test."""
import uuid

import pytest
import requests

from devtools import scenario

pytestmark = pytest.mark.e2e

LEVY = scenario.BAGS * scenario.LEVY_PER_BAG_SATANG


@pytest.fixture
def network(platform):
    return scenario.set_up_network(platform, officer_email=f"officer-{uuid.uuid4().hex[:8]}@example.org")


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


def test_the_same_payment_request_twice_credits_once(platform, network, mail_dir):
    token = network["buyer_token"]
    order = scenario.call("POST", platform.url("marketplace", "/v1/orders"), token, {
        "lines": [{"product_id": network["product"]["id"], "quantity": scenario.BAGS}],
        "ship_to": {"name": "ทดสอบ", "address_line": "1 ถนนถลาง", "subdistrict_code": "830101"}},
        headers={"Idempotency-Key": str(uuid.uuid4())})
    pay_url = platform.url("marketplace", f"/v1/orders/{order['id']}/payments")
    body, key = {"amount_satang": order["total_satang"]}, {"Idempotency-Key": str(uuid.uuid4())}
    first = scenario.call("POST", pay_url, token, body, headers=key)
    again = scenario.call("POST", pay_url, token, body, headers=key)
    assert first == again
    other_key = requests.post(pay_url, json=body, timeout=10, headers={
        "Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})
    assert other_key.status_code == 409

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
