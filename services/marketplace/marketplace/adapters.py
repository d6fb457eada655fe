"""PostgreSQL repositories of the marketplace."""
import json
import uuid

from chassis.db import execute_together
from chassis.uow import UnitOfWork
from contracts.envelope import EnvelopeSchema
from marketplace.orders import Line, Order
from marketplace.payment_reconciliation import RecordedPayment


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

    def exists(self, seller_org_id):
        self.cursor.execute("SELECT 1 FROM sellers WHERE id = %s", (seller_org_id,))
        return self.cursor.fetchone() is not None


# The code says seller_org_id and buyer_org_id, as the events do; the columns keep the names they were
# created with, seller_id and buyer_id: renaming them would break the release still running during a
# rollout (docs/operations.md: migrations stay backward compatible).
COLUMN_OF = {"seller_org_id": "seller_id", "buyer_org_id": "buyer_id"}


def selected(names, table):
    """The SELECT list of ``names`` from ``table`` (an alias), each column under its name in the code."""
    return ", ".join(f"{table}.{COLUMN_OF[name]} AS {name}" if name in COLUMN_OF else f"{table}.{name}"
                     for name in names)


PRODUCT_FIELDS = ("id", "seller_org_id", "name_th", "name_en", "description", "unit",
                  "unit_price_satang", "stock", "category", "images", "active", "search_text")
PRODUCT_FILTERS = {"category": "p.category", "seller_org_id": "p.seller_id", "province": "s.province_code",
                   "province_group": "s.province_group", "region": "s.region"}
MUTABLE_PRODUCT_FIELDS = tuple(name for name in PRODUCT_FIELDS if name not in ("id", "seller_org_id"))
PRODUCT = selected(PRODUCT_FIELDS, "p")


