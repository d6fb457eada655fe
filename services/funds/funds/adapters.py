"""PostgreSQL repositories of the funds service, and its levy counters (Prometheus)."""
import json
import uuid

from prometheus_client import Counter

from chassis.db import execute_together, unique_or_conflict
from chassis.uow import UnitOfWork
from funds.credits import Credit
from funds.ledger import CLEARING, UNTOTALLED, fund_account, receivable_account
from funds.levy import Agreement
from funds.settlement import Outcome


class Organisations:
    def __init__(self, cursor):
        self.cursor = cursor

    def upsert(self, org):
        self.cursor.execute(
            "INSERT INTO organisations (id, name_th, home_fund_id, place) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (id) DO UPDATE SET name_th = EXCLUDED.name_th,"
            " home_fund_id = EXCLUDED.home_fund_id, place = EXCLUDED.place, updated_at = now()",
            (org["id"], org["name_th"], org["home_fund_id"], json.dumps(org["place"], ensure_ascii=False)))

    def home_fund_of(self, organisation_id):
        self.cursor.execute("SELECT home_fund_id FROM organisations WHERE id = %s", (organisation_id,))
        row = self.cursor.fetchone()
        return row["home_fund_id"] if row else None

    def parties(self, *organisation_ids):
        """The contract Party of each organisation, in one query: its name and province as the
        registry told them (None while it has not)."""
        self.cursor.execute(
            "SELECT id, name_th, place ->> 'province_code' AS province_code,"
            " place ->> 'province_name_th' AS province_name_th FROM organisations WHERE id = ANY(%s::uuid[])",
            (list(organisation_ids),))
        known = {row["id"]: row for row in self.cursor.fetchall()}
        return [{"org_id": org_id, **{key: known.get(org_id, {}).get(key)
                                      for key in ("name_th", "province_code", "province_name_th")}}
                for org_id in organisation_ids]


class Funds:
    def __init__(self, cursor):
        self.cursor = cursor

    def upsert(self, fund):
        self.cursor.execute(
            "INSERT INTO funds (id, name_th, province_code, province_group, region, centre_id, place)"
            " VALUES (%(id)s, %(name_th)s, %(province_code)s, %(province_group)s, %(region)s,"
            " %(centre_id)s, %(place)s) ON CONFLICT (id) DO UPDATE SET name_th = EXCLUDED.name_th,"
            " province_code = EXCLUDED.province_code, province_group = EXCLUDED.province_group,"
            " region = EXCLUDED.region, centre_id = EXCLUDED.centre_id, place = EXCLUDED.place,"
            " updated_at = now()",
            {**fund, "place": json.dumps(fund["place"], ensure_ascii=False)})

    def get(self, fund_id):
        self.cursor.execute(
            "SELECT id, name_th, province_code, province_group, region, centre_id FROM funds WHERE id = %s",
            (fund_id,))
        return self.cursor.fetchone()

    def ids_without_statement(self, month):
        """The registered funds whose statement of ``month`` is not issued yet."""
        self.cursor.execute(
            "SELECT f.id FROM funds f WHERE NOT EXISTS (SELECT 1 FROM statements_issued s"
            " WHERE s.fund_id = f.id AND s.month = %s) ORDER BY f.id", (month,))
        return [row["id"] for row in self.cursor.fetchall()]

    def movement_facts(self, fund_id):
        """What a levy movement tells of its fund, in one query: the name (blank if the registry
        has not told us yet), its region and province group, the balance and the active officers."""
        self.cursor.execute(
            "SELECT coalesce(f.name_th, '') AS name_th, f.region, f.province_group,"
            " coalesce(a.posted_satang, 0) AS posted_satang, coalesce(a.pending_satang, 0) AS pending_satang,"
            " ARRAY(SELECT id FROM officers WHERE fund_id = %(fund)s AND active ORDER BY id) AS officer_ids"
            " FROM (SELECT 1) one LEFT JOIN funds f ON f.id = %(fund)s LEFT JOIN accounts a ON a.code = %(account)s",
            {"fund": fund_id, "account": fund_account(fund_id)})
        row = self.cursor.fetchone()
        return {"name_th": row["name_th"], "region": row["region"], "province_group": row["province_group"],
                "officer_ids": row["officer_ids"],
                "balance": {"posted_satang": row["posted_satang"], "pending_satang": row["pending_satang"]}}


