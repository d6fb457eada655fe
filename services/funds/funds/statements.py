"""Monthly statements of a fund's account (pure domain logic).

A month is a calendar month in Asia/Bangkok: an entry booked at 23:30 UTC on 31 October is a
November entry in Thailand. Amounts are integer satang per phase (pending, posted); the Thai
text is for people, the integers for machines.
"""
import csv
import datetime as dt
import io
import re

from chassis.errors import InvalidInput
from chassis.thai import THAI_TIME, format_baht, thai_datetime, thai_month

PHASES = ("pending", "posted")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
KIND_TH = {
    "levy_pending": "รับเงินสมทบ (รอยืนยัน)",
    "levy_posted": "ยืนยันเงินสมทบเมื่อส่งมอบสินค้า",
    "levy_voided": "ยกเลิกเงินสมทบ (คำสั่งซื้อถูกยกเลิก)",
    "levy_reversed": "คืนเงินสมทบตามการคืนเงิน",
}
TRADE_TH = {"share": "การแบ่งปัน", "exchange": "การแลกเปลี่ยน"}  # a sale says nothing more


def description_th(entry):
    """What an entry is, for people: its kind, and the trade when it is not a sale."""
    text = KIND_TH.get(entry["kind"], entry["kind"])
    trade = TRADE_TH.get(entry.get("trade_kind"))
    return f"{text} จาก{trade}" if trade else text


def month_bounds(text):
    """'2026-11' → (year, month, start, end): the month's first instant and the next month's, in Bangkok."""
    match = MONTH.match(text or "")
    if not match:
        raise InvalidInput({"month": ["ต้องอยู่ในรูป YYYY-MM ปีคริสต์ศักราช (must be YYYY-MM)"]})
    year, month = int(match.group(1)), int(match.group(2))
    start = dt.datetime(year, month, 1, tzinfo=THAI_TIME)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=THAI_TIME)
    return year, month, start, end


def last_closed_month(now):
    """'YYYY-MM' of the month before ``now``'s in Bangkok: on 1 December 2026 (Bangkok), '2026-11'."""
    local = now.astimezone(THAI_TIME)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def require_closed(month_text, now):
    """``month_text`` if that month is over in Bangkok at ``now``: an open month's statement would
    miss what is still to come, and a statement is issued only once."""
    _, _, _, end = month_bounds(month_text)
    if end > now:
        raise InvalidInput({"month": [f"เดือน {month_text} ยังไม่สิ้นสุด (the month has not closed yet)"]})
    return month_text


def issued(view):
    """The ``funds.MonthlyStatement`` payload of a statement: the figures and its CSV."""
    return {"fund_id": view["fund_id"], "fund_name_th": view["fund_name_th"], "month": view["month"],
            "month_th": view["month_th"],
            "opening": {f"{phase}_satang": view["opening"][f"{phase}_satang"] for phase in PHASES},
            "closing": {f"{phase}_satang": view["closing"][f"{phase}_satang"] for phase in PHASES},
            "entry_count": len(view["entries"]), "csv": statement_csv(view)}


def totals(amounts_by_phase):
    return {phase: int(amounts_by_phase.get(phase, 0)) for phase in PHASES}


def statement(fund, year, month, opening, entries):
    """The statement of ``fund`` for a month: opening and closing balance per phase, the entries
    in between (each with the running balance of its phase) and the Thai labels."""
    running = dict(opening)
    lines = []
    for entry in entries:
        running[entry["phase"]] += entry["amount_satang"]
        lines.append({**entry, "balance_after_satang": running[entry["phase"]],
                      "description_th": description_th(entry)})
    return {
        "fund_id": fund["id"], "fund_name_th": fund["name_th"],
        "month": f"{year:04d}-{month:02d}", "month_th": thai_month(year, month),
        "opening": _balance(opening), "closing": _balance(running), "entries": lines,
    }


def _balance(by_phase):
    return {**{f"{phase}_satang": by_phase[phase] for phase in PHASES},
            **{f"{phase}_th": format_baht(by_phase[phase]) for phase in PHASES}}


CSV_COLUMNS = ("วันที่ (date)", "รายการ (description)", "สถานะ (phase)", "คำสั่งซื้อ (order)",
               "จำนวนเงิน (amount)", "ยอดคงเหลือ (balance)", "amount_satang", "balance_satang")


def statement_csv(view):
    """The statement as CSV, one row per entry between the opening and closing balance of each
    phase (UTF-8 with a BOM so spreadsheet programs read the Thai right)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"{view['fund_name_th']} — รายงานประจำเดือน {view['month_th']}"])
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_balance_rows("ยอดยกมา (opening)", view["opening"]))
    for entry in view["entries"]:
        writer.writerow([thai_datetime(entry["created_at"]), entry["description_th"], entry["phase"],
                         entry["order_id"] or "", format_baht(entry["amount_satang"]),
                         format_baht(entry["balance_after_satang"]), entry["amount_satang"],
                         entry["balance_after_satang"]])
    writer.writerows(_balance_rows("ยอดยกไป (closing)", view["closing"]))
    return "\ufeff" + out.getvalue()


def _balance_rows(label, balance):
    return [["", label, phase, "", "", balance[f"{phase}_th"], "", balance[f"{phase}_satang"]]
            for phase in PHASES]


def recent_months(now, count):
    """The ``count`` calendar months in Bangkok up to the one ``now`` falls in, oldest first: [(year, month)]."""
    local = now.astimezone(THAI_TIME)
    index = local.year * 12 + local.month - 1
    return [(number // 12, number % 12 + 1) for number in range(index - count + 1, index + 1)]


def levy_by_month(fund_id, months, totals_by_month):
    """The view of a fund's levy per month: ``months`` [(year, month)] oldest first, and {date of the
    month's first day: {credited_satang, posted_satang}} (months without entries: zero)."""
    rows = []
    for year, month in months:
        found = totals_by_month.get(dt.date(year, month, 1), {})
        rows.append({"month": f"{year:04d}-{month:02d}", "month_th": thai_month(year, month),
                     "credited_satang": int(found.get("credited_satang", 0)),
                     "posted_satang": int(found.get("posted_satang", 0))})
    return {"fund_id": fund_id, "months": rows}
