"""A fund's levy per Bangkok month against the real PostgreSQL: credited net of voids and reversals,
posted, months without levy included, and the month an entry falls in decided in Asia/Bangkok."""
import datetime as dt
import uuid

import pytest
import requests

from chassis.cli import issue_token
from chassis.db import Database, execute_together
from chassis.thai import THAI_TIME, thai_month
from funds.adapters import FundsUnitOfWork
from funds.ledger import CLEARING, fund_account, receivable_account
from funds.statements import recent_months

pytestmark = pytest.mark.integration



def new_fund(service):
    fund_id = uuid.uuid4()
    with Database(service["dsn"], pool_size=1).transaction() as cursor:
        FundsUnitOfWork(cursor).funds.upsert({
            "id": fund_id, "name_th": "กองทุนสวัสดิการชุมชน (ทดสอบ)", "province_code": "36",
            "province_group": 9, "region": "northeast", "centre_id": None, "place": {}})
    return fund_id


def book(service, kind, at, legs):
    """A ledger transaction booked at ``at`` (as Ledger.record books one now), accounts kept in step."""
    transaction_id = uuid.uuid4()
    statements = [("INSERT INTO ledger_transactions (id, kind, source_event_id, created_at) VALUES (%s, %s, %s, %s)",
                   (transaction_id, kind, uuid.uuid4(), at))]
    for account, phase, amount in legs:
        owner = account.partition(":")[2] or None
        column = f"{phase}_satang"
        statements += [
            ("INSERT INTO accounts (code, fund_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
             (account, owner if account.startswith("fund:") else None)),
            (f"UPDATE accounts SET {column} = {column} + %s WHERE code = %s", (amount, account)),
            ("INSERT INTO ledger_entries (transaction_id, account, phase, amount_satang, created_at)"
             " VALUES (%s, %s, %s, %s, %s)", (transaction_id, account, phase, amount, at))]
    with Database(service["dsn"], pool_size=1).transaction() as cursor:
        execute_together(cursor, statements)


def month_start(year, month):
    return dt.datetime(year, month, 1, tzinfo=THAI_TIME)


def test_levy_per_month_credited_net_of_voids_and_reversals_and_posted(service):
    fund_id = new_fund(service)
    fund, receivable = fund_account(fund_id), receivable_account(fund_id)
    now = dt.datetime.now(dt.timezone.utc)
    months = recent_months(now, 4)
    two_ago, last, this = (month_start(*month) for month in months[1:])

    def pending(amount, at):
        book(service, "levy_pending", at, [(fund, "pending", amount), (CLEARING, "pending", -amount)])

    pending(1_000, two_ago + dt.timedelta(days=2))
    pending(500, two_ago + dt.timedelta(days=3))
    at = last + dt.timedelta(days=1)
    book(service, "levy_posted", at, [(fund, "pending", -1_000), (fund, "posted", 1_000),
                                      (CLEARING, "pending", 1_000), (CLEARING, "posted", -1_000)])
    book(service, "levy_voided", at, [(fund, "pending", -500), (CLEARING, "pending", 500)])
    book(service, "levy_reversed", at, [(fund, "posted", -100), (CLEARING, "posted", 100)])
    pending(700, this - dt.timedelta(minutes=1))        # 23:59 on the last day of last month, in Bangkok
    pending(300, this)                                  # 00:00 on the first of this month, in Bangkok
    # a reversal the fund could not fully cover: its shortfall is booked to its receivable account
    book(service, "levy_reversed", this, [(fund, "posted", -50), (receivable, "posted", -30), (CLEARING, "posted", 80)])

    response = requests.get(f"{service['base']}/v1/funds/{fund_id}/levy-by-month", params={"months": 4},
                            headers=service["operator"], timeout=5)
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["fund_id"] == str(fund_id)
    assert [(m["month"], m["month_th"], m["credited_satang"], m["posted_satang"]) for m in view["months"]] == [
        (f"{year:04d}-{month:02d}", thai_month(year, month), credited, posted)
        for (year, month), (credited, posted) in zip(months, [(0, 0), (1_500, 0), (-500 - 100 + 700, 1_000),
                                                              (300 - 80, 0)])]


def test_twelve_months_by_default_and_an_officer_sees_only_their_own_fund(service):
    fund_id, other = new_fund(service), new_fund(service)
    officer = requests.post(f"{service['base']}/v1/funds/{fund_id}/officers", headers=service["operator"],
                            timeout=5, json={"name": "สมศรี", "email": f"o{uuid.uuid4().hex[:6]}@example.org"})
    assert officer.status_code == 201, officer.text
    token = issue_token("funds", "officer", uuid.UUID(officer.json()["officer_id"]), environ=service["env"])
    headers = {"Authorization": f"Bearer {token}"}

    own = requests.get(f"{service['base']}/v1/funds/{fund_id}/levy-by-month", headers=headers, timeout=5)
    assert own.status_code == 200, own.text
    months = own.json()["months"]
    assert len(months) == 12 and all(m["credited_satang"] == m["posted_satang"] == 0 for m in months)
    this = dt.datetime.now(THAI_TIME)
    assert months[-1]["month"] == f"{this.year:04d}-{this.month:02d}"
    assert months == sorted(months, key=lambda m: m["month"])
    assert requests.get(f"{service['base']}/v1/funds/{other}/levy-by-month", headers=headers,
                        timeout=5).status_code == 403
    longest = requests.get(f"{service['base']}/v1/funds/{fund_id}/levy-by-month?months=36", headers=headers, timeout=5)
    assert len(longest.json()["months"]) == 36


@pytest.mark.parametrize("months", ["0", "37", "twelve", "-1"])
def test_months_out_of_bounds_is_a_400(service, months):
    response = requests.get(f"{service['base']}/v1/funds/{new_fund(service)}/levy-by-month",
                            params={"months": months}, headers=service["operator"], timeout=5)
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["months"]


def test_an_unknown_fund_is_a_404(service):
    response = requests.get(f"{service['base']}/v1/funds/{uuid.uuid4()}/levy-by-month",
                            headers=service["operator"], timeout=5)
    assert response.status_code == 404
