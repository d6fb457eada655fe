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


# -- distribution centres and community business plans ------------------------------------

DC_HEADER = ["ชื่อ", "รหัสตำบล", "ที่อยู่", "เวลาทำการ", "ผู้ติดต่อ", "โทรศัพท์", "กลุ่มจังหวัดที่ให้บริการ", "สถานะ"]


def dc_row(**cells):
    row = dict(zip(DC_HEADER, ["ศูนย์กระจายสินค้ากาญจนบุรี", "710101", "ถนนแสงชูโต",
                               "จันทร์-ศุกร์ 08:30-16:30; เสาร์ 8.30-12.00 น.", "นายสมศักดิ์", "034-000-000",
                               "12;13;17", "เปิดให้บริการ"]))
    return {**row, **cells}


@pytest.mark.parametrize("text, periods", [
    ("จันทร์-ศุกร์ 08:30-16:30", [(["mon", "tue", "wed", "thu", "fri"], "08:30", "16:30")]),
    ("วันเสาร์ ถึง วันอาทิตย์ 9.00–12.00 น.", [(["sat", "sun"], "09:00", "12:00")]),
    ("mon, wed 08:00-12:00 | Friday 13:00-15:00", [(["mon", "wed"], "08:00", "12:00"), (["fri"], "13:00", "15:00")]),
    ("ศุกร์-จันทร์ 10:00-11:00", [(["fri", "sat", "sun", "mon"], "10:00", "11:00")]),
])
def test_opening_hours_are_read_from_thai_or_english_text(text, periods):
    assert importer.opening_hours_of(text) == [{"days": days, "opens": opens, "closes": closes}
                                               for days, opens, closes in periods]


def test_distribution_centres_are_imported_and_bad_rows_reported_by_row_column_and_reason(uow, geography):
    rows = [dc_row(),
            dc_row(**{"ชื่อ": "ศูนย์สอง", "เวลาทำการ": "ทุกวัน"}),
            dc_row(**{"ชื่อ": "ศูนย์สาม", "กลุ่มจังหวัดที่ให้บริการ": "12;19"}),
            dc_row(**{"ชื่อ": "ศูนย์สี่", "โทรศัพท์": "12"}),
            dc_row(**{"ชื่อ": "ศูนย์ห้า", "สถานะ": "เปิดบ้าง"}),
            dc_row(**{"ชื่อ": "ศูนย์หก", "เวลาทำการ": "จันทร์ 16:00-08:00"}),
            dc_row(**{"ชื่อ": "ศูนย์กระจายสินค้า กาญจนบุรี"})]  # the first row again, spaced differently
    outcome = importer.import_rows("distribution_centres", uow, geography, DC_HEADER, rows, today=TODAY)
    [imported] = outcome.imported
    assert imported["serves_groups"] == [12, 13, 17] and imported["status"] == "active"
    assert imported["opening_hours"][1] == {"days": ["sat"], "opens": "08:30", "closes": "12:00"}
    assert imported["contact"] == {"name_th": "นายสมศักดิ์", "phone": "034000000"}
    assert [(error.row, error.column) for error in outcome.errors] == [
        (3, "เวลาทำการ"), (4, "กลุ่มจังหวัดที่ให้บริการ"), (5, "โทรศัพท์"), (6, "สถานะ"), (7, "เวลาทำการ"), (8, "ชื่อ")]
    assert "ทุกวัน" in outcome.errors[0].reason and "(cannot read the opening hours)" in outcome.errors[0].reason
    assert "19" in outcome.errors[1].reason
    assert len(uow.distribution_centres.rows) == len(uow.events) == 1


def test_a_distribution_centre_file_without_its_contact_is_refused_whole():
    with pytest.raises(importer.BadHeader, match="โทรศัพท์"):
        importer.column_map("distribution_centres", [column for column in DC_HEADER if column != "โทรศัพท์"])
    with pytest.raises(importer.BadHeader, match="รหัสศูนย์"):
        importer.column_map("distribution_centres", DC_HEADER + ["รหัสศูนย์"])  # incubation centres' column


PLAN_TODAY = dt.date(2026, 1, 15)  # พ.ศ. 2569
PLAN_HEADER = ["ชื่อองค์กร", "รหัสตำบล", "ปี พ.ศ.", "ด้าน", "สถานะ"]


def test_plans_name_their_organisation_and_bad_rows_are_reported(uow, geography):
    header = ["ชื่อ", "รหัสตำบล", "ประเภท"]
    importer.import_rows("organisations", uow, geography, header, [dict(zip(header, cells)) for cells in (
        ["กลุ่มจักสาน", "910602", "กลุ่มผู้ผลิต"], ["กลุ่มจักสาน", "300405", "กลุ่มผู้ผลิต"],
        ["กลุ่มท่องเที่ยวบ้านปรางค์", "300405", "วิสาหกิจชุมชน"])])
    rows = [dict(zip(PLAN_HEADER, cells)) for cells in (
        ["กลุ่มจักสาน", "910602", "2568", "การผลิต", "อนุมัติแล้ว"],             # the one in its subdistrict
        ["กลุ่มท่องเที่ยว บ้านปรางค์", "300101", "2568", "การท่องเที่ยวโดยชุมชน", ""],  # the one so called anywhere
        ["กลุ่มจักสาน", "360101", "2568", "การผลิต", ""],                       # two so called, neither here
        ["กลุ่มไม่มีจริง", "910602", "2568", "การผลิต", ""],
        ["กลุ่มจักสาน", "910602", "2011", "การผลิต", ""],
        ["กลุ่มจักสาน", "910602", "2568", "การประมง", ""],
        ["กลุ่มจักสาน", "910602", "2568", "การผลิต", "ร่างแผน"])]                  # the first row's twin
    outcome = importer.import_rows("community_plans", uow, geography, PLAN_HEADER, rows, today=PLAN_TODAY)
    assert [(plan["place"]["subdistrict_code"], plan["status"]) for plan in outcome.imported] == [
        ("910602", "approved"), ("300101", "drafted")]
    assert [(error.row, error.column) for error in outcome.errors] == [
        (4, "ชื่อองค์กร"), (5, "ชื่อองค์กร"), (6, "ปี พ.ศ."), (7, "ด้าน"), (8, "ชื่อองค์กร")]
    assert "ให้ใช้รหัสองค์กร" in outcome.errors[0].reason and "2554" in outcome.errors[2].reason
    assert len(uow.community_plans.rows) == 2


def test_a_plan_file_needs_an_organisation_column_of_either_kind():
    with pytest.raises(importer.BadHeader, match="รหัสองค์กร' หรือ 'ชื่อองค์กร"):
        importer.column_map("community_plans", PLAN_HEADER[1:])
    assert importer.column_map("community_plans", ["รหัสองค์กร", *PLAN_HEADER[1:]])["organisation_id"] == "รหัสองค์กร"


def test_the_centre_import_takes_a_status_and_a_planned_intake_year(uow, geography):
    header = CENTRE_HEADER + ["สถานะ"]
    outcome = importer.import_rows("centres", uow, geography, header, [
        {**centre_row(), "ปีที่รับเข้า": "2570", "สถานะ": "ตามแผน"},
        {**centre_row(**{"ชื่อ": "ศูนย์เปิดแล้ว", "ปีที่รับเข้า": "2570"}), "สถานะ": "เปิดดำเนินการ"}], today=TODAY)
    assert [(centre["status"], centre["intake_year_be"]) for centre in outcome.imported] == [("planned", 2570)]
    assert [(error.row, error.column) for error in outcome.errors] == [(3, "ปีที่รับเข้า")]
