"""Migration 0006 against the real PostgreSQL: orders placed before routes existed get theirs, from
the seller's subdistrict to the delivery subdistrict by a carrier, so their later events can carry it."""
import json
import uuid
from importlib import resources

import pytest
from psycopg2.errors import CheckViolation

from chassis.db import migrate
from devtools.samples import place, route
from devtools.testing import migrate_before, query

pytestmark = pytest.mark.integration


def test_orders_placed_before_routes_get_the_route_they_took(empty_database, tmp_path):
    migrate_before(empty_database, "marketplace", "0006_order_routes.py", tmp_path)
    seller, order_id = uuid.uuid4(), uuid.uuid4()
    query(empty_database, "INSERT INTO sellers (id, name_th, kind, province_code, place)"
                          " VALUES (%s, 'กลุ่มข้าวชัยภูมิ', 'producer_group', '36', %s) RETURNING id",
          (seller, json.dumps(place("360101"))))
    ship_to = {"name": "เครือข่ายสวัสดิการภูเก็ต", "address_line": "ถนนถลาง", "subdistrict_code": "830101"}
    query(empty_database, "INSERT INTO orders (id, seller_id, buyer_id, status, payment_status, fulfilment_status,"
                          " ship_to, total_satang, placed_at, expires_at) VALUES (%s, %s, %s, 'placed', 'unpaid',"
                          " 'unfulfilled', %s, 25000, now(), now()) RETURNING id",
          (order_id, seller, uuid.uuid4(), json.dumps(ship_to)))
    query(empty_database, "INSERT INTO order_lines (order_id, line_no, product_id, product_name, category, unit,"
                          " quantity, unit_price_satang) VALUES (%s, 1, %s, 'ข้าว', 'rice', 'ถุง', 1, 25000)"
                          " RETURNING order_id", (order_id, uuid.uuid4()))

    migrate(empty_database, resources.files("marketplace").joinpath("migrations"))

    [row] = query(empty_database, "SELECT route FROM orders WHERE id = %s", (order_id,))
    assert row["route"] == route("360101", "830101", "carrier", name_th=ship_to["name"])
    [line] = query(empty_database, "SELECT kind FROM order_lines WHERE order_id = %s", (order_id,))
    assert line["kind"] == "goods"
    with pytest.raises(CheckViolation):  # goods always name their product
        query(empty_database, "INSERT INTO order_lines (order_id, line_no, product_id, product_name, category,"
                              " unit, quantity, unit_price_satang, kind) VALUES (%s, 2, NULL, 'ข้าว', 'rice',"
                              " 'ถุง', 1, 100, 'goods') RETURNING order_id", (order_id,))
