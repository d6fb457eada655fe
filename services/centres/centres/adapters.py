"""PostgreSQL repositories of the registry."""
import json

from chassis.db import unique_or_conflict
from chassis.uow import UnitOfWork

JSON_COLUMNS = {"place", "contacts", "partner_agencies", "opening_hours", "contact"}


class Repository:
    """One table of registered bodies: ``id`` plus ``columns``; ``place`` holds the resolved place."""

    table = None
    id_key = None
    columns = ()
    derived = ()        # read, never written: SQL expressions with their names
    order_by = "name_th, id"

    def __init__(self, cursor):
        self.cursor = cursor

    def _values(self, record):
        return [json.dumps(record[column], ensure_ascii=False) if column in JSON_COLUMNS else record[column]
                for column in self.columns]

    def _write(self, sql, params):
        # the domain checks names first; a concurrent twin or a reused registration number lands here
        with unique_or_conflict(self.cursor, "ซ้ำกับที่ลงทะเบียนไว้แล้ว"):
            self.cursor.execute(sql, params)

    def add(self, record):
        columns = ("id", "subdistrict_code") + self.columns
        self._write(
            f"INSERT INTO {self.table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})",
            [record[self.id_key], record["place"]["subdistrict_code"], *self._values(record)])

    def update(self, record):
        assignments = ", ".join(f"{column} = %s" for column in ("subdistrict_code",) + self.columns)
        self._write(f"UPDATE {self.table} SET {assignments}, updated_at = now() WHERE id = %s",
                    [record["place"]["subdistrict_code"], *self._values(record), record[self.id_key]])

    def _selected(self):
        return ", ".join((f"id AS {self.id_key}",) + self.columns + self.derived)

    def _select(self):
        return f"SELECT {self._selected()} FROM {self.table}"

    def get(self, record_id):
        self.cursor.execute(f"{self._select()} WHERE id = %s", (record_id,))
        return self.cursor.fetchone()

    def find(self, **values):
        """The record with these column values (a kind's ``unique_by``), or None."""
        self.cursor.execute(f"{self._select()} WHERE {' AND '.join(f'{column} = %s' for column in values)}",
                            list(values.values()))
        return self.cursor.fetchone()

    def named(self, name_key):
        self.cursor.execute(f"{self._select()} WHERE name_key = %s", (name_key,))
        return self.cursor.fetchall()

    def _focus_area_condition(self):
        return "centre_id IN (SELECT id FROM centres WHERE focus_areas @> ARRAY[%s])"

    def search(self, criteria):
        """(records, total) matching ``criteria`` (see centres.queries.criteria), by Thai name."""
        conditions, params = [], []
        for condition, value in (
            ("place->>'province_code' = ANY(%s)", criteria["province_codes"]),
            ("place->>'district_code' = %s", criteria["district"]),
            ("subdistrict_code = %s", criteria["subdistrict"]),
            (self._focus_area_condition(), criteria["focus_area"]),
            ("name_key LIKE %s", criteria["name_key"] and f"%{like_escape(criteria['name_key'])}%"),
            ("kind = %s", criteria["kind"]),
            ("centre_id = %s", criteria["centre_id"]),
            ("%s = ANY(serves_groups)", criteria["serves_group"]),
            ("status = %s", criteria["status"]),
            ("organisation_id = %s", criteria["organisation_id"]),
            ("year_be = %s", criteria["year_be"]),
            ("focus = %s", criteria["focus"]),
            ("EXISTS (SELECT 1 FROM jsonb_array_elements(contacts) contact"
             " WHERE lower(contact->>'email') = lower(%s))", criteria["contact_email"]),
        ):
            if value is not None:
                conditions.append(condition)
                params.append(value)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        self.cursor.execute(
            f"SELECT {self._selected()}, count(*) OVER () AS total"
            f" FROM {self.table} {where} ORDER BY {self.order_by} LIMIT %s OFFSET %s",
            [*params, criteria["limit"], criteria["offset"]])
        rows = self.cursor.fetchall()
        if not rows and criteria["offset"]:
            self.cursor.execute(f"SELECT count(*) AS total FROM {self.table} {where}", params)
            return [], self.cursor.fetchone()["total"]
        return rows, rows[0]["total"] if rows else 0

    def count_by_province(self):
        self.cursor.execute(
            f"SELECT place->>'province_code' AS province, count(*) AS n FROM {self.table} GROUP BY 1")
        return {row["province"]: row["n"] for row in self.cursor.fetchall()}


