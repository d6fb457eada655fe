"""Migration 0008 against the real PostgreSQL: every listing stored before it is a sale and keeps
its price; only a sale has a price; a share or an exchange is between two organisations."""
import json
import uuid
from importlib import resources

import pytest
from psycopg2.errors import CheckViolation

from chassis.db import migrate
from devtools.samples import route
from devtools.testing import migrate_before, query

pytestmark = pytest.mark.integration


def add_product(dsn, seller, price=25_000, kind=None):
    columns, values = ("listing_kind,", "%s,") if kind else ("", "")
    return query(dsn, f"INSERT INTO products (id, seller_id, name_th, unit, unit_price_satang, stock, category,"
                      f" {columns} search_text) VALUES (%s, %s, 'ข้าวหอมมะลิ', 'ถุง', %s, 10, 'rice', {values} 'ข้าว')"
                      " RETURNING id", (uuid.uuid4(), seller, price, *((kind,) if kind else ())))[0]["id"]


def add_share(dsn, listing_id, giver, receiver, quantity=1):
    goods = {"product_id": str(listing_id), "product_name": "ข้าวหอมมะลิ", "category": "rice", "unit": "ถุง",
             "quantity": quantity}
    return query(dsn, "INSERT INTO shares (id, listing_id, giver_id, receiver_id, status, quantity, goods, ship_to,"
                      " route, requested_at) VALUES (%s, %s, %s, %s, 'requested', %s, %s, '{}', %s, now())"
                      " RETURNING id", (uuid.uuid4(), listing_id, giver, receiver, quantity, json.dumps(goods),
                                        json.dumps(route())))


def test_listings_before_it_are_sales_with_their_price_and_only_a_sale_has_one(empty_database, tmp_path):
    migrate_before(empty_database, "marketplace", "0008_listing_kinds_shares_exchanges.sql", tmp_path)
    seller = uuid.uuid4()
    query(empty_database, "INSERT INTO sellers (id, name_th, kind, province_code, place)"
                          " VALUES (%s, 'กลุ่มทดสอบ', 'producer_group', '36', '{}') RETURNING id", (seller,))
    old = add_product(empty_database, seller)

    migrate(empty_database, resources.files("marketplace").joinpath("migrations"))

    [row] = query(empty_database, "SELECT listing_kind, unit_price_satang FROM products WHERE id = %s", (old,))
    assert row == {"listing_kind": "sale", "unit_price_satang": 25_000}
    shared = add_product(empty_database, seller, price=0, kind="share")
    for price, kind in ((100, "share"), (100, "exchange"), (0, "gift")):
        with pytest.raises(CheckViolation):
            add_product(empty_database, seller, price=price, kind=kind)
    receiver = uuid.uuid4()
    assert add_share(empty_database, shared, seller, receiver)
    for giver, quantity in ((receiver, 1), (seller, 0)):
        with pytest.raises(CheckViolation):
            add_share(empty_database, shared, giver, receiver, quantity)
