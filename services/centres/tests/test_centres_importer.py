"""CSV rows with Thai headers: mapped, converted and checked row by row, in memory."""
import datetime as dt
import io

import pytest

from centres import importer
from centres.cli import Progress

TODAY = dt.date(2023, 6, 1)
CENTRE_HEADER = ["ชื่อ", "รหัสตำบล", "ปีที่รับเข้า", "ประเด็นงาน", "ผู้ประสานงาน", "โทรศัพท์", "หน่วยงานภาคี"]


def centre_row(**cells):
    row = dict(zip(CENTRE_HEADER, ["ศูนย์บ่มเพาะบ้านปรางค์", "300405", "2563", "การท่องเที่ยวโดยชุมชน",
                                   "นายสมชาย", "081 234 5678", "พอช.; อบต.บ้านปรางค์"]))
    return {**row, **cells}


def test_thai_and_english_headers_map_to_fields():
    columns = importer.column_map("organisations", ["ชื่อ", "subdistrict_code", "ประเภท", "เลขทะเบียนนิติบุคคล"])
    assert columns == {"name_th": "ชื่อ", "subdistrict_code": "subdistrict_code", "kind": "ประเภท",
                       "juristic_id": "เลขทะเบียนนิติบุคคล"}


def test_unknown_or_missing_columns_refuse_the_file():
    with pytest.raises(importer.BadHeader) as refused:
        importer.column_map("organisations", ["ชื่อ", "รหัสตำบล", "สี"])
    assert "สี" in str(refused.value) and "ประเภท" in str(refused.value)


def test_two_columns_for_one_field_refuse_the_file():
    with pytest.raises(importer.BadHeader, match="name_th"):
        importer.column_map("funds", ["ชื่อ", "รหัสตำบล", "name_th"])


def test_the_error_column_of_a_rejects_file_is_ignored():
    assert "errors" not in importer.column_map("funds", ["ชื่อ", "รหัสตำบล", importer.REJECT_COLUMN])


def test_thai_labels_lists_and_contacts_become_a_command():
    command = importer.command_of("centres", {
        "name_th": "ศูนย์", "subdistrict_code": "300405", "intake_year_be": "2563",
        "focus_areas": "การผลิต, community_tourism", "partner_agencies": "พอช.|อบต.",
        "contact_name": "นายสมชาย", "contact_phone": "0812345678", "contact_email": "", "demo": "ใช่"})
    assert command["intake_year_be"] == 2563
    assert command["focus_areas"] == ["production", "community_tourism"]
    assert command["partner_agencies"] == ["พอช.", "อบต."]
    assert command["contacts"] == [{"name_th": "นายสมชาย", "phone": "0812345678"}]
    assert command["demo"] is True
    assert importer.command_of("organisations", {"kind": "วิสาหกิจชุมชน"})["kind"] == "community_enterprise"


def test_valid_rows_are_registered_and_bad_ones_reported_by_row_column_and_reason(uow, geography):
    rows = [centre_row(),
            centre_row(**{"ชื่อ": "ศูนย์ที่สอง", "รหัสตำบล": "999999"}),
            centre_row(**{"ชื่อ": "ศูนย์ที่สาม", "ปีที่รับเข้า": "สองพันห้าร้อย"}),
            centre_row(**{"ชื่อ": "ศูนย์ บ่มเพาะบ้านปรางค์"}),  # the first row again, spaced differently
            centre_row(**{"ชื่อ": "ศูนย์ที่ห้า", "โทรศัพท์": "12"})]
    outcome = importer.import_rows("centres", uow, geography, CENTRE_HEADER, rows, today=TODAY)
    assert [centre["name_th"] for centre in outcome.imported] == ["ศูนย์บ่มเพาะบ้านปรางค์"]
    assert [(error.row, error.column) for error in outcome.errors] == [
        (3, "รหัสตำบล"), (4, "ปีที่รับเข้า"), (5, "ชื่อ"), (6, "โทรศัพท์")]
    assert "999999" in outcome.errors[0].reason
    assert str(outcome.errors[0]).startswith("แถว 3 คอลัมน์ 'รหัสตำบล'")
    assert [number for number, _, _ in outcome.rejected] == [3, 4, 5, 6]
    assert len(uow.centres.rows) == len(uow.events) == 1


def test_organisations_may_name_their_centre_when_the_name_is_unambiguous(uow, geography):
    importer.import_rows("centres", uow, geography, CENTRE_HEADER,
                         [centre_row(), centre_row(**{"ชื่อ": "ศูนย์แฝด"}), centre_row(**{"ชื่อ": "ศูนย์แฝด", "รหัสตำบล": "300101"})],
                         today=TODAY)
    header = ["ชื่อ", "รหัสตำบล", "ประเภท", "ชื่อศูนย์"]
    rows = [dict(zip(header, cells)) for cells in (
        ["กลุ่มหนึ่ง", "300405", "กลุ่มผู้ผลิต", "ศูนย์บ่มเพาะ บ้านปรางค์"],
        ["กลุ่มสอง", "300405", "กลุ่มผู้ผลิต", "ศูนย์ไม่มีจริง"],
        ["กลุ่มสาม", "300405", "กลุ่มผู้ผลิต", "ศูนย์แฝด"])]
    outcome = importer.import_rows("organisations", uow, geography, header, rows)
    [centre_id] = [key for key, centre in uow.centres.rows.items() if centre["name_th"] == "ศูนย์บ่มเพาะบ้านปรางค์"]
    assert [org["centre_id"] for org in outcome.imported] == [centre_id]
    assert [(error.row, error.column) for error in outcome.errors] == [(3, "ชื่อศูนย์"), (4, "ชื่อศูนย์")]
    assert "2 แห่ง" in outcome.errors[1].reason


def test_demo_imports_are_labelled_demo(uow, geography):
    outcome = importer.import_rows("centres", uow, geography, CENTRE_HEADER, [centre_row()], demo=True, today=TODAY)
    assert outcome.imported[0]["demo"] is True


def test_progress_is_reported_once_per_row(uow, geography):
    ticks = []
    importer.import_rows("funds", uow, geography, ["ชื่อ", "รหัสตำบล"],
                         [{"ชื่อ": "กองทุนก", "รหัสตำบล": "910602"}, {"ชื่อ": "", "รหัสตำบล": "910602"}],
                         progress=lambda: ticks.append(1))
    assert len(ticks) == 2


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_progress_bar_draws_on_a_terminal_and_stays_quiet_in_logs():
    terminal, log = Terminal(), io.StringIO()
    for stream in (terminal, log):
        progress = Progress(4, "centres", stream=stream, width=4)
        for _ in range(4):
            progress()
        progress.close()
    assert "\rcentres [##..] 2/4" in terminal.getvalue() and "[####] 4/4" in terminal.getvalue()
    assert log.getvalue() == "centres: ตรวจแล้ว 4 แถว (rows checked)\n"
