"""PostgreSQL repositories of the marketplace."""
import json

from chassis.uow import UnitOfWork
from marketplace.orders import Line, Order


class Sellers:
    def __init__(self, cursor):
        self.cursor = cursor

    def upsert(self, seller):
        self.cursor.execute(
            "INSERT INTO sellers (id, name_th, kind, province_code, province_group, region, place)"
            " VALUES (%(id)s, %(name_th)s, %(kind)s, %(province_code)s, %(province_group)s,"
            " %(region)s, %(place)s) ON CONFLICT (id) DO UPDATE SET name_th = EXCLUDED.name_th,"
            " kind = EXCLUDED.kind, province_code = EXCLUDED.province_code,"
            " province_group = EXCLUDED.province_group, region = EXCLUDED.region,"
            " place = EXCLUDED.place, updated_at = now()",
            {**seller, "place": json.dumps(seller["place"], ensure_ascii=False)},
        )

    def exists(self, seller_id):
        self.cursor.execute("SELECT 1 FROM sellers WHERE id = %s", (seller_id,))
        return self.cursor.fetchone() is not None


PRODUCT_COLUMNS = ("id", "seller_id", "name_th", "name_en", "description", "unit",
                   "unit_price_satang", "stock", "category", "images", "active")


class Products:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, product):
        values = {**{c: product.get(c) for c in PRODUCT_COLUMNS},
                  "images": json.dumps(product.get("images", []))}
        self.cursor.execute(
            f"INSERT INTO products ({', '.join(PRODUCT_COLUMNS)}) VALUES "
            f"({', '.join(f'%({c})s' for c in PRODUCT_COLUMNS)})", values)

    def get(self, product_id):
        return self.get_many([product_id]).get(product_id)

    def get_many(self, product_ids):
        self.cursor.execute(
            f"SELECT {', '.join(PRODUCT_COLUMNS)} FROM products WHERE id = ANY(%s)", (list(product_ids),))
        return {row["id"]: row for row in self.cursor.fetchall()}

    def reserve(self, product_id, quantity):
        """Take ``quantity`` from stock if that much is left; never below zero."""
        self.cursor.execute(
            "UPDATE products SET stock = stock - %s, updated_at = now() WHERE id = %s AND stock >= %s",
            (quantity, product_id, quantity))
        return self.cursor.rowcount == 1


class Orders:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, order):
        self.cursor.execute(
            "INSERT INTO orders (id, seller_id, buyer_id, status, payment_status, fulfilment_status,"
            " ship_to, total_satang, placed_at, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (order.id, order.seller_id, order.buyer_id, order.status, order.payment_status,
             order.fulfilment_status, json.dumps(order.ship_to, ensure_ascii=False),
             order.total_satang, order.placed_at, order.expires_at))
        for line in order.lines:
            self.cursor.execute(
                "INSERT INTO order_lines (order_id, line_no, product_id, product_name, category, unit,"
                " quantity, unit_price_satang) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (order.id, line.line_no, line.product_id, line.product_name, line.category,
                 line.unit, line.quantity, line.unit_price_satang))

    def get(self, order_id, for_update=False):
        self.cursor.execute(
            "SELECT id, seller_id, buyer_id, status, payment_status, fulfilment_status, ship_to,"
            " placed_at, expires_at, paid_at FROM orders WHERE id = %s"
            + (" FOR UPDATE" if for_update else ""), (order_id,))
        row = self.cursor.fetchone()
        if row is None:
            return None
        self.cursor.execute(
            "SELECT line_no, product_id, product_name, category, unit, quantity, unit_price_satang"
            " FROM order_lines WHERE order_id = %s ORDER BY line_no", (order_id,))
        lines = [Line(**line) for line in self.cursor.fetchall()]
        return Order(lines=lines, **row)

    def save(self, order, payment_reference=None):
        self.cursor.execute(
            "UPDATE orders SET status = %s, payment_status = %s, fulfilment_status = %s,"
            " paid_at = %s, updated_at = now() WHERE id = %s",
            (order.status, order.payment_status, order.fulfilment_status, order.paid_at, order.id))
        for event_type, data in order.events:
            if event_type.name == "order.paid":
                self.cursor.execute(
                    "INSERT INTO payments (id, order_id, amount_satang, reference, paid_at)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    (data["payment_id"], order.id, data["amount_satang"], payment_reference,
                     data["paid_at"]))


class MarketUnitOfWork(UnitOfWork):
    def __init__(self, cursor):
        super().__init__(cursor)
        self.sellers = Sellers(cursor)
        self.products = Products(cursor)
        self.orders = Orders(cursor)
