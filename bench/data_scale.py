"""Queries over a large ledger and order book, bulk-loaded with COPY into bench databases.

The data: ``orders`` paid orders of two lines each in a marketplace-schema database; one
credit per order (fund = order number modulo the fund count, 400 satang a bag) with its
two-legged ledger transaction in a funds-schema database, spread over twelve months.
A few credits are deliberately missing or wrong, so the reconciliation has something to find.
Rows are loaded with triggers and foreign keys off (session_replication_role = replica):
the generated transactions balance by construction.
"""
import io
import random
import time
import uuid
from importlib import resources

import psycopg2

from bench.stats import percentile
from chassis.db import Database, migrate
from funds.adapters import FundsUnitOfWork
from funds.ledger import CLEARING, fund_account

LEVY_PER_BAG = 400
PRICE = 25_000
# every order's route (the reconciliation reads none of it): Chaiyaphum → Phuket by carrier
ROUTE = ('{"method": "carrier", "origin": {"subdistrict_code": "360101", "province_code": "36"},'
         ' "destination": {"subdistrict_code": "830101", "province_code": "83"}}')
MISSING_EVERY = 1000        # every 1000th order has no credit
WRONG_EVERY = 1000          # ... and every 1000th, offset by half, a wrong amount
FUNDS = 3500
YEAR_START = 1767225600     # 2026-01-01T00:00:00Z
MONTH = 30 * 86400


# Deterministic ids: the kind of thing in the high bits, its number in the low ones.
ORDER, FUND, SELLER, BUYER, PRODUCT, AGREEMENT, CREDIT, EVENT, TRANSACTION = range(1, 10)


def numbered_uuid(kind, number=0):
    return str(uuid.UUID(int=(kind << 96) | number))


def order_id(n):
    return numbered_uuid(ORDER, n)


def fund_id(n):
    return numbered_uuid(FUND, n)


def at(n):
    """A timestamp in the year; the orders of each fund (n % FUNDS) spread over the twelve months."""
    month = (n // FUNDS) % 12
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(YEAR_START + month * MONTH + n % MONTH))


def bags(n, line):
    return 1 + (n + line) % 5


def expected_levy(n):
    return LEVY_PER_BAG * (bags(n, 1) + bags(n, 2))


def credited_amount(n):
    """What the ledger holds for order n: None if its credit is missing."""
    if n % MISSING_EVERY == 0:
        return None
    return expected_levy(n) + (1 if n % WRONG_EVERY == WRONG_EVERY // 2 else 0)


def expected_mismatches(orders):
    return sum(1 for n in range(orders) if credited_amount(n) != expected_levy(n))


def copy_rows(cursor, table, columns, rows):
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(row))
        buffer.write("\n")
    buffer.seek(0)
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def load_marketplace(dsn, orders):
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            copy_rows(cursor, "orders", ("id", "seller_id", "buyer_id", "status", "payment_status",
                                         "fulfilment_status", "ship_to", "route", "total_satang", "placed_at",
                                         "expires_at", "paid_at"),
                      ((order_id(n), numbered_uuid(SELLER), numbered_uuid(BUYER), "paid", "paid", "pending",
                        "{}", ROUTE, str(PRICE * (bags(n, 1) + bags(n, 2))), at(n), at(n), at(n))
                       for n in range(orders)))
            copy_rows(cursor, "order_lines", ("order_id", "line_no", "product_id", "product_name",
                                              "category", "unit", "quantity", "unit_price_satang"),
                      (row for n in range(orders) for row in (
                          (order_id(n), str(line), numbered_uuid(PRODUCT), "ข้าวหอมมะลิ", "rice", "ถุง",
                           str(bags(n, line)), str(PRICE)) for line in (1, 2))))
            cursor.execute("ANALYZE orders; ANALYZE order_lines")
    finally:
        conn.close()


def load_funds(dsn, orders):
    credited = [(n, amount) for n in range(orders) if (amount := credited_amount(n)) is not None]
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            copy_rows(cursor, "funds", ("id", "name_th", "province_code", "place"),
                      ((fund_id(f), f"กองทุนสวัสดิการชุมชน {f}", "83", "{}") for f in range(FUNDS)))
            copy_rows(cursor, "credits", ("id", "order_id", "fund_id", "agreement_id", "agreement_version",
                                          "seller_org_id", "buyer_org_id", "amount_satang", "lines",
                                          "status", "source_event_id", "created_at"),
                      ((numbered_uuid(CREDIT, n), order_id(n), fund_id(n % FUNDS), numbered_uuid(AGREEMENT),
                        "1", numbered_uuid(SELLER), numbered_uuid(BUYER), str(amount), "[]", "pending",
                        numbered_uuid(EVENT, n), at(n))
                       for n, amount in credited))
            copy_rows(cursor, "ledger_transactions", ("id", "kind", "credit_id", "source_event_id", "created_at"),
                      ((numbered_uuid(TRANSACTION, n), "levy_pending", numbered_uuid(CREDIT, n),
                        numbered_uuid(EVENT, n), at(n))
                       for n, _ in credited))
            copy_rows(cursor, "ledger_entries", ("transaction_id", "account", "phase", "amount_satang", "created_at"),
                      (row for n, amount in credited for row in (
                          (numbered_uuid(TRANSACTION, n), fund_account(fund_id(n % FUNDS)), "pending",
                           str(amount), at(n)),
                          (numbered_uuid(TRANSACTION, n), CLEARING, "pending", str(-amount), at(n)))))
            cursor.execute(
                "INSERT INTO accounts (code, fund_id, pending_satang)"
                " SELECT e.account, f.id, sum(e.amount_satang) FROM ledger_entries e"
                " LEFT JOIN funds f ON e.account = 'fund:' || f.id GROUP BY e.account, f.id")
            cursor.execute("ANALYZE")
            cursor.execute("SELECT count(*) FROM ledger_entries")
            return cursor.fetchone()[0]
    finally:
        conn.close()


