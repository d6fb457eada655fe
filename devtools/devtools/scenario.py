"""The headline case, walked through the HTTP APIs: Phuket buys Chaiyaphum rice.

A community welfare fund network in Phuket orders 25 bags of Chaiyaphum jasmine rice; when
the order is paid, 4 baht per bag (400 satang) is credited to the Phuket welfare fund and
its officer is emailed. All organisations, funds and people here are DEMO DATA.
"""
import datetime as dt
import email
import email.policy
import time
import uuid
from pathlib import Path

import requests

from chassis import registry
from chassis.cli import issue_token

BAGS = 25
PRICE_SATANG = 25_000          # 250.00 บาท a 5 kg bag
LEVY_PER_BAG_SATANG = 400      # 4 บาท


class StepFailed(RuntimeError):
    pass


def call(method, url, token, body=None, expect=(200, 201, 202), headers=None, session=requests):
    response = session.request(method, url, json=body, timeout=10, headers={
        "Authorization": f"Bearer {token}", **(headers or {})})
    if response.status_code not in expect:
        raise StepFailed(f"{method} {url} → {response.status_code}: {response.text[:500]}")
    return response.json()


def eventually(what, probe, timeout=30.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise StepFailed(f"timed out waiting for {what}")
        time.sleep(interval)


def read_mail(mail_dir):
    return [email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(Path(mail_dir).glob("*.eml"))]


def set_up_network(platform, officer_email="somsri.demo@example.org", stock=500,
                   seller_email="sommai.demo@example.org", buyer_email="wichai.demo@example.org"):
    """Register the demo fund, organisations (each with a contact who can sign in to the pages),
    product, levy agreement and officer."""
    env = platform.env
    ops = {service: issue_token(service, "operator", label="demo", environ=env)
           for service in registry.names()}
    tag = uuid.uuid4().hex[:6]  # lets the demo run again on the same databases
    fund = call("POST", platform.url("centres", "/v1/funds"), ops["centres"], {
        "name_th": f"กองทุนสวัสดิการชุมชนตำบลตลาดใหญ่ (ข้อมูลสาธิต {tag})",
        "name_en": "Talat Yai community welfare fund (demo)",
        "subdistrict_code": "830101", "demo": True})
    seller = call("POST", platform.url("centres", "/v1/organisations"), ops["centres"], {
        "name_th": f"วิสาหกิจชุมชนข้าวหอมมะลิบ้านในเมือง (ข้อมูลสาธิต {tag})",
        "name_en": "Ban Nai Mueang jasmine rice community enterprise (demo)",
        "kind": "community_enterprise", "subdistrict_code": "360101", "demo": True,
        "contacts": [{"name_th": "สมหมาย รักนา (ข้อมูลสาธิต)", "role": "ประธานกลุ่ม", "email": seller_email}]})
    buyer = call("POST", platform.url("centres", "/v1/organisations"), ops["centres"], {
        "name_th": f"เครือข่ายสวัสดิการชุมชนจังหวัดภูเก็ต (ข้อมูลสาธิต {tag})",
        "name_en": "Phuket community welfare network (demo)",
        "kind": "welfare_network", "subdistrict_code": "830101",
        "home_fund_id": fund["fund_id"], "demo": True,
        "contacts": [{"name_th": "วิชัย ทะเลงาม (ข้อมูลสาธิต)", "role": "ผู้ประสานงานเครือข่าย", "email": buyer_email}]})

    # The registry's events reach funds and marketplace asynchronously.
    eventually("funds to learn of the fund", lambda: requests.get(
        platform.url("funds", f"/v1/funds/{fund['fund_id']}"),
        headers={"Authorization": f"Bearer {ops['funds']}"}, timeout=5).status_code == 200)
    product = eventually("marketplace to learn of the seller", lambda: _try_create_product(
        platform, ops["marketplace"], seller["organisation_id"], stock))
    agreement = call("POST", platform.url("funds", "/v1/levy-agreements"), ops["funds"], {
        "seller_org_id": seller["organisation_id"], "basis": "per_unit",
        "rate": LEVY_PER_BAG_SATANG, "recipient": "fund", "fund_id": fund["fund_id"],
        "effective_from": (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=1)).isoformat()})
    officer = call("POST", platform.url("funds", f"/v1/funds/{fund['fund_id']}/officers"), ops["funds"], {
        "name": "สมศรี ใจดี (ข้อมูลสาธิต)", "email": officer_email, "language": "th"})
    buyer_token = issue_token("marketplace", "organisation", uuid.UUID(buyer["organisation_id"]),
                              "demo buyer", environ=env)
    return {"ops": ops, "fund": fund, "seller": seller, "buyer": buyer, "product": product,
            "agreement": agreement, "officer": officer, "buyer_token": buyer_token,
            "seller_contact_email": seller_email, "buyer_contact_email": buyer_email}