OFFICER_COLUMNS = "id AS officer_id, fund_id, name, email, language, preferences, active"


class Officers:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, officer):
        """Adds the officer; the same email twice for one fund is a Conflict (409)."""
        with unique_or_conflict(self.cursor, "อีเมลนี้ลงทะเบียนกับกองทุนนี้แล้ว (email already registered)"):
            self.cursor.execute(
                "INSERT INTO officers (id, fund_id, name, email, language, preferences, active)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                (officer["officer_id"], officer["fund_id"], officer["name"], officer["email"],
                 officer["language"], json.dumps(officer["preferences"]), officer["active"]))

    def get(self, officer_id, lock=False):
        """The officer's snapshot (as officer.registered tells it), or None; ``lock`` holds the row."""
        self.cursor.execute(
            f"SELECT {OFFICER_COLUMNS} FROM officers WHERE id = %s" + (" FOR UPDATE" if lock else ""),
            (officer_id,))
        return self.cursor.fetchone()

    def active_with_email(self, email):
        """Every active officer with ``email`` (any case), of any fund."""
        self.cursor.execute(
            f"SELECT {OFFICER_COLUMNS} FROM officers WHERE lower(email) = lower(%s) AND active"
            " ORDER BY fund_id, id", (email,))
        return self.cursor.fetchall()

    def email_taken(self, fund_id, email, officer_id):
        """Whether another officer of the fund has ``email`` (any case)."""
        self.cursor.execute(
            "SELECT 1 FROM officers WHERE fund_id = %s AND lower(email) = lower(%s) AND id <> %s",
            (fund_id, email, officer_id))
        return self.cursor.fetchone() is not None

    def update(self, officer):
        """Saves the officer's own fields; another officer's email in the same fund is a Conflict."""
        with unique_or_conflict(self.cursor, "อีเมลนี้ลงทะเบียนกับกองทุนนี้แล้ว (email already registered)"):
            self.cursor.execute(
                "UPDATE officers SET name = %s, email = %s, language = %s, preferences = %s WHERE id = %s",
                (officer["name"], officer["email"], officer["language"], json.dumps(officer["preferences"]),
                 officer["officer_id"]))

    def funds_of(self, officer_id):
        self.cursor.execute("SELECT fund_id FROM officers WHERE id = %s AND active", (officer_id,))
        return [row["fund_id"] for row in self.cursor.fetchall()]

    def serves(self, officer_id, fund_id):
        self.cursor.execute(
            "SELECT 1 FROM officers WHERE id = %s AND fund_id = %s AND active", (officer_id, fund_id))
        return self.cursor.fetchone() is not None


class Agreements:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, agreement):
        self.cursor.execute(
            "INSERT INTO levy_agreements (id, version, seller_org_id, basis, rate, category,"
            " product_ids, recipient, fund_id, effective_from, effective_to, levies_shipping, trade_kinds)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (agreement.id, agreement.version, agreement.seller_org_id, agreement.basis,
             agreement.rate, agreement.category,
             list(agreement.product_ids) if agreement.product_ids else None,
             agreement.recipient, agreement.fund_id, agreement.effective_from,
             agreement.effective_to, agreement.levies_shipping, list(agreement.trade_kinds)))

    def latest(self, agreement_id):
        self.cursor.execute(
            f"SELECT {AGREEMENT_COLUMNS} FROM levy_agreements WHERE id = %s"
            " ORDER BY version DESC LIMIT 1 FOR UPDATE", (agreement_id,))
        row = self.cursor.fetchone()
        return _agreement(row) if row else None

    def listing(self, seller_org_id=None, all_versions=False):
        """Agreements, newest first: the latest version of each, or every version."""
        latest = "" if all_versions else "DISTINCT ON (id)"
        self.cursor.execute(
            f"SELECT * FROM (SELECT {latest} {AGREEMENT_COLUMNS}, created_at FROM levy_agreements"
            " WHERE %(seller)s::uuid IS NULL OR seller_org_id = %(seller)s::uuid"
            " ORDER BY id, version DESC) a ORDER BY created_at DESC, id, version DESC",
            {"seller": seller_org_id})
        return [_agreement(row) for row in self.cursor.fetchall()]

    def for_seller(self, seller_org_id):
        """Every version of the seller's agreements (the levy picks the one in force)."""
        self.cursor.execute(
            f"SELECT {AGREEMENT_COLUMNS} FROM levy_agreements"
            " WHERE seller_org_id = %s ORDER BY id, version", (seller_org_id,))
        return [_agreement(row) for row in self.cursor.fetchall()]