def like_escape(text):
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


COMMON_COLUMNS = ("name_th", "name_en", "name_key", "place", "demo")


class Organisations(Repository):
    table, id_key = "organisations", "organisation_id"
    columns = COMMON_COLUMNS + ("kind", "centre_id", "home_fund_id", "juristic_id", "tax_id", "contacts")


class Funds(Repository):
    table, id_key = "funds", "fund_id"
    columns = COMMON_COLUMNS + ("centre_id",)


class Centres(Repository):
    table, id_key = "centres", "centre_id"
    columns = COMMON_COLUMNS + ("status", "intake_year_be", "focus_areas", "contacts", "partner_agencies")

    def _focus_area_condition(self):
        return "focus_areas @> ARRAY[%s]"


class DistributionCentres(Repository):
    table, id_key = "distribution_centres", "distribution_centre_id"
    columns = COMMON_COLUMNS + ("address", "opening_hours", "time_zone", "contact", "serves_groups", "status")


class CommunityPlans(Repository):
    table, id_key = "community_plans", "plan_id"
    columns = ("organisation_id", "place", "year_be", "focus", "status", "demo")
    # the organisation's name as it is now, not as it was when the plan was registered
    derived = ("(SELECT name_th FROM organisations WHERE organisations.id = community_plans.organisation_id)"
               " AS organisation_name_th",)
    order_by = "year_be DESC, subdistrict_code, id"


class TradeFacts:
    """The trade coverage counts: one row per paid order (its seller), and per share (its giver) or
    exchange (each side), whoever announces it again."""

    def __init__(self, cursor):
        self.cursor = cursor

    def record(self, order_id, seller_org_id, paid_at, event_id):
        """True if this order's sale is new."""
        self.cursor.execute(
            "INSERT INTO trade_facts (order_id, seller_org_id, paid_at, event_id) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (order_id) DO NOTHING RETURNING order_id",
            (order_id, seller_org_id, paid_at, event_id))
        return self.cursor.fetchone() is not None

    def record_goods_trade(self, kind, trade_id, org_ids, traded_at, event_id):
        """A share ("share") or an exchange ("exchange") that ``org_ids`` took part in; how many
        of them are new to it."""
        new = 0
        for org_id in org_ids:
            self.cursor.execute(
                "INSERT INTO goods_trade_facts (kind, trade_id, org_id, traded_at, event_id)"
                " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (kind, trade_id, org_id) DO NOTHING RETURNING org_id",
                (kind, trade_id, org_id, traded_at, event_id))
            new += self.cursor.fetchone() is not None
        return new


class CoverageFacts:
    """What the coverage report counts, per subdistrict code (centres.queries.coverage_report)."""

    def __init__(self, cursor):
        self.cursor = cursor

    def _counts(self, sql):
        self.cursor.execute(sql)
        return [tuple(row.values()) for row in self.cursor.fetchall()]

    def by_subdistrict(self):
        """{fact: [(subdistrict code, status or None, count)]}"""
        by_status = "SELECT subdistrict_code, status, count(*) FROM {} GROUP BY 1, 2"
        return {
            "plans": self._counts(by_status.format("community_plans")),
            "centres": self._counts(by_status.format("centres")),
            "distribution_centres": self._counts(by_status.format("distribution_centres")),
            "trade": self._counts(
                "SELECT organisations.subdistrict_code, NULL, count(*) FROM ("
                " SELECT seller_org_id AS org_id FROM trade_facts"
                " UNION ALL SELECT org_id FROM goods_trade_facts) AS traded"
                " JOIN organisations ON organisations.id = traded.org_id GROUP BY 1"),
        }


class RegistryUnitOfWork(UnitOfWork):
    def __init__(self, cursor):
        super().__init__(cursor)
        self.organisations = Organisations(cursor)
        self.funds = Funds(cursor)
        self.centres = Centres(cursor)
        self.distribution_centres = DistributionCentres(cursor)
        self.community_plans = CommunityPlans(cursor)
        self.trade = TradeFacts(cursor)
        self.coverage = CoverageFacts(cursor)
