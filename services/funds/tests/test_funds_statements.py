"""Monthly statements: Bangkok month boundaries, running balances, Thai labels, CSV."""
import csv
import datetime as dt
import io
import uuid

from unittest import mock

import pytest

from chassis.errors import InvalidInput
from chassis.thai import THAI_TIME
from contracts import funds as events
from funds import handlers
from funds.statements import (issued, last_closed_month, month_bounds, require_closed, statement, statement_csv,
                              totals)

UTC = dt.timezone.utc
FUND = {"id": uuid.UUID(int=1), "name_th": "กองทุนสวัสดิการชุมชนตำบลตลาดใหญ่"}


def test_a_month_runs_from_midnight_to_midnight_in_bangkok():
    year, month, start, end = month_bounds("2026-11")
    assert (year, month) == (2026, 11)
    assert start.astimezone(UTC) == dt.datetime(2026, 10, 31, 17, 0, tzinfo=UTC)
    assert end.astimezone(UTC) == dt.datetime(2026, 11, 30, 17, 0, tzinfo=UTC)


def test_december_ends_at_the_next_new_year():
    *_, end = month_bounds("2026-12")
    assert end.astimezone(UTC) == dt.datetime(2026, 12, 31, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "11-2026", "", "2569-1x"])
def test_anything_but_yyyy_mm_is_refused_with_a_field_error(text):
    with pytest.raises(InvalidInput) as refused:
        month_bounds(text)
    assert "month" in refused.value.fields


def entry(kind, phase, amount, minute):
    return {"id": minute, "kind": kind, "phase": phase, "amount_satang": amount,
            "created_at": dt.datetime(2026, 11, 3, 2, minute, tzinfo=UTC), "transaction_id": uuid.uuid4(),
            "credit_id": uuid.uuid4(), "order_id": uuid.UUID(int=7)}


def november():
    opening = totals({"posted": 5_000})
    return statement(FUND, 2026, 11, opening, [
        entry("levy_pending", "pending", 10_000, 1), entry("levy_posted", "pending", -10_000, 2),
        entry("levy_posted", "posted", 10_000, 3), entry("levy_reversed", "posted", -2_000, 4)])


def test_the_statement_carries_the_opening_balance_through_each_entry_to_the_closing():
    view = november()
    assert view["month_th"] == "พฤศจิกายน 2569"
    assert view["opening"] == {"posted_satang": 5_000, "pending_satang": 0,
                               "posted_th": "50.00 บาท", "pending_th": "0.00 บาท"}
    assert [e["balance_after_satang"] for e in view["entries"]] == [10_000, 0, 15_000, 13_000]
    assert view["closing"]["posted_th"] == "130.00 บาท" and view["closing"]["pending_satang"] == 0
    assert view["entries"][3]["description_th"] == "คืนเงินสมทบตามการคืนเงิน"


def test_the_csv_has_thai_dates_amounts_and_machine_readable_satang():
    text = statement_csv(november())
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0] == ["กองทุนสวัสดิการชุมชนตำบลตลาดใหญ่ — รายงานประจำเดือน พฤศจิกายน 2569"]
    first_entry = rows[4]
    assert first_entry[0] == "3 พฤศจิกายน 2569 09:01 น." and first_entry[4] == "100.00 บาท"
    assert first_entry[-2:] == ["10000", "10000"]
    assert rows[-1][1:3] + rows[-1][-1:] == ["ยอดยกไป (closing)", "posted", "13000"]


def test_an_entry_of_a_share_or_an_exchange_says_so_and_a_sale_says_nothing_more():
    entries = [{**entry("levy_pending", "pending", 400, 1), "trade_kind": kind}
               for kind in ("share", "exchange", "sale", None)]
    view = statement(FUND, 2026, 11, totals({}), entries)
    assert [e["description_th"] for e in view["entries"]] == [
        "รับเงินสมทบ (รอยืนยัน) จากการแบ่งปัน", "รับเงินสมทบ (รอยืนยัน) จากการแลกเปลี่ยน",
        "รับเงินสมทบ (รอยืนยัน)", "รับเงินสมทบ (รอยืนยัน)"]