AGREEMENT_COLUMNS = ("id, version, seller_org_id, basis, rate, category, product_ids, recipient,"
                     " fund_id, effective_from, effective_to, levies_shipping, trade_kinds")


def _agreement(row):
    fields = {name: row[name] for name in AGREEMENT_COLUMNS.replace(" ", "").split(",")}
    return Agreement(**{**fields, "product_ids": tuple(row["product_ids"]) if row["product_ids"] else None,
                        "trade_kinds": tuple(row["trade_kinds"])})


CREDIT_COLUMNS = ("id, order_id, fund_id, agreement_id, agreement_version, seller_org_id, buyer_org_id,"
                  " amount_satang, lines, status, refunded, trade_kind, route")
ROUTE_COLUMNS = ("origin_province_code", "origin_province_group", "destination_province_code",
                 "destination_province_group")


def _credit(row):
    """The one place a credits row becomes a ``funds.credits.Credit``."""
    fields = {name: row[name] for name in CREDIT_COLUMNS.replace(" ", "").split(",") if name in row}
    return Credit(**{**fields, "lines": tuple(row["lines"]),
                     "refunded": {int(line_no): quantity for line_no, quantity in row["refunded"].items()}})


class Credits:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, credit, source_event_id):
        """Insert unless this (order, fund, agreement) already has a credit; True if inserted.
        ``source_event_id``: the order.paid event that froze it."""
        self.cursor.execute(
            "INSERT INTO credits (id, order_id, fund_id, agreement_id, agreement_version,"
            " seller_org_id, buyer_org_id, amount_satang, lines, status, source_event_id, trade_kind, route)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (order_id, fund_id, agreement_id) DO NOTHING RETURNING id",
            (credit.id, credit.order_id, credit.fund_id, credit.agreement_id, credit.agreement_version,
             credit.seller_org_id, credit.buyer_org_id, credit.amount_satang,
             json.dumps(list(credit.lines), default=str), credit.status, source_event_id,
             credit.trade_kind,
             json.dumps(credit.route, default=str, ensure_ascii=False) if credit.route else None))
        return self.cursor.fetchone() is not None

    def for_routes(self, fund_ids=None, trade_kind=None):
        """Every credit still holding levy or volume (not voided), with its route's provinces and
        groups (the route itself is not read), of ``fund_ids`` (None: all) and ``trade_kind``."""
        columns = CREDIT_COLUMNS.replace(", route", "")
        self.cursor.execute(
            f"SELECT {columns}, {', '.join(ROUTE_COLUMNS)} FROM credits WHERE status <> 'voided'"
            " AND (%(ids)s::uuid[] IS NULL OR fund_id = ANY(%(ids)s::uuid[]))"
            " AND (%(kind)s::text IS NULL OR trade_kind = %(kind)s)",
            {"ids": fund_ids, "kind": trade_kind})
        return [{"credit": _credit(row), **{name: row[name] for name in ROUTE_COLUMNS}}
                for row in self.cursor.fetchall()]

    def of_order(self, order_id):
        """The order's credits, locked until commit."""
        self.cursor.execute(
            f"SELECT {CREDIT_COLUMNS} FROM credits WHERE order_id = %s ORDER BY created_at, id FOR UPDATE",
            (order_id,))
        return [_credit(row) for row in self.cursor.fetchall()]

    def save_settlement(self, credit):
        self.cursor.execute(
            "UPDATE credits SET status = %s, refunded = %s WHERE id = %s",
            (credit.status, json.dumps({str(k): v for k, v in credit.refunded.items()}), credit.id))