def _try_create_product(platform, token, seller_org_id, stock):
    response = requests.post(platform.url("marketplace", "/v1/products"), timeout=5, json={
        "seller_org_id": seller_org_id, "name_th": "ข้าวหอมมะลิชัยภูมิ ถุง 5 กิโลกรัม",
        "name_en": "Chaiyaphum jasmine rice, 5 kg bag", "unit": "ถุง",
        "unit_price_satang": PRICE_SATANG, "stock": stock, "category": "rice",
        "description": "ข้าวหอมมะลิจากกลุ่มวิสาหกิจชุมชน (ข้อมูลสาธิต)"},
        headers={"Authorization": f"Bearer {token}"})
    return response.json() if response.status_code == 201 else None


def place_order(platform, network, bags=BAGS, idempotency_key=None, session=requests, marketplace_url=None):
    """Order ``bags`` bags as the buyer; ``marketplace_url`` picks an instance."""
    base = marketplace_url or platform.url("marketplace")
    return call("POST", f"{base}/v1/orders", network["buyer_token"], {
        "lines": [{"product_id": network["product"]["id"], "quantity": bags}],
        "ship_to": {"name": "เครือข่ายสวัสดิการชุมชนจังหวัดภูเก็ต", "address_line": "ถนนถลาง",
                    "subdistrict_code": "830101"}},
        headers={"Idempotency-Key": idempotency_key or str(uuid.uuid4())}, session=session)


def payment_request(platform, network, order, session=requests, marketplace_url=None):
    """The order's payment request as the buyer sees it (the first look makes the provider's charge)."""
    base = marketplace_url or platform.url("marketplace")
    return call("GET", f"{base}/v1/orders/{order['id']}/payment-request", network["buyer_token"],
                session=session)


def get_order(platform, network, order, session=requests, marketplace_url=None):
    base = marketplace_url or platform.url("marketplace")
    return call("GET", f"{base}/v1/orders/{order['id']}", network["ops"]["marketplace"], session=session)


def pay_through_provider(platform, network, order, wait=True, session=requests, marketplace_url=None):
    """The buyer scans the order's QR and pays (the Omise stand-in's mark_as_paid); the stand-in's
    signed webhook makes the marketplace fetch the charge back and pay the order. Returns the
    order once paid (``wait``), else the payment request."""
    request = payment_request(platform, network, order, session, marketplace_url)
    platform.mark_as_paid(request["charge_id"])
    if not wait:
        return request
    return eventually(f"order {order['id']} paid through the provider", lambda: (
        lambda now: now if now["payment_status"] == "paid" else None)(
        get_order(platform, network, order, session, marketplace_url)))


def confirm_transfer(platform, network, order, reference=None, amount_satang=None, session=requests,
                     marketplace_url=None):
    """The seller (here an operator on its behalf) confirms a transfer to its PromptPay arrived."""
    base = marketplace_url or platform.url("marketplace")
    return call("POST", f"{base}/v1/orders/{order['id']}/transfer-confirmations", network["ops"]["marketplace"], {
        "reference": reference or f"KTB-{uuid.uuid4().hex[:12]}",
        "amount_satang": order["total_satang"] if amount_satang is None else amount_satang,
        "transferred_at": dt.datetime.now(dt.timezone.utc).isoformat()},
        headers={"Idempotency-Key": f"transfer-{order['id']}"}, session=session)


def pay(platform, network, order):
    """Pay ``order`` the way its payment request says: through the provider, or by a transfer the
    seller confirms. Returns the order once paid."""
    if payment_request(platform, network, order)["method"] == "provider":
        return pay_through_provider(platform, network, order)
    return confirm_transfer(platform, network, order)


def collect_directly(platform, network, promptpay_id="0812345678"):
    """The seller is paid by PromptPay to its own PromptPay ID from its next order on."""
    return call("PUT", platform.url("marketplace", f"/v1/sellers/{network['seller']['organisation_id']}"
                                                   "/payment-settings"),
                network["ops"]["marketplace"], {"collection": "direct", "promptpay_id": promptpay_id})


