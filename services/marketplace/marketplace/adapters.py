"""PostgreSQL repositories of the marketplace."""
import datetime as dt
import json
import logging
import os
import uuid

import eventlet

from chassis.db import execute_together
from chassis.errors import DomainError, TransientError
from chassis.uow import UnitOfWork
from contracts.envelope import EnvelopeSchema
from marketplace.collection import PaymentRequest
from marketplace.exchange import Exchange
from marketplace.omise_adapter import OmisePayments
from marketplace.orders import Line, Order
from marketplace.payment_reconciliation import RecordedPayment
from marketplace.promptpay import PromptPayId
from marketplace.sharing import Share

log = logging.getLogger(__name__)
PROVIDER_DEADLINE_SECONDS = 10


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

    def place(self, seller_org_id):
        """Where the seller is, as the registry told it (None if the registry has not)."""
        self.cursor.execute("SELECT place FROM sellers WHERE id = %s", (seller_org_id,))
        row = self.cursor.fetchone()
        return row and row["place"]

    def get(self, seller_org_id):
        self.cursor.execute("SELECT id, name_th, place FROM sellers WHERE id = %s", (seller_org_id,))
        return self.cursor.fetchone()


# The code says seller_org_id and buyer_org_id, as the events do; the columns keep the names they were
# created with, seller_id and buyer_id: renaming them would break the release still running during a
# rollout (docs/operations.md: migrations stay backward compatible).
COLUMN_OF = {"seller_org_id": "seller_id", "buyer_org_id": "buyer_id"}


def as_json(value):
    """A JSON column's text (None stays NULL); times as ISO text, ids as text."""
    return None if value is None else json.dumps(value, ensure_ascii=False, default=_json_default)


def _json_default(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def selected(names, table):
    """The SELECT list of ``names`` from ``table`` (an alias), each column under its name in the code."""
    return ", ".join(f"{table}.{COLUMN_OF[name]} AS {name}" if name in COLUMN_OF else f"{table}.{name}"
                     for name in names)


PRODUCT_FIELDS = ("id", "seller_org_id", "name_th", "name_en", "description", "unit",
                  "unit_price_satang", "stock", "category", "images", "active", "search_text",
                  "listing_kind")
PRODUCT_FILTERS = {"category": "p.category", "seller_org_id": "p.seller_id", "province": "s.province_code",
                   "province_group": "s.province_group", "region": "s.region",
                   "listing_kind": "p.listing_kind"}
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
                "ship_to", "placed_at", "expires_at", "paid_at", "cancel_reason", "route", "shipment",
                "receipt", "dispute")

ORDER_FILTERS = {"seller_org_id": "seller_id", "buyer_org_id": "buyer_id", "status": "status"}


class Orders:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, order):
        execute_together(self.cursor, [(
            "INSERT INTO orders (id, seller_id, buyer_id, status, payment_status, fulfilment_status,"
            " ship_to, total_satang, placed_at, expires_at, route)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (order.id, order.seller_org_id, order.buyer_org_id, order.status, order.payment_status,
             order.fulfilment_status, json.dumps(order.ship_to, ensure_ascii=False),
             order.total_satang, order.placed_at, order.expires_at, as_json(order.route))),
            *((
                "INSERT INTO order_lines (order_id, line_no, product_id, product_name, category, unit,"
                " quantity, unit_price_satang, kind) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                (order.id, line.line_no, line.product_id, line.product_name, line.category,
                 line.unit, line.quantity, line.unit_price_satang, line.kind)) for line in order.lines),
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

    def due_for_automatic_receipt(self, shipped_before, limit):
        """Ids of orders shipped before ``shipped_before``, not received and never disputed,
        locked; rows another instance holds are skipped."""
        self.cursor.execute(
            "SELECT id FROM orders WHERE status = 'confirmed' AND fulfilment_status = 'shipped'"
            " AND dispute IS NULL AND shipped_at <= %s ORDER BY shipped_at LIMIT %s FOR UPDATE SKIP LOCKED",
            (shipped_before, limit))
        return [row["id"] for row in self.cursor.fetchall()]

    def save(self, order, refunded_at=None):
        statements = [(
            "UPDATE orders SET status = %s, payment_status = %s, fulfilment_status = %s,"
            " paid_at = %s, cancel_reason = %s, shipment = %s, receipt = %s, dispute = %s,"
            " shipped_at = %s, updated_at = now() WHERE id = %s",
            (order.status, order.payment_status, order.fulfilment_status, order.paid_at,
             order.cancel_reason, as_json(order.shipment), as_json(order.receipt), as_json(order.dispute),
             order.shipment and order.shipment["shipped_at"], order.id))]
        for event_type, data in order.events:
            if event_type.name == "order.refunded":
                statements += _refund(order.id, data["refund_id"], data["amount_satang"],
                                      data["refunded_lines"], refunded_at)
            elif event_type.name == "order.cancelled" and data["refund_id"] is not None:
                statements += _refund(order.id, data["refund_id"], data["refunded_satang"],
                                      data["refunded_lines"], refunded_at)
        execute_together(self.cursor, statements)