def balance_reads(dsn, reads):
    """Milliseconds per balance read through the funds service's own repository."""
    database = Database(dsn, pool_size=1)
    try:
        timings = []
        for _ in range(reads):
            wanted = fund_id(random.randrange(FUNDS))
            started = time.perf_counter()
            with database.transaction() as cursor:
                FundsUnitOfWork(cursor).ledger.balance(wanted)
            timings.append((time.perf_counter() - started) * 1000)
        return timings
    finally:
        database.close()


def balance_from_entries_ms(dsn, reads=20):
    """The same balance summed over the fund's ledger entries (what the accounts table saves)."""
    conn = psycopg2.connect(dsn)
    try:
        timings = []
        with conn, conn.cursor() as cursor:
            for _ in range(reads):
                started = time.perf_counter()
                cursor.execute("SELECT coalesce(sum(amount_satang), 0) FROM ledger_entries WHERE account = %s",
                               (fund_account(fund_id(random.randrange(FUNDS))),))
                cursor.fetchone()
                timings.append((time.perf_counter() - started) * 1000)
        return percentile(timings, 0.5)
    finally:
        conn.close()


MONTHLY_STATEMENTS = """
SELECT f.id, date_trunc('month', e.created_at AT TIME ZONE 'Asia/Bangkok') AS month,
       count(*) AS entries, sum(e.amount_satang) AS net_satang,
       sum(e.amount_satang) FILTER (WHERE e.phase = 'pending') AS pending_satang,
       sum(e.amount_satang) FILTER (WHERE e.phase = 'posted') AS posted_satang
  FROM ledger_entries e JOIN accounts a ON a.code = e.account JOIN funds f ON f.id = a.fund_id
 GROUP BY f.id, month
"""


def monthly_statements(dsn):
    """(seconds, statement rows) for every fund's statement of every month."""
    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(MONTHLY_STATEMENTS)
            rows = cursor.fetchall()
            return time.perf_counter() - started, len(rows)
    finally:
        conn.close()


EXPECTED_LEVIES = f"""
COPY (SELECT o.id, sum(l.quantity) * {LEVY_PER_BAG} FROM orders o JOIN order_lines l ON l.order_id = o.id
       WHERE o.payment_status = 'paid' GROUP BY o.id) TO STDOUT
"""

MISMATCHES = """
SELECT count(*) FROM expected_levies x
  FULL JOIN (SELECT order_id, sum(amount_satang) AS amount FROM credits GROUP BY order_id) c
    ON c.order_id = x.order_id
 WHERE x.amount IS DISTINCT FROM c.amount
"""


def reconcile(marketplace_dsn, funds_dsn):
    """Export each paid order's expected levy from the marketplace with COPY, load it into the
    funds database, count the orders whose credits differ. Returns (seconds, mismatches)."""
    started = time.perf_counter()
    exported = io.BytesIO()
    source = psycopg2.connect(marketplace_dsn)
    try:
        with source, source.cursor() as cursor:
            cursor.copy_expert(EXPECTED_LEVIES, exported)
    finally:
        source.close()
    exported.seek(0)
    target = psycopg2.connect(funds_dsn)
    try:
        with target, target.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE expected_levies (order_id uuid, amount bigint) ON COMMIT DROP")
            cursor.copy_expert("COPY expected_levies FROM STDIN", exported)
            cursor.execute("ANALYZE expected_levies")
            cursor.execute(MISMATCHES)
            mismatches = cursor.fetchone()[0]
    finally:
        target.close()
    return time.perf_counter() - started, mismatches


def run(admin_dsn_of, database_prefix, order_lines, progress):
    """All data-scale figures; ``admin_dsn_of(name)`` creates database ``name`` and returns its DSN."""
    orders = order_lines // 2
    marketplace_dsn = admin_dsn_of(f"{database_prefix}_orders")
    funds_dsn = admin_dsn_of(f"{database_prefix}_ledger")
    migrate(marketplace_dsn, resources.files("marketplace").joinpath("migrations"))
    migrate(funds_dsn, resources.files("funds").joinpath("migrations"))
    progress(f"data: loading {order_lines:,} order lines and their ledger with COPY")
    started = time.perf_counter()
    load_marketplace(marketplace_dsn, orders)
    entries = load_funds(funds_dsn, orders)
    load_s = time.perf_counter() - started
    progress(f"data: loaded {entries:,} ledger entries in {load_s:.1f}s; reading balances")
    timings = balance_reads(funds_dsn, 500)
    statements_s, statement_rows = monthly_statements(funds_dsn)
    progress(f"data: {statement_rows:,} monthly statements in {statements_s:.2f}s; reconciling")
    reconcile_s, mismatches = reconcile(marketplace_dsn, funds_dsn)
    progress(f"data: reconciled {order_lines:,} order lines in {reconcile_s:.2f}s, {mismatches} mismatches")
    return {
        "ledger_entries": entries, "load_s": round(load_s, 2),
        "balance_read_ms": round(percentile(timings, 0.5), 3),
        "balance_read_p99_ms": round(percentile(timings, 0.99), 3),
        "balance_from_entries_ms": round(balance_from_entries_ms(funds_dsn), 3),
        "statements_s": round(statements_s, 3), "statement_rows": statement_rows, "statement_funds": FUNDS,
        "reconcile_s": round(reconcile_s, 3), "reconcile_order_lines": order_lines,
        "reconcile_mismatches": mismatches, "reconcile_expected_mismatches": expected_mismatches(orders),
    }
