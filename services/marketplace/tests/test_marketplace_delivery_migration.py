"""Migration 0007 against the real PostgreSQL: orders shipped before it get the time of their
shipment that the automatic receipt goes by; a seller's delivery options always offer something."""
import datetime as dt
import json
import uuid
from importlib import resources

import pytest
from psycopg2.errors import CheckViolation

from chassis.db import migrate
from devtools.samples import route
from devtools.testing import migrate_before, query

pytestmark = pytest.mark.integration
SHIPPED_AT = dt.datetime(2026, 4, 20, 3, 15, tzinfo=dt.timezone.utc)


def add_order(dsn, shipment):
    order_id = uuid.uuid4()
    query(dsn, "INSERT INTO orders (id, seller_id, buyer_id, status, payment_status, fulfilment_status,"
               " ship_to, total_satang, placed_at, expires_at, route, shipment) VALUES (%s, %s, %s, 'confirmed',"
               " 'paid', %s, '{}', 25000, now(), now(), %s, %s) RETURNING id",
          (order_id, uuid.uuid4(), uuid.uuid4(), "shipped" if shipment else "unfulfilled",
           json.dumps(route()), shipment and json.dumps(shipment)))
    return order_id


def test_orders_shipped_before_it_keep_their_shipment_time_and_options_offer_something(empty_database, tmp_path):
    migrate_before(empty_database, "marketplace", "0007_delivery.sql", tmp_path)
    shipped = add_order(empty_database, {"carrier": "kerry", "tracking_number": "KEX123456",
                                         "shipped_at": SHIPPED_AT.isoformat()})
    unshipped = add_order(empty_database, None)

    migrate(empty_database, resources.files("marketplace").joinpath("migrations"))

    rows = {row["id"]: row for row in query(empty_database, "SELECT id, shipped_at, dispute FROM orders")}
    assert rows[shipped]["shipped_at"] == SHIPPED_AT and rows[shipped]["dispute"] is None
    assert rows[unshipped]["shipped_at"] is None
    for fee, centres, local_pickup in ((None, "{}", False), (-1, "{}", True)):
        with pytest.raises(CheckViolation):
            query(empty_database, "INSERT INTO seller_delivery_options (seller_id, carrier_fee_satang,"
                                  " distribution_centre_ids, local_pickup) VALUES (%s, %s, %s, %s) RETURNING seller_id",
                  (uuid.uuid4(), fee, centres, local_pickup))
    assert query(empty_database, "INSERT INTO seller_delivery_options (seller_id, carrier_fee_satang,"
                                 " distribution_centre_ids, local_pickup) VALUES (%s, NULL, %s::uuid[], false)"
                                 " RETURNING seller_id", (uuid.uuid4(), [uuid.uuid4()]))