def _refund(order_id, refund_id, amount_satang, lines, refunded_at):
    """A refund that counts: a new one, or one asked of the provider that it has now confirmed."""
    return [("INSERT INTO refunds (id, order_id, amount_satang, refunded_at) VALUES (%s, %s, %s, %s)"
             " ON CONFLICT (id) DO UPDATE SET status = 'confirmed', refunded_at = EXCLUDED.refunded_at",
             (refund_id, order_id, amount_satang, refunded_at)),
            *(("INSERT INTO refund_lines (refund_id, line_no, quantity) VALUES (%s, %s, %s)"
               " ON CONFLICT DO NOTHING",
               (refund_id, line["line_no"], line["quantity"])) for line in lines)]


# An order with its lines and the quantities refunded per line, in one query.
ORDER_WITH_LINES = (
    selected(ORDER_FIELDS, "o")
    + ", (SELECT coalesce(json_agg(json_build_object('line_no', l.line_no, 'product_id', l.product_id,"
    " 'product_name', l.product_name, 'category', l.category, 'unit', l.unit, 'quantity', l.quantity,"
    " 'unit_price_satang', l.unit_price_satang, 'kind', l.kind) ORDER BY l.line_no), '[]')"
    " FROM order_lines l WHERE l.order_id = o.id) AS lines"
    + "".join(
        f", (SELECT coalesce(json_object_agg(line_no, quantity), '{{}}') FROM (SELECT rl.line_no,"
        f" sum(rl.quantity)::integer AS quantity FROM refunds r JOIN refund_lines rl ON rl.refund_id = r.id"
        f" WHERE r.order_id = o.id AND r.status = '{status}' GROUP BY rl.line_no) lines_{status}) AS {name}"
        for status, name in (("confirmed", "refunded"), ("requested", "pending_refunds")))
    + ", EXISTS (SELECT 1 FROM refunds r WHERE r.order_id = o.id AND r.status = 'requested'"
    " AND r.kind = 'cancellation') AS cancellation_pending")


def _order(row):
    lines = [Line(**{**line, "product_id": line["product_id"] and uuid.UUID(line["product_id"])})
             for line in row.pop("lines")]
    per_line = {name: {int(line_no): quantity for line_no, quantity in row.pop(name).items()}
                for name in ("refunded", "pending_refunds")}
    if row["shipment"] is not None:
        row["shipment"]["shipped_at"] = dt.datetime.fromisoformat(row["shipment"]["shipped_at"])
    if row["dispute"] is not None:
        row["dispute"] = {**row["dispute"], "opened_by_org_id": uuid.UUID(row["dispute"]["opened_by_org_id"]),
                          **{name: dt.datetime.fromisoformat(row["dispute"][name])
                             for name in ("opened_at", "resolved_at") if name in row["dispute"]}}
    return Order(lines=lines, **per_line, **row)


class DistributionCentres:
    """The registry's distribution centres, as its events told them."""

    COLUMNS = ("id", "name_th", "name_en", "place", "address", "opening_hours", "time_zone", "contact",
               "serves_groups", "status", "demo")
    JSON = ("place", "opening_hours", "contact", "serves_groups")

    def __init__(self, cursor):
        self.cursor = cursor

    def upsert(self, centre):
        values = {**centre, **{name: as_json(centre[name]) for name in self.JSON}}
        self.cursor.execute(
            f"INSERT INTO distribution_centres ({', '.join(self.COLUMNS)})"
            f" VALUES ({', '.join(f'%({name})s' for name in self.COLUMNS)}) ON CONFLICT (id) DO UPDATE SET "
            + ", ".join(f"{name} = EXCLUDED.{name}" for name in self.COLUMNS if name != "id")
            + ", updated_at = now()", values)

    def all(self):
        self.cursor.execute(f"SELECT {', '.join(self.COLUMNS)} FROM distribution_centres ORDER BY name_th, id")
        return self.cursor.fetchall()

    def get_many(self, centre_ids):
        self.cursor.execute(f"SELECT {', '.join(self.COLUMNS)} FROM distribution_centres WHERE id = ANY(%s)",
                            (list(centre_ids),))
        return {row["id"]: row for row in self.cursor.fetchall()}


