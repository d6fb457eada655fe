"""``make demo``: the headline case end to end on real RabbitMQ, PostgreSQL and SMTP.

Starts what it needs (the Omise stand-in as the payment provider), walks the Chaiyaphum →
Phuket order through the HTTP API: the order's Thai QR (its payload printed, its image written
under var/), the buyer paying it through the provider, the credit that follows only once the
provider confirmed, and the officer's email; prints a summary, stops what it started. Exit status
0 only if every step worked.
"""
import shutil
import sys
from pathlib import Path

import requests

from chassis.thai import format_baht
from devtools import infra, scenario, smtp_sink
from devtools.platform import Platform, local_env

MAIL_DIR = Path("var/mail")
QR_DIR = Path("var/payment-qr")


def step(text):
    print(f"→ {text}", flush=True)


def main():
    step("checking PostgreSQL and RabbitMQ")
    if not infra.ensure_all():
        return 1
    shutil.rmtree(MAIL_DIR, ignore_errors=True)
    env = local_env()
    sink = smtp_sink.start(MAIL_DIR, port=int(env["SMTP_PORT"]))
    platform = Platform(env, log_dir="var/log")
    try:
        step("creating and migrating the services' databases")
        platform.migrate()
        step(f"starting {', '.join(platform.services)} (logs in var/log/)")
        platform.start_all()
        step("registering the demo fund, organisations, product, levy agreement and officer")
        network = scenario.set_up_network(platform)
        step(f"Phuket network orders {scenario.BAGS} bags of Chaiyaphum jasmine rice")
        order = scenario.place_order(platform, network)
        request = scenario.payment_request(platform, network, order)
        qr_file = save_qr(platform, network, request)
        print(f"  คำขอชำระเงิน (payment request) {request['reference']}: "
              f"{format_baht(request['amount_satang'])} ผ่าน {request['provider']} ({request['method']}), "
              f"หมดอายุ (expires) {request['expires_at']}")
        print(f"  Thai QR payload: {request['qr_payload']}")
        print(f"  QR image:        {qr_file}")
        before = scenario.fund_balance(platform, network)
        print(f"  ก่อนผู้ให้บริการยืนยัน (before the provider confirms): "
              f"คำสั่งซื้อ {scenario.get_order(platform, network, order)['payment_status']}, "
              f"กองทุนรอยืนยัน {format_baht(before['pending_satang'])}")
        step("the buyer scans the QR and pays; the provider's signed webhook reaches the marketplace")
        paid = scenario.pay_through_provider(platform, network, order)
        print(f"  ผู้ให้บริการยืนยันแล้ว (the provider confirmed): charge {request['charge_id']}, "
              f"paid at {paid['paid_at']}")
        expected = scenario.BAGS * scenario.LEVY_PER_BAG_SATANG
        step("waiting for the levy to reach the fund's ledger")
        balance = scenario.wait_for_pending(platform, network, expected)
        step("waiting for the officer's email")
        mail = scenario.wait_for_mail(MAIL_DIR, network["officer"]["email"])[0]
        step("Tha Sao, Kanchanaburi picks up Chaiyaphum rice at the Kanchanaburi distribution centre")
        picked_up = scenario.deliver_through_centre(platform, network)
        step("the Chaiyaphum enterprise shares surplus rice with the Phuket network (no money, no levy)")
        shared = scenario.share_surplus(platform, network)
        step("the Phuket network exchanges its dried fish for Chaiyaphum rice")
        exchanged = scenario.exchange_goods(platform, network)
    except scenario.StepFailed as exc:
        print(f"\n✗ demo failed: {exc}\n  see var/log/ for the services' logs", file=sys.stderr)
        return 1
    finally:
        platform.stop_all()
        sink.stop()

    body = mail.get_body(preferencelist=("plain",)).get_content()
    print("\n" + "=" * 72)
    print("ตลาดนัดองค์กรชุมชน — headline case (ข้อมูลสาธิต / demo data)")
    print("=" * 72)
    print(f"คำสั่งซื้อ (order)   {order['id']}")
    print(f"ผู้ขาย (seller)       {network['seller']['name_th']}")
    print(f"ผู้ซื้อ (buyer)        {network['buyer']['name_th']}")
    print(f"สินค้า (product)     {network['product']['name_th']} × {scenario.BAGS} ถุง")
    print(f"ยอดชำระ (paid)       {format_baht(paid['total_satang'])} — พร้อมเพย์ผ่านผู้ให้บริการ "
          f"{request['provider']} (PromptPay through the provider), charge {request['charge_id']}")
    print(f"คิวอาร์ (Thai QR)    {request['qr_payload']}")
    print(f"ภาพคิวอาร์ (QR image) {qr_file}")
    print(f"เงินสมทบ (credited)  {format_baht(expected)} → {network['fund']['name_th']}")
    print(f"ยอดกองทุน (balance)  รอยืนยัน {format_baht(balance['pending_satang'])}, "
          f"ยืนยันแล้ว {format_baht(balance['posted_satang'])}")
    print("-" * 72)
    print(f"อีเมลถึง (To):       {mail['To']}")
    print(f"เรื่อง (Subject):    {mail['Subject']}")
    print(f"Message-ID:          {mail['Message-ID']}")
    print("-" * 72)
    print(body.rstrip())
    print("=" * 72)
    route = picked_up["route"]
    print(f"ส่งผ่านศูนย์กระจายสินค้า (through a distribution centre): คำสั่งซื้อ {picked_up['id']}")
    print(f"  {place_text(route['origin'])} → {route['destination']['name_th']}, "
          f"{place_text(route['destination'])}")
    print(f"  พัสดุ (shipment) {picked_up['shipment']['carrier']} {picked_up['shipment']['tracking_number']}, "
          f"ผู้ซื้อยืนยันรับแล้ว (received, confirmed by the {picked_up['receipt']['confirmed_by']})")
    goods = shared["goods"]
    print(f"แบ่งปัน (share) {shared['id']}: {goods['product_name']} × {goods['quantity']} {goods['unit']}, "
          f"{place_text(shared['route']['origin'])} → {place_text(shared['route']['destination'])}, "
          f"สถานะ {shared['status']}")
    for name, leg in (("ข้าว (rice)", exchanged["owner_leg"]), ("ปลา (fish)", exchanged["offerer_leg"])):
        print(f"แลกเปลี่ยน (exchange) {name}: {leg['goods']['product_name']} × {leg['goods']['quantity']} "
              f"{leg['goods']['unit']}, {place_text(leg['route']['origin'])} → {place_text(leg['route']['destination'])}")
    print(f"  สถานะ (status) {exchanged['status']}; ไม่มีเงิน ไม่มีเงินสมทบ เว้นแต่ข้อตกลงระบุไว้ "
          f"(no money moves: no levy unless an agreement says so)")
    print("=" * 72)
    print_addresses(platform, network)
    print(f"✓ credited {format_baht(expected)} and emailed the officer")
    return 0