def _like_pattern(text):
    """``%text%`` with LIKE's own wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class Conditions:
    """A WHERE clause built from optional filters, with its parameters."""

    def __init__(self, equal_to, columns, first):
        self.clauses, self.params = [first], {}
        for name, value in equal_to.items():
            if value is not None:
                self.add(f"{columns[name]} = %({name})s", **{name: value})

    def add(self, clause, **params):
        self.clauses.append(clause)
        self.params.update(params)

    def after(self, sort_column, id_column, keyset):
        """Rows after ``keyset`` (sort value, id) in descending order: the next page."""
        if keyset is not None:
            self.add(f"({sort_column}, {id_column}) < (%(after_sort)s, %(after_id)s)",
                     after_sort=keyset[0], after_id=keyset[1])

    def __str__(self):
        return " AND ".join(self.clauses)


def _page(rows, limit, sort_column):
    """(first ``limit`` rows, the keyset of the last one or None); ``rows`` holds limit + 1."""
    items = rows[:limit]
    after = (items[-1][sort_column], items[-1]["id"]) if len(rows) > limit else None
    return items, after


class Products:
    def __init__(self, cursor):
        self.cursor = cursor

    def _values(self, product):
        return {**{name: product.get(name) for name in PRODUCT_FIELDS},
                "images": json.dumps(product.get("images") or [])}

    def add(self, product):
        self.cursor.execute(
            f"INSERT INTO products ({', '.join(COLUMN_OF.get(name, name) for name in PRODUCT_FIELDS)})"
            f" VALUES ({', '.join(f'%({name})s' for name in PRODUCT_FIELDS)})", self._values(product))

    def update(self, product):
        self.cursor.execute(
            f"UPDATE products SET {', '.join(f'{name} = %({name})s' for name in MUTABLE_PRODUCT_FIELDS)},"
            " updated_at = now() WHERE id = %(id)s", self._values(product))

    def get(self, product_id, for_update=False):
        self.cursor.execute(
            f"SELECT {PRODUCT} FROM products p WHERE p.id = %s"
            + (" FOR UPDATE" if for_update else ""), (product_id,))
        return self.cursor.fetchone()

    def get_many(self, product_ids):
        self.cursor.execute(
            f"SELECT {PRODUCT} FROM products p WHERE p.id = ANY(%s)", (list(product_ids),))
        return {row["id"]: row for row in self.cursor.fetchall()}

    def reserve(self, product_id, quantity):
        """Take ``quantity`` from stock if that much is left; never below zero."""
        self.cursor.execute(
            "UPDATE products SET stock = stock - %s, updated_at = now() WHERE id = %s AND stock >= %s",
            (quantity, product_id, quantity))
        return self.cursor.rowcount == 1

    def release(self, product_id, quantity):
        self.cursor.execute(
            "UPDATE products SET stock = stock + %s, updated_at = now() WHERE id = %s",
            (quantity, product_id))

    def search(self, text, after, limit, **equal_to):
        """Active products, newest first, one page; ``after`` is the keyset of the previous page.

        ``equal_to`` holds the PRODUCT_FILTERS to apply (None: not filtered).
        """
        where = Conditions(equal_to, PRODUCT_FILTERS, "p.active")
        if text:
            where.add("p.search_text LIKE %(pattern)s", pattern=_like_pattern(text))
        where.after("p.created_at", "p.id", after)
        self.cursor.execute(
            f"SELECT {PRODUCT}, p.created_at"
            f" FROM products p JOIN sellers s ON s.id = p.seller_id WHERE {where}"
            " ORDER BY p.created_at DESC, p.id DESC LIMIT %(limit)s", {**where.params, "limit": limit + 1})
        return _page(self.cursor.fetchall(), limit, "created_at")


ENVELOPE = EnvelopeSchema()

ORDER_FIELDS = ("id", "seller_org_id", "buyer_org_id", "status", "payment_status", "fulfilment_status",
                "ship_to", "placed_at", "expires_at", "paid_at", "cancel_reason")

ORDER_FILTERS = {"seller_org_id": "seller_id", "buyer_org_id": "buyer_id", "status": "status"}


class Orders:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, order):
        execute_together(self.cursor, [(
            "INSERT INTO orders (id, seller_id, buyer_id, status, payment_status, fulfilment_status,"
            " ship_to, total_satang, placed_at, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (order.id, order.seller_org_id, order.buyer_org_id, order.status, order.payment_status,
             order.fulfilment_status, json.dumps(order.ship_to, ensure_ascii=False),
             order.total_satang, order.placed_at, order.expires_at)),
            *((
                "INSERT INTO order_lines (order_id, line_no, product_id, product_name, category, unit,"
                " quantity, unit_price_satang) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                (order.id, line.line_no, line.product_id, line.product_name, line.category,
                 line.unit, line.quantity, line.unit_price_satang)) for line in order.lines),
        ])

    def get(self, order_id, for_update=False):
        self.cursor.execute(
            f"SELECT {ORDER_WITH_LINES} FROM orders o WHERE o.id = %s"
            + (" FOR UPDATE OF o" if for_update else ""), (order_id,))
        rows = self.cursor.fetchall()
        return _order(rows[0]) if rows else None

    def find(self, party, after, limit, **equal_to):
        """Newest first, one page; ``party`` limits the orders to those it buys or sells."""
        where = Conditions(equal_to, ORDER_FILTERS, "true")
        if party is not None:
            where.add("(seller_id = %(party)s OR buyer_id = %(party)s)", party=party)
        where.after("placed_at", "id", after)
        self.cursor.execute(
            f"SELECT {ORDER_WITH_LINES} FROM orders o WHERE {where}"
            " ORDER BY placed_at DESC, id DESC LIMIT %(limit)s", {**where.params, "limit": limit + 1})
        rows, after = _page(self.cursor.fetchall(), limit, "placed_at")
        return [_order(row) for row in rows], after

    def paid(self, paid_from=None, paid_to=None, after=None, limit=200, order_ids=None):
        """Paid orders, oldest payment first, one page; ``after`` is the (paid_at, id) keyset of the
        previous page; ``order_ids`` instead asks for those orders (if they were paid)."""
        self.cursor.execute(
            f"SELECT {ORDER_WITH_LINES} FROM orders o WHERE paid_at IS NOT NULL"
            " AND (%(ids)s::uuid[] IS NULL OR id = ANY(%(ids)s::uuid[]))"
            " AND (%(from)s::timestamptz IS NULL OR paid_at >= %(from)s)"
            " AND (%(to)s::timestamptz IS NULL OR paid_at < %(to)s)"
            " AND (%(after_at)s::timestamptz IS NULL OR (paid_at, id) > (%(after_at)s, %(after_id)s::uuid))"
            " ORDER BY paid_at, id LIMIT %(limit)s",
            {"ids": order_ids, "from": paid_from, "to": paid_to, "limit": limit + 1,
             "after_at": after[0] if after else None, "after_id": after[1] if after else None})
        rows, after = _page(self.cursor.fetchall(), limit, "paid_at")
        return [_order(row) for row in rows], after

    def staged_events(self, order_ids, event_names):
        """{order id: [event envelope, …]} of the orders' events named ``event_names``, in the
        order they were staged (from the outbox: retention never prunes these, `retained_events`)."""
        self.cursor.execute(
            "SELECT body FROM outbox WHERE exchange = 'marketplace.events'"
            " AND ((body::jsonb -> 'data') ->> 'order_id') = ANY(%s) AND routing_key = ANY(%s)"
            " ORDER BY id", ([str(order_id) for order_id in order_ids], list(event_names)))
        staged = {order_id: [] for order_id in order_ids}
        for row in self.cursor.fetchall():
            envelope = ENVELOPE.load(json.loads(row["body"]))
            staged[uuid.UUID(envelope["data"]["order_id"])].append(envelope)
        return staged

    def due_for_expiry(self, now, limit):
        """Ids of unpaid orders past their time, locked; rows another sweeper holds are skipped."""
        self.cursor.execute(
            "SELECT id FROM orders WHERE status = 'placed' AND payment_status = 'unpaid'"
            " AND expires_at <= %s ORDER BY expires_at LIMIT %s FOR UPDATE SKIP LOCKED", (now, limit))
        return [row["id"] for row in self.cursor.fetchall()]

    def save(self, order, payment_reference=None, refunded_at=None):
        statements = [(
            "UPDATE orders SET status = %s, payment_status = %s, fulfilment_status = %s,"
            " paid_at = %s, cancel_reason = %s, updated_at = now() WHERE id = %s",
            (order.status, order.payment_status, order.fulfilment_status, order.paid_at,
             order.cancel_reason, order.id))]
        for event_type, data in order.events:
            if event_type.name == "order.paid":
                statements.append((
                    "INSERT INTO payments (id, order_id, amount_satang, reference, paid_at)"
                    " VALUES (%s, %s, %s, %s, %s)",
                    (data["payment_id"], order.id, data["amount_satang"], payment_reference,
                     data["paid_at"])))
            elif event_type.name == "order.refunded":
                statements += _refund(order.id, data["refund_id"], data["amount_satang"],
                                      data["refunded_lines"], refunded_at)
            elif event_type.name == "order.cancelled" and data["refund_id"] is not None:
                statements += _refund(order.id, data["refund_id"], data["refunded_satang"],
                                      data["refunded_lines"], refunded_at)
        execute_together(self.cursor, statements)


def _refund(order_id, refund_id, amount_satang, lines, refunded_at):
    return [("INSERT INTO refunds (id, order_id, amount_satang, refunded_at) VALUES (%s, %s, %s, %s)",
             (refund_id, order_id, amount_satang, refunded_at)),
            *(("INSERT INTO refund_lines (refund_id, line_no, quantity) VALUES (%s, %s, %s)",
               (refund_id, line["line_no"], line["quantity"])) for line in lines)]


# An order with its lines and the quantities refunded per line, in one query.
ORDER_WITH_LINES = (
    selected(ORDER_FIELDS, "o")
    + ", (SELECT coalesce(json_agg(json_build_object('line_no', l.line_no, 'product_id', l.product_id,"
    " 'product_name', l.product_name, 'category', l.category, 'unit', l.unit, 'quantity', l.quantity,"
    " 'unit_price_satang', l.unit_price_satang) ORDER BY l.line_no), '[]')"
    " FROM order_lines l WHERE l.order_id = o.id) AS lines,"
    " (SELECT coalesce(json_object_agg(line_no, quantity), '{}') FROM (SELECT rl.line_no,"
    " sum(rl.quantity)::integer AS quantity FROM refunds r JOIN refund_lines rl ON rl.refund_id = r.id"
    " WHERE r.order_id = o.id GROUP BY rl.line_no) refunded_lines) AS refunded")


def _order(row):
    lines = [Line(**{**line, "product_id": uuid.UUID(line["product_id"])}) for line in row.pop("lines")]
    refunded = {int(line_no): quantity for line_no, quantity in row.pop("refunded").items()}
    return Order(lines=lines, refunded=refunded, **row)


class PaymentReconciliationReads:
    """The marketplace's side of the payment reconciliation (marketplace.payment_reconciler)."""

    def __init__(self, cursor):
        self.cursor = cursor

    def provider_payments(self, charge_ids, received_from, received_to):
        """The provider payments of those charges, and those received in [from, to), with the
        refunds the provider confirmed for each charge."""
        self.cursor.execute(
            "SELECT p.charge_id, p.order_id, r.reference AS order_ref, p.amount_satang, p.status,"
            " p.received_at, (SELECT coalesce(sum(f.amount_satang), 0) FROM refunds f"
            "  WHERE f.charge_id = p.charge_id AND f.status = 'confirmed')::bigint AS refunded_satang"
            " FROM payments p LEFT JOIN payment_requests r ON r.order_id = p.order_id"
            " WHERE p.method = 'provider' AND p.charge_id IS NOT NULL"
            " AND (p.charge_id = ANY(%s) OR (p.received_at >= %s AND p.received_at < %s))"
            " ORDER BY p.received_at, p.charge_id", (list(charge_ids), received_from, received_to))
        return [RecordedPayment(**row) for row in self.cursor.fetchall()]


class MarketUnitOfWork(UnitOfWork):
    def __init__(self, cursor):
        super().__init__(cursor)
        self.sellers = Sellers(cursor)
        self.products = Products(cursor)
        self.orders = Orders(cursor)
        self.payment_reconciliation = PaymentReconciliationReads(cursor)