def place_and_pay(platform, network, bags=BAGS, idempotency_key=None, session=requests,
                  marketplace_url=None):
    """Order ``bags`` bags as the buyer and pay through the provider, as a buyer scanning the QR
    does; returns (order as placed, order once paid)."""
    order = place_order(platform, network, bags, idempotency_key, session, marketplace_url)
    return order, pay_through_provider(platform, network, order, session=session,
                                       marketplace_url=marketplace_url)


def fund_balance(platform, network):
    return call("GET", platform.url("funds", f"/v1/funds/{network['fund']['fund_id']}"),
                network["ops"]["funds"])["balance"]


def wait_for_pending(platform, network, satang, timeout=30):
    return eventually(f"{satang} satang pending in the fund", lambda: (
        lambda balance: balance if balance["pending_satang"] == satang else None)(
        fund_balance(platform, network)), timeout)


def wait_for_mail(mail_dir, recipient, count=1, timeout=30):
    return eventually(f"{count} email(s) to {recipient}", lambda: (
        lambda mails: mails if len(mails) >= count else None)(
        [m for m in read_mail(mail_dir) if m["To"] == recipient]), timeout)


# -- a delivery through a distribution centre: Kanchanaburi picks up Chaiyaphum rice at its centre --

CENTRE_PICKUP_BAGS = 10


def deliver_through_centre(platform, network, bags=CENTRE_PICKUP_BAGS):
    """A community enterprise in Tha Sao, Kanchanaburi orders Chaiyaphum rice picked up at the
    Kanchanaburi distribution centre: the centre registered and announced, the seller offering
    pickup there, the order paid, shipped to the centre with a postal S10 number and received by
    the buyer. Returns the order once received (its route names the centre); DEMO DATA."""
    ops, tag = network["ops"], uuid.uuid4().hex[:6]
    centre = call("POST", platform.url("centres", "/v1/distribution-centres"), ops["centres"], {
        "name_th": f"ศูนย์กระจายสินค้าชุมชนจังหวัดกาญจนบุรี (ข้อมูลสาธิต {tag})",
        "name_en": "Kanchanaburi community distribution centre (demo)",
        "subdistrict_code": "710101", "address": "ถนนแสงชูโต ตำบลบ้านเหนือ (ที่อยู่สาธิต)",
        "opening_hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:30", "closes": "16:30"}],
        "contact": {"name_th": "ผู้ประสานงานศูนย์ (ข้อมูลสาธิต)", "phone": "034-000-000",
                    "email": "kanchanaburi-dc@example.org"},
        "serves_groups": [8, 10, 11, 12, 13, 17], "demo": True})
    buyer = call("POST", platform.url("centres", "/v1/organisations"), ops["centres"], {
        "name_th": f"กลุ่มแปรรูปผลผลิตตำบลท่าเสา (ข้อมูลสาธิต {tag})",
        "name_en": "Tha Sao produce processing group (demo)",
        "kind": "community_enterprise", "subdistrict_code": "710202", "demo": True})
    centre_id = centre["distribution_centre_id"]
    eventually("marketplace to learn of the distribution centre", lambda: any(
        known["id"] == centre_id for known in call(
            "GET", platform.url("marketplace", "/v1/distribution-centres"), ops["marketplace"])["items"]))
    seller_id = network["seller"]["organisation_id"]
    call("PUT", platform.url("marketplace", f"/v1/sellers/{seller_id}/delivery-options"), ops["marketplace"],
         {"carrier": {"fee_satang": 0}, "distribution_centre_ids": [centre_id], "local_pickup": True})
    buyer_token = issue_token("marketplace", "organisation", uuid.UUID(buyer["organisation_id"]),
                              "demo centre buyer", environ=platform.env)
    buyer_network = {**network, "buyer_token": buyer_token}
    order = eventually("marketplace to take the centre buyer's order", lambda: _try_order(platform, buyer_token, {
        "lines": [{"product_id": network["product"]["id"], "quantity": bags}],
        "ship_to": {"name": buyer["name_th"], "address_line": "รับที่ศูนย์กระจายสินค้า",
                    "subdistrict_code": "710202"},
        "delivery": {"method": "distribution_centre", "distribution_centre_id": centre_id}}))
    pay_through_provider(platform, buyer_network, order)
    orders = platform.url("marketplace", f"/v1/orders/{order['id']}")
    call("POST", f"{orders}/shipment", ops["marketplace"],
         {"carrier": "thailand_post", "tracking_number": "EE123456785TH"},
         headers={"Idempotency-Key": f"ship-{order['id']}"})
    return call("POST", f"{orders}/receipt", buyer_token, headers={"Idempotency-Key": f"receipt-{order['id']}"})