def print_addresses(platform, network):
    """Where a person clicks around once ``make up`` runs the platform again (the demo data stays)."""
    web = platform.env["WEB_PUBLIC_URL"].rstrip("/")
    print("เปิดดูในเบราว์เซอร์ (to click around): make up แล้วเปิด (then open)")
    print(f"  ร้านค้า (storefront)           {web}/shop")
    print(f"  หน้ากองทุน (the officer's page) {web}/funds/{network['fund']['fund_id']}")
    print(f"  เข้าสู่ระบบด้วยอีเมล (sign in as) {network['officer']['email']} (เจ้าหน้าที่กองทุน, officer) หรือ "
          f"(or) {network['seller_contact_email']} (ผู้ขาย, seller); ลิงก์อยู่ใน (the link arrives in) var/mail/")


def place_text(place):
    return f"ตำบล{place['subdistrict_name_th']} จังหวัด{place['province_name_th']}"


def save_qr(platform, network, request):
    """The order's QR as the website would show it (GET …/qr.png), written under var/."""
    response = requests.get(platform.url("marketplace", request["qr_png_url"]), timeout=10,
                            headers={"Authorization": f"Bearer {network['buyer_token']}"})
    if response.status_code != 200:
        raise scenario.StepFailed(f"GET {request['qr_png_url']} → {response.status_code}: {response.text[:300]}")
    QR_DIR.mkdir(parents=True, exist_ok=True)
    path = QR_DIR / f"{request['order_id']}.png"
    path.write_bytes(response.content)
    return path


if __name__ == "__main__":
    sys.exit(main())