class DeliveryOptions:
    """What each seller offers (marketplace.delivery): None when it never said."""

    def __init__(self, cursor):
        self.cursor = cursor

    def get(self, seller_org_id):
        self.cursor.execute("SELECT carrier_fee_satang, distribution_centre_ids, local_pickup"
                            " FROM seller_delivery_options WHERE seller_id = %s", (seller_org_id,))
        row = self.cursor.fetchone()
        if row is None:
            return None
        fee = row["carrier_fee_satang"]
        return {"carrier": None if fee is None else {"fee_satang": fee},
                "distribution_centre_ids": list(row["distribution_centre_ids"]),
                "local_pickup": row["local_pickup"]}

    def put(self, seller_org_id, options):
        carrier = options["carrier"]
        self.cursor.execute(
            "INSERT INTO seller_delivery_options (seller_id, carrier_fee_satang, distribution_centre_ids,"
            " local_pickup) VALUES (%s, %s, %s::uuid[], %s) ON CONFLICT (seller_id) DO UPDATE SET"
            " carrier_fee_satang = EXCLUDED.carrier_fee_satang,"
            " distribution_centre_ids = EXCLUDED.distribution_centre_ids,"
            " local_pickup = EXCLUDED.local_pickup, updated_at = now()",
            (seller_org_id, carrier and carrier["fee_satang"], list(options["distribution_centre_ids"]),
             options["local_pickup"]))


class PaymentSettings:
    def __init__(self, cursor):
        self.cursor = cursor

    def get(self, seller_org_id):
        """(collection, PromptPayId or None), or None when the seller never said."""
        self.cursor.execute("SELECT collection, promptpay_sub_tag, promptpay_value"
                            " FROM seller_payment_settings WHERE seller_id = %s", (seller_org_id,))
        row = self.cursor.fetchone()
        if row is None:
            return None
        recipient = PromptPayId(row["promptpay_sub_tag"], row["promptpay_value"]) \
            if row["promptpay_value"] else None
        return row["collection"], recipient

    def put(self, seller_org_id, collection, recipient):
        self.cursor.execute(
            "INSERT INTO seller_payment_settings (seller_id, collection, promptpay_sub_tag, promptpay_value)"
            " VALUES (%s, %s, %s, %s) ON CONFLICT (seller_id) DO UPDATE SET collection = EXCLUDED.collection,"
            " promptpay_sub_tag = EXCLUDED.promptpay_sub_tag, promptpay_value = EXCLUDED.promptpay_value,"
            " updated_at = now()",
            (seller_org_id, collection, recipient.sub_tag if recipient else None,
             recipient.value if recipient else None))


REQUEST_FIELDS = ("order_id", "reference", "amount_satang", "method", "expires_at", "provider",
                  "charge_id", "qr_payload")


class PaymentRequests:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, request):
        self.cursor.execute(
            f"INSERT INTO payment_requests ({', '.join(REQUEST_FIELDS)})"
            f" VALUES ({', '.join(f'%({name})s' for name in REQUEST_FIELDS)})", vars(request))

    def _one(self, where, value):
        self.cursor.execute(f"SELECT {', '.join(REQUEST_FIELDS)} FROM payment_requests WHERE {where} = %s",
                            (value,))
        row = self.cursor.fetchone()
        return PaymentRequest(**row) if row else None

    def get(self, order_id):
        return self._one("order_id", order_id)

    def by_reference(self, reference):
        return self._one("reference", reference)

    def attach_charge(self, order_id, charge_id, qr_payload):
        """Keep the first charge made for the order; a later one changes nothing."""
        self.cursor.execute("UPDATE payment_requests SET charge_id = %s, qr_payload = %s"
                            " WHERE order_id = %s AND charge_id IS NULL", (charge_id, qr_payload, order_id))


class Payments:
    """Every receipt of money (marketplace.collection.receive)."""

    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, payment_id, order_id, receipt, status, difference_satang, reason):
        """Whether the receipt is new: the same charge, or the same transfer reference for the
        order, is kept once."""
        self.cursor.execute(
            "INSERT INTO payments (id, order_id, amount_satang, reference, paid_at, status, method,"
            " provider, charge_id, transfer_reference, difference_satang, confirmed_by_kind,"
            " confirmed_by_id, received_at, reason) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s, %s, %s, %s) ON CONFLICT DO NOTHING",
            (payment_id, order_id, receipt.amount_satang, receipt.transfer_reference or receipt.charge_id,
             receipt.received_at, status, receipt.method, receipt.provider, receipt.charge_id,
             receipt.transfer_reference, difference_satang, receipt.confirmed_by_kind,
             receipt.confirmed_by_id, receipt.received_at, reason))
        return self.cursor.rowcount == 1

    def of_order(self, order_id):
        self.cursor.execute(
            "SELECT id, status, method, provider, charge_id, transfer_reference, amount_satang,"
            " difference_satang, received_at, reason FROM payments WHERE order_id = %s"
            " ORDER BY received_at", (order_id,))
        return self.cursor.fetchall()


