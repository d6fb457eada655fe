"""Migration 0004 against the real PostgreSQL: products stored with the search texts of the
releases before it are found by mistyped words once the texts are rebuilt."""
import uuid
from importlib import resources

import pytest

from chassis.db import Database, migrate
from devtools.testing import migrate_before, query
from marketplace import catalogue
from marketplace.adapters import MarketUnitOfWork

pytestmark = pytest.mark.integration

# (name_th, category, the search_text stored then, a word as a person types it). Before 0002
# the text was the fields lower-cased as typed; the search key of 0002's release kept spaces,
# doubled marks and SARA AM typed in two halves.
OLD_ROWS = [
    ("ข\u0e49\u0e49าวหอมมะลิ", "rice", "ข\u0e49\u0e49าวหอมมะลิ rice", "ข้าวหอมมะลิ"),
    ("น้ำพริกเผา แม่ศรี", "chili", "น้ำพริกเผา แม่ศรี chili", "น\u0e4d\u0e49\u0e32พริกเผาแม่ศรี"),
    ("ผ้าไหม\u0e40\u0e40พรวา", "silk", "ผ้าไหม\u0e40\u0e40พรวา silk", "ผ้าไหมแพรวา"),
    ("ศูนย์ บ่ม เพาะ", "craft", "ศูนย์ บ่ม เพาะ craft", "ศูนย์บ่\u200bมเพาะ"),
    ("น\u0e49\u0e4d\u0e32ผึ้งป่า", "honey", "น\u0e49\u0e4d\u0e32ผึ้งป่า honey", "น้ำผึ้ง ป่า"),
]


def search(dsn, typed):
    database = Database(dsn, pool_size=1)
    try:
        with database.transaction() as cursor:
            items, _ = catalogue.search_products(MarketUnitOfWork(cursor), {"q": typed, "limit": 10})
    finally:
        database.close()
    return [item["name_th"] for item in items]


def found_by_the_old_texts(dsn, typed):
    """The search's own condition on the stored texts, read before the migrations after 0004 add
    the columns today's search selects (listing_kind, 0008)."""
    return [row["name_th"] for row in query(dsn, "SELECT name_th FROM products WHERE search_text LIKE %s",
                                            (f"%{catalogue.search_key(typed)}%",))]


def test_rebuilt_search_texts_find_products_stored_by_the_releases_before(empty_database, tmp_path):
    migrate_before(empty_database, "marketplace", "0004_search_text_refolded.py", tmp_path)
    seller = uuid.uuid4()
    query(empty_database, "INSERT INTO sellers (id, name_th, kind, province_code, place)"
                          " VALUES (%s, 'กลุ่มทดสอบ', 'producer_group', '36', '{}') RETURNING id", (seller,))
    for name_th, category, old_text, _ in OLD_ROWS:
        query(empty_database, "INSERT INTO products (id, seller_id, name_th, unit, unit_price_satang, stock,"
                              " category, search_text) VALUES (%s, %s, %s, 'ชิ้น', 100, 1, %s, %s) RETURNING id",
              (uuid.uuid4(), seller, name_th, category, old_text))
    assert [found_by_the_old_texts(empty_database, typed) for *_, typed in OLD_ROWS] == [[]] * len(OLD_ROWS)

    migrate(empty_database, resources.files("marketplace").joinpath("migrations"))

    assert [search(empty_database, typed) for *_, typed in OLD_ROWS] == [[name] for name, *_ in OLD_ROWS]
    stored = query(empty_database, "SELECT name_th, name_en, category, description, search_text FROM products")
    assert all(row["search_text"] == catalogue.search_text(row) for row in stored)
