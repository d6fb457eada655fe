"""The monthly statement email across real processes: funds issues last month's statement once,
however often it is asked to, and the officer who asked for it gets one email with the CSV."""
import datetime as dt
import subprocess

import pytest

from chassis.thai import THAI_TIME, thai_month
from devtools import scenario

pytestmark = pytest.mark.e2e


def last_closed_month():
    first_of_this_month = dt.datetime.now(THAI_TIME).date().replace(day=1)
    last = first_of_this_month - dt.timedelta(days=1)
    return last.year, last.month


def issue_statements(platform, month):
    return subprocess.run([".venv/bin/codi-admin", "funds", "issue-statements", "--month", month],
                          env=platform.env, capture_output=True, text=True, timeout=60)


def test_last_months_statement_is_emailed_once_with_its_csv(platform, network, mail_dir):
    year, month = last_closed_month()
    month_text = f"{year:04d}-{month:02d}"
    for _ in range(2):
        finished = issue_statements(platform, month_text)
        assert finished.returncode == 0, finished.stderr
    officer = network["officer"]["email"]
    fund_id = network["fund"]["fund_id"]

    def statement_mails():
        return [mail for mail in scenario.read_mail(mail_dir)
                if mail["To"] == officer and thai_month(year, month) in mail["Subject"]]

    [mail] = scenario.eventually("the statement email", lambda: statement_mails() or None)
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == f"statement-{fund_id}-{month_text}.csv"
    assert attachment.get_content_type() == "text/csv"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert f"/funds/{fund_id}/statements/{month_text}" in text
    # one more email to the officer (a paid order's credit) proves the statement was not sent again
    scenario.place_and_pay(platform, network, bags=1)
    scenario.wait_for_mail(mail_dir, officer, count=2)
    assert len(statement_mails()) == 1
