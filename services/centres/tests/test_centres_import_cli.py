"""``centres-import`` end to end: a real process, real CSV files, the session's real database."""
import csv
import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from centres.importer import REJECT_COLUMN
from devtools.isolation import free_port
from devtools.testing import query

pytestmark = pytest.mark.integration

HEADER = ["ชื่อ", "รหัสตำบล", "ปีที่รับเข้า", "ประเด็นงาน", "ผู้ประสานงาน", "โทรศัพท์"]


def centres_import(test_env, *args):
    executable = Path(sys.executable).parent / "centres-import"  # the entry point, installed by make venv
    assert executable.exists(), "centres-import is not installed (make venv)"
    return subprocess.run([str(executable), *args], env=test_env, capture_output=True, text=True, timeout=60)


def write_csv(path, rows, header=HEADER):
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def names_in_db(config_of, tag):
    rows = query(config_of("centres")["DATABASE_URL"],
                 "SELECT name_th FROM centres WHERE name_th LIKE %s ORDER BY name_th", (f"%{tag}",))
    return [row["name_th"] for row in rows]


@pytest.fixture
def tag():
    return uuid.uuid4().hex[:8]


def good_rows(tag):
    return [[f"ศูนย์บ่มเพาะบ้านปรางค์ {tag}", "300405", "2563", "การท่องเที่ยวโดยชุมชน", "นายสมชาย", "081-234-5678"],
            [f"ศูนย์ท่าเสา {tag}", "710202", "2564", "การแปรรูปและการตลาด;การผลิต", "", ""]]


def bad_row(tag):
    return [f"ศูนย์ผิด {tag}", "999999", "2020", "การผลิต", "", ""]


def test_a_valid_file_is_imported_with_its_events(test_env, config_of, tmp_path, tag):
    result = centres_import(test_env, "centres", write_csv(tmp_path / "ok.csv", good_rows(tag)))
    assert result.returncode == 0, result.stderr
    assert names_in_db(config_of, tag) == sorted(row[0] for row in good_rows(tag))
    events = query(config_of("centres")["DATABASE_URL"],
                   "SELECT body FROM outbox WHERE body LIKE %s", (f"%{tag}%",))
    assert sorted(json.loads(row["body"])["event_type"] for row in events) == ["centre.registered"] * 2


def test_a_file_with_one_bad_row_imports_nothing_and_names_row_column_and_reason(test_env, config_of, tmp_path, tag):
    result = centres_import(test_env, "centres", write_csv(tmp_path / "bad.csv", [*good_rows(tag), bad_row(tag)]))
    assert result.returncode == 1
    assert "แถว 4 คอลัมน์ 'รหัสตำบล'" in result.stderr and "999999" in result.stderr
    assert "แถว 4 คอลัมน์ 'ปีที่รับเข้า'" in result.stderr
    assert names_in_db(config_of, tag) == []


def test_valid_only_imports_the_good_rows_and_writes_the_rejects(test_env, config_of, tmp_path, tag):
    rejects = tmp_path / "rejects.csv"
    result = centres_import(test_env, "centres", write_csv(tmp_path / "mixed.csv", [bad_row(tag), *good_rows(tag)]),
                            "--valid-only", "--rejects", str(rejects))
    assert result.returncode == 0, result.stderr
    assert names_in_db(config_of, tag) == sorted(row[0] for row in good_rows(tag))
    with open(rejects, encoding="utf-8-sig", newline="") as handle:
        [rejected] = list(csv.DictReader(handle))
    assert rejected["ชื่อ"] == bad_row(tag)[0]
    assert "รหัสตำบล" in rejected[REJECT_COLUMN] and "ปีที่รับเข้า" in rejected[REJECT_COLUMN]


def test_a_file_with_unknown_columns_is_refused_whole(test_env, config_of, tmp_path, tag):
    result = centres_import(test_env, "centres", write_csv(tmp_path / "odd.csv", [good_rows(tag)[0] + ["แดง"]],
                                                           header=HEADER + ["สี"]))
    assert result.returncode == 2
    assert "สี" in result.stderr
    assert names_in_db(config_of, tag) == []


def test_the_bundled_demo_is_imported_and_labelled_demo(test_env, config_of):
    result = centres_import(test_env, "--demo")
    assert result.returncode == 0, result.stderr
    dsn = config_of("centres")["DATABASE_URL"]
    for table in ("centres", "funds", "organisations"):
        rows = query(dsn, f"SELECT demo FROM {table} WHERE name_th LIKE %s", ("%(ตัวอย่าง)",))
        assert rows and all(row["demo"] for row in rows), table
    linked = query(dsn, "SELECT place->>'province_code' AS province FROM organisations"
                        " WHERE name_th LIKE %s AND centre_id IS NOT NULL", ("%(ตัวอย่าง)",))
    assert sorted(row["province"] for row in linked) == ["30", "71"]
    [kanchanaburi] = query(dsn, "SELECT demo, place->>'province_name_th' AS province, serves_groups"
                                " FROM distribution_centres WHERE name_th LIKE %s", ("%(ตัวอย่าง)",))
    assert kanchanaburi == {"demo": True, "province": "กาญจนบุรี", "serves_groups": [8, 10, 11, 12, 13, 17]}
    [planned] = query(dsn, "SELECT intake_year_be FROM centres WHERE status = 'planned' AND name_th LIKE %s",
                      ("%(ตัวอย่าง)",))
    assert planned["intake_year_be"] == 2570
    plans = query(dsn, "SELECT p.demo, p.subdistrict_code FROM community_plans p JOIN organisations o"
                       " ON o.id = p.organisation_id WHERE o.name_th LIKE %s", ("%(ตัวอย่าง)",))
    assert len(plans) == 4 and all(plan["demo"] for plan in plans)


