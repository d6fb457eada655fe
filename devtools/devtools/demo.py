"""``make demo``: the headline case end to end on real RabbitMQ, PostgreSQL and SMTP.

Starts what it needs, walks the Chaiyaphum → Phuket order through the HTTP API, waits for
the credit and the email, prints a summary, stops what it started. Exit status 0 only if
every step worked.
"""
import shutil
import sys
from pathlib import Path

from chassis.thai import format_baht
from devtools import infra, scenario, smtp_sink
from devtools.platform import Platform, local_env

MAIL_DIR = Path("var/mail")


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
        step("creating and migrating the four service databases")
        platform.migrate()
        step("starting centres, marketplace, funds and notifications (logs in var/log/)")
        platform.start_all()
        step("registering the demo fund, organisations, product, levy agreement and officer")
        network = scenario.set_up_network(platform)
        step(f"Phuket network orders {scenario.BAGS} bags of Chaiyaphum jasmine rice, then pays")
        order, paid = scenario.place_and_pay(platform, network)
        expected = scenario.BAGS * scenario.LEVY_PER_BAG_SATANG
        step("waiting for the levy to reach the fund's ledger")
        balance = scenario.wait_for_pending(platform, network, expected)
        step("waiting for the officer's email")
        mail = scenario.wait_for_mail(MAIL_DIR, network["officer"]["email"])[0]
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
    print(f"ยอดชำระ (paid)       {format_baht(paid['total_satang'])}")
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
    print(f"✓ credited {format_baht(expected)} and emailed the officer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
