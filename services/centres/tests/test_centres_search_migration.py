"""Migration 0003 against the real PostgreSQL: names stored with the keys of the releases before
it are found by mistyped words once their keys are rebuilt."""
import json
import uuid
from importlib import resources

import pytest

from centres import queries
from centres.adapters import RegistryUnitOfWork
from chassis.geography import default_geography
from chassis.db import Database, migrate
from chassis.thai import search_key
from devtools.testing import migrate_before, query

pytestmark = pytest.mark.integration

PLACE = json.dumps({"subdistrict_code": "300405", "district_code": "3004", "province_code": "30"})
MIGRATIONS = resources.files("centres").joinpath("migrations")


def found(dsn, kind, typed):
    database = Database(dsn, pool_size=1)
    try:
        with database.transaction() as cursor:
            criteria = queries.criteria(default_geography(), {"q": typed, "limit": 10, "offset": 0})
            records, _ = getattr(RegistryUnitOfWork(cursor), kind).search(criteria)
    finally:
        database.close()
    return [record["name_th"] for record in records]


def found_by_key(dsn, table, typed):
    """What the search's key condition finds, on a schema of before the release's columns."""
    rows = query(dsn, f"SELECT name_th FROM {table} WHERE name_key LIKE %s", (f"%{search_key(typed)}%",))
    return [row["name_th"] for row in rows]


def add_centre(dsn, name_th, name_key):
    query(dsn, "INSERT INTO centres (id, name_th, name_key, subdistrict_code, place, intake_year_be, focus_areas)"
               " VALUES (%s, %s, %s, '300405', %s, 2563, '{production}') RETURNING id",
          (uuid.uuid4(), name_th, name_key, PLACE))


def test_rebuilt_name_keys_find_what_the_releases_before_stored(empty_database, tmp_path):
    # organisations and funds registered before 0002, which gave them approximate keys
    migrate_before(empty_database, "centres", "0002_centres_search_registration.sql", tmp_path)
    organisation = "กลุ่มน\u0e4d\u0e49\u0e32พริก บ้าน\u200bโคก"   # SARA AM in two halves, a ZWSP
    fund = "กองทุนสวัสดิการหมู่ ๕"                               # Thai digit
    query(empty_database, "INSERT INTO organisations (id, name_th, kind, subdistrict_code, place)"
                          " VALUES (%s, %s, 'producer_group', '300405', %s) RETURNING id",
          (uuid.uuid4(), organisation, PLACE))
    query(empty_database, "INSERT INTO funds (id, name_th, subdistrict_code, place) VALUES (%s, %s, '300405', %s)"
                          " RETURNING id", (uuid.uuid4(), fund, PLACE))
    migrate_before(empty_database, "centres", "0003_name_keys_refolded.py", tmp_path)
    # a centre keyed by the release before 0003, which left two SARA E typed for SARA AE
    centre = "ศูนย์บ่มเพาะบ้าน\u0e40\u0e40ม่ทา"
    add_centre(empty_database, centre, "ศูนย์บ่มเพาะบ้าน\u0e40\u0e40ม่ทา")
    searches = [("organisations", "กลุ่มน้ำพริกบ้านโคก"), ("funds", "หมู่ 5"), ("centres", "ศูนย์บ่่มเพาะ บ้านแม่ทา")]
    assert [found_by_key(empty_database, kind, typed) for kind, typed in searches] == [[], [], []]

    migrate(empty_database, MIGRATIONS)

    assert [found(empty_database, kind, typed) for kind, typed in searches] == [[organisation], [fund], [centre]]
    for table in ("centres", "organisations", "funds"):
        rows = query(empty_database, f"SELECT name_th, name_key FROM {table}")
        assert [row["name_key"] for row in rows] == [search_key(row["name_th"]) for row in rows]


def test_two_centres_of_one_subdistrict_folding_to_one_key_stop_the_migration_and_change_nothing(
        empty_database, tmp_path):
    migrate_before(empty_database, "centres", "0003_name_keys_refolded.py", tmp_path)
    add_centre(empty_database, "ศูนย์บ้านแม่ทา", "ศูนย์บ้านแม่ทา")
    add_centre(empty_database, "ศูนย์บ้าน\u0e40\u0e40ม่ทา", "ศูนย์บ้าน\u0e40\u0e40ม่ทา")
    before = query(empty_database, "SELECT id, name_key FROM centres ORDER BY id")

    with pytest.raises(RuntimeError, match="ให้แก้ชื่อแห่งหนึ่ง.*rename one.*ศูนย์บ้านแม่ทา.*ศูนย์บ้าน\u0e40\u0e40ม่ทา"):
        migrate(empty_database, MIGRATIONS)

    assert query(empty_database, "SELECT id, name_key FROM centres ORDER BY id") == before
    assert query(empty_database, "SELECT name FROM schema_migrations WHERE name LIKE %s",
                 ("%0003_name_keys_refolded.py",)) == []