def test_plans_are_imported_by_organisation_name_with_rejects(test_env, config_of, tmp_path, tag):
    centres_import(test_env, "organisations", write_csv(tmp_path / "orgs.csv", [[f"กลุ่มจักสาน {tag}", "910602",
                                                                                "กลุ่มผู้ผลิต"]],
                                                      header=["ชื่อ", "รหัสตำบล", "ประเภท"]))
    header = ["ชื่อองค์กร", "รหัสตำบล", "ปี พ.ศ.", "ด้าน", "สถานะ"]
    rows = [[f"กลุ่มจักสาน {tag}", "910602", "2568", "การผลิต", "อนุมัติแล้ว"],
            [f"กลุ่มจักสาน {tag}", "910602", "2568", "การประมง", ""]]
    rejects = tmp_path / "rejects.csv"
    result = centres_import(test_env, "community_plans", write_csv(tmp_path / "plans.csv", rows, header=header),
                            "--valid-only", "--rejects", str(rejects))
    assert result.returncode == 0, result.stderr
    assert "แถว 3 คอลัมน์ 'ด้าน'" in result.stderr
    stored = query(config_of("centres")["DATABASE_URL"],
                   "SELECT p.status FROM community_plans p JOIN organisations o ON o.id = p.organisation_id"
                   " WHERE o.name_th = %s", (f"กลุ่มจักสาน {tag}",))
    assert stored == [{"status": "approved"}]
    with open(rejects, encoding="utf-8-sig", newline="") as handle:
        [rejected] = list(csv.DictReader(handle))
    assert rejected["ด้าน"] == "การประมง" and "ด้าน" in rejected[REJECT_COLUMN]


def assert_one_line_refusal(result, *expected, status=2):
    assert result.returncode == status, result
    assert "Traceback" not in result.stderr and "Eventlet" not in result.stderr, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("centres-import: "), line
    for text in expected:
        assert text in line, line


def test_an_unreachable_database_is_one_line_and_status_2(test_env, tmp_path, tag):
    port = free_port()  # bound once, then released: nothing listens there
    env = {**test_env, "CENTRES_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/codi_centres"}
    result = centres_import(env, "centres", write_csv(tmp_path / "ok.csv", good_rows(tag)))
    assert_one_line_refusal(result, "ฐานข้อมูลไม่พร้อม (database unavailable", f"127.0.0.1:{port}")


def test_a_missing_or_unreadable_file_is_one_line_and_status_2(test_env, config_of, tmp_path, tag):
    missing = tmp_path / "missing.csv"
    assert_one_line_refusal(centres_import(test_env, "centres", str(missing)), "อ่านไฟล์ไม่ได้", str(missing))
    assert_one_line_refusal(centres_import(test_env, "centres", str(tmp_path)), "อ่านไฟล์ไม่ได้")
    thai_ansi = tmp_path / "cp874.csv"
    thai_ansi.write_bytes(",".join(HEADER).encode("cp874") + b"\n")  # saved as Thai ANSI, read as UTF-8
    assert_one_line_refusal(centres_import(test_env, "centres", str(thai_ansi)), "อ่านไฟล์ไม่ได้", "utf-8")
    rejects = tmp_path / "no-such-dir" / "rejects.csv"
    result = centres_import(test_env, "centres", write_csv(tmp_path / "mixed.csv", [bad_row(tag), *good_rows(tag)]),
                            "--valid-only", "--rejects", str(rejects))
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert result.stderr.splitlines()[-1].startswith("centres-import: เขียนไฟล์แถวที่ถูกปฏิเสธไม่ได้"), result.stderr


@pytest.mark.parametrize("args, expected", [
    ((), "--demo"),
    (("centres",), "--demo"),
    (("places", "x.csv"), "places"),
    (("centres", "x.csv", "--rejects", "r.csv"), "--valid-only"),
])
def test_a_refused_argument_is_one_line_and_status_2(test_env, args, expected):
    assert_one_line_refusal(centres_import(test_env, *args), "คำสั่งไม่ถูกต้อง", expected)


def test_the_help_is_plain_text(test_env):
    result = centres_import(test_env, "--help")
    assert result.returncode == 0 and "centres-import" in result.stdout
    assert "``" not in result.stdout and "Eventlet" not in result.stderr