def _try_order(platform, token, body):
    response = requests.post(platform.url("marketplace", "/v1/orders"), json=body, timeout=10, headers={
        "Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())})
    return response.json() if response.status_code == 201 else None


# -- a share and an exchange between real places: no money moves, and no levy unless agreed --

SHARED_BAGS, EXCHANGED_BAGS = 5, 3


def _organisation_token(platform, organisation, label):
    return issue_token("marketplace", "organisation", uuid.UUID(organisation["organisation_id"]), label,
                       environ=platform.env)


def _listing(platform, token, body):
    return eventually(f"marketplace to take the listing {body['name_th']}", lambda: (
        lambda response: response.json() if response.status_code == 201 else None)(requests.post(
            platform.url("marketplace", "/v1/products"), json=body, timeout=10,
            headers={"Authorization": f"Bearer {token}"})))


def _step(platform, token, path, body=None):
    return call("POST", platform.url("marketplace", path), token, body,
                headers={"Idempotency-Key": str(uuid.uuid4())})


def share_surplus(platform, network, bags=SHARED_BAGS):
    """The Chaiyaphum rice enterprise gives surplus rice to the Phuket network: asked for,
    approved, shipped by Thailand Post, received. Returns the share once received; DEMO DATA."""
    giver = _organisation_token(platform, network["seller"], "demo giver")
    listing = _listing(platform, giver, {
        "name_th": "ข้าวหอมมะลิส่วนเกินเพื่อแบ่งปัน ถุง 5 กิโลกรัม (ข้อมูลสาธิต)", "unit": "ถุง", "stock": 20,
        "category": "rice", "listing_kind": "share", "description": "ข้าวส่วนเกินจากฤดูเก็บเกี่ยว (ข้อมูลสาธิต)"})
    share = _step(platform, network["buyer_token"], "/v1/shares", {
        "listing_id": listing["id"], "quantity": bags,
        "ship_to": {"name": network["buyer"]["name_th"], "address_line": "ถนนถลาง", "subdistrict_code": "830101"}})
    path = f"/v1/shares/{share['id']}"
    _step(platform, giver, f"{path}/approval")
    _step(platform, giver, f"{path}/shipment", {"carrier": "thailand_post", "tracking_number": "EE123456785TH"})
    return _step(platform, network["buyer_token"], f"{path}/receipt")


def exchange_goods(platform, network, bags=EXCHANGED_BAGS):
    """The Phuket network offers its dried fish for Chaiyaphum rice; the rice enterprise accepts,
    each side ships its goods and confirms the other's. Returns the exchange once completed; DEMO DATA."""
    owner = _organisation_token(platform, network["seller"], "demo exchange owner")
    offerer = network["buyer_token"]
    wanted = _listing(platform, owner, {
        "name_th": "ข้าวหอมมะลิเพื่อแลกเปลี่ยน ถุง 5 กิโลกรัม (ข้อมูลสาธิต)", "unit": "ถุง", "stock": 20,
        "category": "rice", "listing_kind": "exchange", "description": "แลกกับผลผลิตของชุมชนอื่น (ข้อมูลสาธิต)"})
    offered = _listing(platform, offerer, {
        "name_th": "ปลาอินทรีเค็มภูเก็ต ห่อ 500 กรัม (ข้อมูลสาธิต)", "unit": "ห่อ", "stock": 20,
        "category": "processed_food", "listing_kind": "exchange", "description": "ผลผลิตแปรรูป (ข้อมูลสาธิต)"})
    exchange = _step(platform, offerer, "/v1/exchanges", {
        "listing_id": wanted["id"], "quantity": bags, "offered_listing_id": offered["id"], "offered_quantity": 4})
    path = f"/v1/exchanges/{exchange['id']}"
    _step(platform, owner, f"{path}/acceptance")
    for token in (owner, offerer):
        _step(platform, token, f"{path}/shipment", {"carrier": "thailand_post", "tracking_number": "EE123456785TH"})
    _step(platform, offerer, f"{path}/receipt", {})
    return _step(platform, owner, f"{path}/receipt", {})