class ProviderEvents:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, provider, event):
        """Whether the provider's event is new."""
        self.cursor.execute(
            "INSERT INTO provider_events (provider, event_id, event_type, charge_id) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT DO NOTHING", (provider, event.id, event.type, event.charge_id))
        return self.cursor.rowcount == 1


class Refunds:
    """Refunds asked of the payment provider, until it confirms them."""

    SELECT = ("SELECT r.id, r.order_id, r.amount_satang, r.kind, r.reason, r.charge_id,"
              " (SELECT json_agg(json_build_object('line_no', line_no, 'quantity', quantity)"
              " ORDER BY line_no) FROM refund_lines WHERE refund_id = r.id) AS lines FROM refunds r")

    def __init__(self, cursor):
        self.cursor = cursor

    def add_requested(self, refund_id, order_id, amount_satang, lines, kind, payment, reason, now):
        execute_together(self.cursor, [
            ("INSERT INTO refunds (id, order_id, amount_satang, status, kind, provider, charge_id, reason,"
             " requested_at) VALUES (%s, %s, %s, 'requested', %s, %s, %s, %s, %s)",
             (refund_id, order_id, amount_satang, kind, payment["provider"], payment["charge_id"], reason,
              now)),
            *(("INSERT INTO refund_lines (refund_id, line_no, quantity) VALUES (%s, %s, %s)",
               (refund_id, line["line_no"], line["quantity"])) for line in lines)])

    def requested_on_charge(self, charge_id):
        self.cursor.execute(f"{self.SELECT} WHERE r.charge_id = %s AND r.status = 'requested'"
                            " ORDER BY r.requested_at", (charge_id,))
        return self.cursor.fetchall()

    def requested_before(self, moment, limit):
        self.cursor.execute(f"{self.SELECT} WHERE r.status = 'requested' AND r.requested_at <= %s"
                            " ORDER BY r.requested_at LIMIT %s", (moment, limit))
        return self.cursor.fetchall()

    def still_requested(self, refund_id):
        self.cursor.execute("SELECT 1 FROM refunds WHERE id = %s AND status = 'requested' FOR UPDATE",
                            (refund_id,))
        return self.cursor.fetchone() is not None

    def mark_confirmed(self, refund_id, provider_refund_id, now):
        self.cursor.execute("UPDATE refunds SET status = 'confirmed', provider_refund_id = %s,"
                            " refunded_at = coalesce(refunded_at, %s) WHERE id = %s",
                            (provider_refund_id, now, refund_id))


class ProviderUnavailable(DomainError):
    status = 503
    code = "payment_provider_unavailable"


class NoPaymentProvider:
    """Where OMISE_SECRET_KEY and OMISE_WEBHOOK_SECRET are not set: direct transfers still work;
    anything needing the provider is a 503 saying why."""

    def __init__(self, why):
        self.why = why

    def __getattr__(self, name):
        def refuse(*args, **kwargs):
            raise ProviderUnavailable(f"ยังไม่ได้ตั้งค่าผู้ให้บริการชำระเงิน (no payment provider is configured): "
                                      f"{self.why}")
        return refuse


def provider_deadline():
    return eventlet.Timeout(PROVIDER_DEADLINE_SECONDS, TransientError("payment provider timeout"))


def payment_provider(environ=None):
    """The payment provider from the environment (secrets live only there), its calls cut off
    after PROVIDER_DEADLINE_SECONDS."""
    try:
        return OmisePayments.from_environment(os.environ if environ is None else environ,
                                              deadline=provider_deadline)
    except ValueError as exc:
        log.warning("payment provider not configured: %s", exc)
        return NoPaymentProvider(str(exc))


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


def _trade_page(cursor, table, sort_column, parties, party, after, limit, status):
    """Rows of ``table`` newest first, one page; ``party`` limits them to those it is one of."""
    where = Conditions({"status": status}, {"status": "status"}, "true")
    if party is not None:
        where.add("(" + " OR ".join(f"{column} = %(party)s" for column in parties) + ")", party=party)
    where.after(sort_column, "id", after)
    cursor.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY {sort_column} DESC, id DESC"
                   " LIMIT %(limit)s", {**where.params, "limit": limit + 1})
    return _page(cursor.fetchall(), limit, sort_column)