class Outcomes:
    """What happened to orders after payment, kept so a late order.paid can catch up."""

    def __init__(self, cursor):
        self.cursor = cursor

    def lock_order(self, order_id):
        """Serialise all work on one order: a payment and an outcome handled at once must not
        each miss the other (READ COMMITTED would let both see nothing)."""
        self.cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (str(order_id),))

    def record(self, order_id, outcome, occurred_at):
        """True if new; False for an event or a refund already recorded."""
        self.cursor.execute(
            "INSERT INTO order_outcomes (order_id, kind, source_event_id, refund_id, refunded_lines,"
            " occurred_at) VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
            (order_id, outcome.kind, outcome.source_event_id, outcome.refund_id,
             json.dumps([{"line_no": n, "quantity": q} for n, q in outcome.refunded_lines]),
             occurred_at))
        return self.cursor.fetchone() is not None

    def of_order(self, order_id):
        self.cursor.execute(
            "SELECT kind, source_event_id, refund_id, refunded_lines FROM order_outcomes"
            " WHERE order_id = %s ORDER BY id", (order_id,))
        return [Outcome(row["kind"], row["source_event_id"], row["refund_id"],
                        tuple((line["line_no"], line["quantity"]) for line in row["refunded_lines"]))
                for row in self.cursor.fetchall()]