def test_recent_months_run_to_the_bangkok_month_of_now_across_a_new_year():
    from funds.statements import recent_months
    # 18:00 UTC on 31 December is already 1 January in Bangkok
    now = dt.datetime(2026, 12, 31, 18, 0, tzinfo=dt.timezone.utc)
    assert recent_months(now, 3) == [(2026, 11), (2026, 12), (2027, 1)]
    assert recent_months(now, 1) == [(2027, 1)]


def test_the_levy_by_month_view_names_each_month_and_fills_the_empty_ones():
    from funds.statements import levy_by_month
    view = levy_by_month("f", [(2023, 4), (2023, 5)], {dt.date(2023, 5, 1): {"credited_satang": 400,
                                                                             "posted_satang": 0}})
    assert view == {"fund_id": "f", "months": [
        {"month": "2023-04", "month_th": "เมษายน 2566", "credited_satang": 0, "posted_satang": 0},
        {"month": "2023-05", "month_th": "พฤษภาคม 2566", "credited_satang": 400, "posted_satang": 0}]}


@pytest.mark.parametrize("now, month", [
    (dt.datetime(2026, 12, 1, 0, 5, tzinfo=THAI_TIME), "2026-11"),
    (dt.datetime(2026, 11, 30, 17, 5, tzinfo=UTC), "2026-11"),   # 00:05 on 1 December in Bangkok
    (dt.datetime(2026, 11, 30, 16, 55, tzinfo=UTC), "2026-10"),  # still 30 November in Bangkok
    (dt.datetime(2027, 1, 1, 0, 0, tzinfo=THAI_TIME), "2026-12"),
])
def test_the_last_closed_month_is_bangkoks(now, month):
    assert last_closed_month(now) == month


def test_only_a_closed_month_is_issued():
    now = dt.datetime(2026, 12, 1, 0, 5, tzinfo=THAI_TIME)
    assert require_closed("2026-11", now) == "2026-11"
    for month in ("2026-12", "2027-01"):
        with pytest.raises(InvalidInput) as refused:
            require_closed(month, now)
        assert "ยังไม่สิ้นสุด" in refused.value.fields["month"][0]


def test_the_issued_statement_carries_the_figures_and_the_same_csv():
    view = november()
    payload = issued(view)
    assert events.MonthlyStatement().load(events.MonthlyStatement().dump(payload))["entry_count"] == 4
    assert payload["opening"] == {"pending_satang": 0, "posted_satang": 5_000}
    assert payload["closing"] == {"pending_satang": 0, "posted_satang": 13_000}
    assert (payload["month"], payload["month_th"]) == ("2026-11", "พฤศจิกายน 2569")
    assert payload["csv"] == statement_csv(view)


def test_a_statement_is_emitted_only_when_its_row_is_new():
    uow = mock.Mock()
    uow.funds.get.return_value = FUND
    uow.entries.balance_before.return_value = {"posted": 100}
    uow.entries.between.return_value = []
    now = dt.datetime(2026, 12, 1, 0, 5, tzinfo=THAI_TIME)
    uow.statements_issued.claim.return_value = True
    payload = handlers.issue_statement(uow, FUND["id"], "2026-11", now)
    uow.statements_issued.claim.assert_called_once_with(FUND["id"], "2026-11", now)
    uow.emit.assert_called_once_with(events.STATEMENT_ISSUED, payload)
    assert payload["closing"]["posted_satang"] == 100 and payload["entry_count"] == 0
    uow.reset_mock()
    uow.statements_issued.claim.return_value = False  # issued already (or by another instance)
    assert handlers.issue_statement(uow, FUND["id"], "2026-11", now) is None
    uow.emit.assert_not_called()