def _json_ids(value):
    """A JSON column's goods, legs or routes with their ids as UUIDs again."""
    if isinstance(value, dict):
        return {name: uuid.UUID(item) if name.endswith("_id") and isinstance(item, str) else _json_ids(item)
                for name, item in value.items()}
    return value


MOMENTS = ("shipped_at", "received_at")  # a Shipment's and a Receipt's times, ISO text in JSON


def _with_moments(value):
    """A stored Shipment or Receipt (or None) with its time an aware datetime again."""
    if value is None:
        return None
    return {name: dt.datetime.fromisoformat(item) if name in MOMENTS and isinstance(item, str) else item
            for name, item in value.items()}


def _leg(value):
    leg = _json_ids(value)
    return {**leg, "shipment": _with_moments(leg["shipment"]), "receipt": _with_moments(leg["receipt"])}


class Shares:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, share):
        self.cursor.execute(
            "INSERT INTO shares (id, listing_id, giver_id, receiver_id, status, quantity, goods, ship_to,"
            " route, requested_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (share.id, share.listing_id, share.giver_org_id, share.receiver_org_id, share.status,
             share.quantity, as_json(share.goods), as_json(share.ship_to), as_json(share.route),
             share.requested_at))

    def get(self, share_id, for_update=False):
        self.cursor.execute("SELECT * FROM shares WHERE id = %s" + (" FOR UPDATE" if for_update else ""),
                            (share_id,))
        row = self.cursor.fetchone()
        return _share(row) if row else None

    def find(self, party, after, limit, status=None):
        rows, after = _trade_page(self.cursor, "shares", "requested_at", ("giver_id", "receiver_id"),
                                  party, after, limit, status)
        return [_share(row) for row in rows], after

    def save(self, share):
        self.cursor.execute(
            "UPDATE shares SET status = %s, shipment = %s, receipt = %s, updated_at = now() WHERE id = %s",
            (share.status, as_json(share.shipment), as_json(share.receipt), share.id))


def _share(row):
    return Share(row["id"], row["listing_id"], row["giver_id"], row["receiver_id"], _json_ids(row["goods"]),
                 row["ship_to"], row["route"], row["requested_at"], row["status"],
                 _with_moments(row["shipment"]), _with_moments(row["receipt"]))


class Exchanges:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, exchange):
        self.cursor.execute(
            "INSERT INTO exchanges (id, owner_id, offerer_id, status, owner_leg, offerer_leg, offered_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (exchange.id, exchange.owner_org_id, exchange.offerer_org_id, exchange.status,
             as_json(exchange.owner_leg), as_json(exchange.offerer_leg), exchange.offered_at))

    def get(self, exchange_id, for_update=False):
        self.cursor.execute("SELECT * FROM exchanges WHERE id = %s" + (" FOR UPDATE" if for_update else ""),
                            (exchange_id,))
        row = self.cursor.fetchone()
        return _exchange(row) if row else None

    def find(self, party, after, limit, status=None):
        rows, after = _trade_page(self.cursor, "exchanges", "offered_at", ("owner_id", "offerer_id"),
                                  party, after, limit, status)
        return [_exchange(row) for row in rows], after

    def save(self, exchange):
        self.cursor.execute(
            "UPDATE exchanges SET status = %s, owner_leg = %s, offerer_leg = %s, updated_at = now()"
            " WHERE id = %s",
            (exchange.status, as_json(exchange.owner_leg), as_json(exchange.offerer_leg), exchange.id))


def _exchange(row):
    return Exchange(row["id"], row["owner_id"], row["offerer_id"], _leg(row["owner_leg"]),
                    _leg(row["offerer_leg"]), row["offered_at"], row["status"])


class MarketUnitOfWork(UnitOfWork):
    def __init__(self, cursor):
        super().__init__(cursor)
        self.sellers = Sellers(cursor)
        self.products = Products(cursor)
        self.orders = Orders(cursor)
        self.payment_settings = PaymentSettings(cursor)
        self.payment_requests = PaymentRequests(cursor)
        self.payments = Payments(cursor)
        self.provider_events = ProviderEvents(cursor)
        self.refunds = Refunds(cursor)
        self.payment_reconciliation = PaymentReconciliationReads(cursor)
        self.distribution_centres = DistributionCentres(cursor)
        self.delivery_options = DeliveryOptions(cursor)
        self.shares = Shares(cursor)
        self.exchanges = Exchanges(cursor)