class Ledger:
    def __init__(self, cursor):
        self.cursor = cursor

    def record(self, kind, credit_id, source_event_id, legs, fund_id=None):
        """The new transaction's id, or None if this source event already had this effect."""
        transaction_id = uuid.uuid4()
        self.cursor.execute(
            "INSERT INTO ledger_transactions (id, kind, credit_id, source_event_id) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (source_event_id, kind, credit_id) DO NOTHING RETURNING id",
            (transaction_id, kind, credit_id, source_event_id))
        if self.cursor.fetchone() is None:
            return None
        statements = []
        for account, phase, amount in legs:
            owner = fund_id if account == fund_account(fund_id) else None
            column = "pending_satang" if phase == "pending" else "posted_satang"
            # open the account at zero first: a CHECK sees an upsert's proposed row before the
            # conflict, so inserting a negative amount would fail even for an existing account
            statements.append(("INSERT INTO accounts (code, fund_id) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                               (account, owner)))
            if account not in UNTOTALLED:  # the clearing account: no hot row (funds.ledger)
                statements.append((f"UPDATE accounts SET {column} = {column} + %s WHERE code = %s",
                                   (amount, account)))
            statements.append(("INSERT INTO ledger_entries (transaction_id, account, phase, amount_satang)"
                               " VALUES (%s, %s, %s, %s)", (transaction_id, account, phase, amount)))
        execute_together(self.cursor, statements)
        return transaction_id

    def balance(self, fund_id, lock=False):
        """The fund's balance; ``lock`` holds its account row until commit (no concurrent change)."""
        self.cursor.execute(
            "SELECT posted_satang, pending_satang FROM accounts WHERE code = %s"
            + (" FOR UPDATE" if lock else ""), (fund_account(fund_id),))
        row = self.cursor.fetchone()
        return {"posted_satang": row["posted_satang"] if row else 0,
                "pending_satang": row["pending_satang"] if row else 0}


class Entries:
    """Read side of the ledger: a fund account's entries with what caused them."""

    SELECT = ("SELECT e.id, e.phase, e.amount_satang, e.created_at, t.kind, t.id AS transaction_id,"
              " t.credit_id, c.order_id, c.trade_kind FROM ledger_entries e"
              " JOIN ledger_transactions t ON t.id = e.transaction_id"
              " LEFT JOIN credits c ON c.id = t.credit_id WHERE e.account = %(account)s")

    def __init__(self, cursor):
        self.cursor = cursor

    def page(self, fund_id, kind=None, phase=None, order_id=None, since=None, until=None,
             before_id=None, limit=50):
        """Newest first, at most ``limit``, older than entry ``before_id`` (the cursor)."""
        self.cursor.execute(
            self.SELECT + " AND (%(kind)s::text IS NULL OR t.kind = %(kind)s)"
            " AND (%(phase)s::text IS NULL OR e.phase = %(phase)s)"
            " AND (%(order_id)s::uuid IS NULL OR c.order_id = %(order_id)s::uuid)"
            " AND (%(since)s::timestamptz IS NULL OR e.created_at >= %(since)s)"
            " AND (%(until)s::timestamptz IS NULL OR e.created_at < %(until)s)"
            " AND (%(before)s::bigint IS NULL OR e.id < %(before)s) ORDER BY e.id DESC LIMIT %(limit)s",
            {"account": fund_account(fund_id), "kind": kind, "phase": phase, "order_id": order_id,
             "since": since, "until": until, "before": before_id, "limit": limit})
        return self.cursor.fetchall()

    def between(self, fund_id, start, end):
        self.cursor.execute(
            self.SELECT + " AND e.created_at >= %(start)s AND e.created_at < %(end)s ORDER BY e.id",
            {"account": fund_account(fund_id), "start": start, "end": end})
        return self.cursor.fetchall()

    def balance_before(self, fund_id, instant):
        """{phase: satang} of the fund's account from all entries booked before ``instant``."""
        self.cursor.execute(
            "SELECT phase, sum(amount_satang) AS total FROM ledger_entries"
            " WHERE account = %s AND created_at < %s GROUP BY phase", (fund_account(fund_id), instant))
        return {row["phase"]: row["total"] for row in self.cursor.fetchall()}


    def levy_by_month(self, fund_id, first, count):
        """{first day of a Bangkok month: {credited_satang, posted_satang}} of the ``count`` months from
        the one starting on date ``first``, in one query: credited is the levy frozen pending, less the
        voids and reversals (in either phase, a shortfall included) booked in the month; posted is the
        levy posted in it."""
        self.cursor.execute(
            "SELECT m.month::date AS month,"
            " coalesce(sum(e.amount_satang) FILTER (WHERE t.kind IN"
            " ('levy_pending', 'levy_voided', 'levy_reversed')), 0)::bigint AS credited_satang,"
            " coalesce(sum(e.amount_satang) FILTER (WHERE t.kind = 'levy_posted' AND e.phase = 'posted'"
            " AND e.account = %(account)s), 0)::bigint AS posted_satang"
            " FROM generate_series(%(first)s::timestamp, %(first)s::timestamp + (%(count)s - 1) * interval '1 month',"
            " interval '1 month') AS m(month)"
            " LEFT JOIN ledger_entries e ON e.account IN (%(account)s, %(receivable)s)"
            " AND e.created_at >= m.month AT TIME ZONE 'Asia/Bangkok'"
            " AND e.created_at < (m.month + interval '1 month') AT TIME ZONE 'Asia/Bangkok'"
            " LEFT JOIN ledger_transactions t ON t.id = e.transaction_id"
            " GROUP BY m.month ORDER BY m.month",
            {"account": fund_account(fund_id), "receivable": receivable_account(fund_id), "first": first,
             "count": count})
        return {row["month"]: row for row in self.cursor.fetchall()}


ROLLUP_KEYS = {"region": "f.region", "province_group": "f.province_group", "centre": "f.centre_id"}


class Rollups:
    def __init__(self, cursor):
        self.cursor = cursor

    def levy_by(self, by, fund_ids=None, trade_kind=None):
        """Levy held by funds (posted, pending) grouped by their region, province group or centre;
        with ``trade_kind``, only what that kind of trade's credits booked to the funds' accounts."""
        key = ROLLUP_KEYS[by]
        held = ("accounts a ON a.fund_id = f.id" if trade_kind is None else
                "(SELECT c.fund_id, sum(e.amount_satang) FILTER (WHERE e.phase = 'posted') AS posted_satang,"
                " sum(e.amount_satang) FILTER (WHERE e.phase = 'pending') AS pending_satang"
                " FROM credits c JOIN ledger_transactions t ON t.credit_id = c.id"
                " JOIN ledger_entries e ON e.transaction_id = t.id AND e.account = 'fund:' || c.fund_id"
                " WHERE c.trade_kind = %(kind)s GROUP BY c.fund_id) a ON a.fund_id = f.id")
        self.cursor.execute(
            f"SELECT {key} AS key, count(DISTINCT f.id) AS funds,"
            " coalesce(sum(a.posted_satang), 0)::bigint AS posted_satang,"
            " coalesce(sum(a.pending_satang), 0)::bigint AS pending_satang"
            f" FROM funds f LEFT JOIN {held}"
            " WHERE %(ids)s::uuid[] IS NULL OR f.id = ANY(%(ids)s::uuid[])"
            f" GROUP BY {key} ORDER BY {key} NULLS FIRST", {"ids": fund_ids, "kind": trade_kind})
        return self.cursor.fetchall()


class Reconciliation:
    """Set-wise reads of what the funds service holds, for ``funds.reconciliation``."""

    def __init__(self, cursor):
        self.cursor = cursor

    def credits_of_orders(self, order_ids):
        """{order id: [Credit, …]}"""
        self.cursor.execute(
            f"SELECT {CREDIT_COLUMNS} FROM credits WHERE order_id = ANY(%s::uuid[]) AND trade_kind = 'sale'"
            " ORDER BY created_at, id",
            (list(order_ids),))
        found = {order_id: [] for order_id in order_ids}
        for row in self.cursor.fetchall():
            found.setdefault(row["order_id"], []).append(_credit(row))
        return found

    def outcomes_of_orders(self, order_ids):
        """{order id: (source event ids, refund ids)} of the outcomes recorded."""
        self.cursor.execute(
            "SELECT order_id, source_event_id, refund_id FROM order_outcomes"
            " WHERE order_id = ANY(%s::uuid[])", (list(order_ids),))
        found = {order_id: (set(), set()) for order_id in order_ids}
        for row in self.cursor.fetchall():
            events, refunds = found.setdefault(row["order_id"], (set(), set()))
            events.add(row["source_event_id"])
            if row["refund_id"] is not None:
                refunds.add(row["refund_id"])
        return found

    def ledger_of_credits(self, credit_ids):
        """{credit id: {phase: satang}} booked to the credit's fund (its own and its receivable
        account) by the credit's transactions."""
        self.cursor.execute(
            "SELECT t.credit_id, e.phase, sum(e.amount_satang)::bigint AS total"
            " FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id"
            " WHERE t.credit_id = ANY(%s::uuid[]) AND e.account <> %s GROUP BY t.credit_id, e.phase",
            (list(credit_ids), CLEARING))
        found = {}
        for row in self.cursor.fetchall():
            found.setdefault(row["credit_id"], {})[row["phase"]] = row["total"]
        return found

    def credited_orders(self, since, until, after, limit):
        """One page of the ids of orders credited in [since, until), in id order after ``after``
        (sales only: shares and exchanges are not the marketplace's paid orders)."""
        self.cursor.execute(
            "SELECT DISTINCT order_id FROM credits WHERE trade_kind = 'sale' AND (%(since)s::timestamptz IS NULL"
            " OR created_at >= %(since)s) AND (%(until)s::timestamptz IS NULL OR created_at < %(until)s)"
            " AND (%(after)s::uuid IS NULL OR order_id > %(after)s::uuid) ORDER BY order_id LIMIT %(limit)s",
            {"since": since, "until": until, "after": after, "limit": limit})
        return [row["order_id"] for row in self.cursor.fetchall()]

    def unbalanced_transactions(self):
        self.cursor.execute(
            "SELECT transaction_id, sum(amount_satang)::bigint AS total FROM ledger_entries"
            " GROUP BY transaction_id HAVING sum(amount_satang) <> 0 ORDER BY transaction_id")
        return self.cursor.fetchall()

    def accounts_off_their_entries(self):
        self.cursor.execute(
            "SELECT a.code, a.fund_id, a.pending_satang, a.posted_satang,"
            " coalesce(e.pending, 0)::bigint AS entries_pending, coalesce(e.posted, 0)::bigint AS entries_posted"
            " FROM accounts a LEFT JOIN (SELECT account,"
            " sum(amount_satang) FILTER (WHERE phase = 'pending') AS pending,"
            " sum(amount_satang) FILTER (WHERE phase = 'posted') AS posted"
            " FROM ledger_entries GROUP BY account) e ON e.account = a.code"
            " WHERE (a.pending_satang <> coalesce(e.pending, 0) OR a.posted_satang <> coalesce(e.posted, 0))"
            " AND a.code <> ALL(%s) ORDER BY a.code", (sorted(UNTOTALLED),))
        return self.cursor.fetchall()

    def agreements_of_sellers(self, seller_ids):
        """{seller id: [every version of its agreements]}"""
        self.cursor.execute(
            f"SELECT {AGREEMENT_COLUMNS} FROM levy_agreements WHERE seller_org_id = ANY(%s::uuid[])"
            " ORDER BY id, version", (list(seller_ids),))
        found = {seller_id: [] for seller_id in seller_ids}
        for row in self.cursor.fetchall():
            found.setdefault(row["seller_org_id"], []).append(_agreement(row))
        return found

    def home_funds(self, organisation_ids):
        self.cursor.execute("SELECT id, home_fund_id FROM organisations WHERE id = ANY(%s::uuid[])",
                            (list(organisation_ids),))
        return {row["id"]: row["home_fund_id"] for row in self.cursor.fetchall()}

    def fund_names(self, fund_ids):
        self.cursor.execute("SELECT id, name_th FROM funds WHERE id = ANY(%s::uuid[])", (list(fund_ids),))
        return {row["id"]: row["name_th"] for row in self.cursor.fetchall()}


class StatementsIssued:
    def __init__(self, cursor):
        self.cursor = cursor

    def claim(self, fund_id, month, issued_at):
        """Record the statement of (fund, month) as issued; False if it was already (an instance
        issuing it at the same time waits for the other's commit, then gets False)."""
        self.cursor.execute(
            "INSERT INTO statements_issued (fund_id, month, issued_at) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING RETURNING fund_id", (fund_id, month, issued_at))
        return self.cursor.fetchone() is not None


class FundsUnitOfWork(UnitOfWork):
    def __init__(self, cursor):
        super().__init__(cursor)
        self.organisations = Organisations(cursor)
        self.funds = Funds(cursor)
        self.officers = Officers(cursor)
        self.agreements = Agreements(cursor)
        self.credits = Credits(cursor)
        self.outcomes = Outcomes(cursor)
        self.entries = Entries(cursor)
        self.rollups = Rollups(cursor)
        self.ledger = Ledger(cursor)
        self.reconciliation = Reconciliation(cursor)
        self.statements_issued = StatementsIssued(cursor)


# Levy frozen as pending credits when orders are paid (gross: voids and reversals are not subtracted),
# counted once the transaction commits. By region and province group: at most 18 series (each group
# lies in one region; "unknown" when the fund's place has none). By fund: one series per fund that
# ever received a credit (about 3,500 funds in the network: acceptable for one counter, keep it out
# of joins and dashboards' per-instance breakdowns).
LEVY_CREDITED = Counter("codi_levy_credited_satang", "Levy satang credited to funds (pending credits of "
                        "paid orders), by the fund's CODI region and province group.",
                        ["region", "province_group"])
LEVY_CREDITED_BY_FUND = Counter("codi_levy_credited_by_fund_satang", "Levy satang credited, by fund.",
                                ["fund_id"])


def count_credit(credit, fund):
    """Count a committed credit in the levy counters (``fund``: its movement facts)."""
    region = fund["region"] or "unknown"
    group = fund["province_group"]
    LEVY_CREDITED.labels(region, str(group) if group is not None else "unknown").inc(credit.amount_satang)
    LEVY_CREDITED_BY_FUND.labels(str(credit.fund_id)).inc(credit.amount_satang)
