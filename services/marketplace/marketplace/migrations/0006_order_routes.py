"""Every order's route (issue 17): from its seller's subdistrict to its delivery subdistrict by a
carrier, as orders were delivered until now; lines get their kind (goods, or the shipping fee); an
order keeps its shipment and receipt. Python because the delivery place comes from the geography."""
import json

from psycopg2.extras import execute_values

from marketplace import delivery


def migrate(cursor):
    cursor.execute("ALTER TABLE orders ADD COLUMN route jsonb, ADD COLUMN shipment jsonb,"
                   " ADD COLUMN receipt jsonb")
    cursor.execute("ALTER TABLE order_lines ADD COLUMN kind text NOT NULL DEFAULT 'goods'"
                   " CHECK (kind IN ('goods', 'shipping')), ALTER COLUMN product_id DROP NOT NULL,"
                   " ADD CONSTRAINT goods_have_a_product CHECK (kind <> 'goods' OR product_id IS NOT NULL)")
    cursor.execute("SELECT o.id, s.place, o.ship_to FROM orders o JOIN sellers s ON s.id = o.seller_id")
    routes = [(order_id, json.dumps(delivery.route(origin, delivery.place_of(ship_to["subdistrict_code"]),
                                                   delivery.CARRIER, name_th=ship_to["name"]),
                                    ensure_ascii=False))
              for order_id, origin, ship_to in cursor.fetchall()]
    execute_values(cursor, "UPDATE orders SET route = backfilled.route::jsonb FROM (VALUES %s)"
                           " AS backfilled (id, route) WHERE orders.id = backfilled.id",
                   routes, template="(%s::uuid, %s)", page_size=1000)
    cursor.execute("ALTER TABLE orders ALTER COLUMN route SET NOT NULL")
