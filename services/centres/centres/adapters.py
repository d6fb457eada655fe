"""PostgreSQL repositories of the registry."""
import json

from chassis.db import unique_or_conflict
from chassis.uow import UnitOfWork

JSON_COLUMNS = {"place", "contacts", "partner_agencies"}


class Repository:
    """One table of registered bodies: ``id`` plus ``columns``; ``place`` holds the resolved place."""

    table = None
    id_key = None
    columns = ()

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

    def _select(self):
        return f"SELECT id AS {self.id_key}, {', '.join(self.columns)} FROM {self.table}"

    def get(self, record_id):
        self.cursor.execute(f"{self._select()} WHERE id = %s", (record_id,))
        return self.cursor.fetchone()

    def find(self, name_key, subdistrict_code):
        self.cursor.execute(f"{self._select()} WHERE name_key = %s AND subdistrict_code = %s",
                            (name_key, subdistrict_code))
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
        ):
            if value is not None:
                conditions.append(condition)
                params.append(value)
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        self.cursor.execute(
            f"SELECT id AS {self.id_key}, {', '.join(self.columns)}, count(*) OVER () AS total"
            f" FROM {self.table} {where} ORDER BY name_th, id LIMIT %s OFFSET %s",
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
    columns = COMMON_COLUMNS + ("kind", "centre_id", "home_fund_id", "juristic_id", "tax_id")


class Funds(Repository):
    table, id_key = "funds", "fund_id"
    columns = COMMON_COLUMNS + ("centre_id",)


class Centres(Repository):
    table, id_key = "centres", "centre_id"
    columns = COMMON_COLUMNS + ("intake_year_be", "focus_areas", "contacts", "partner_agencies")

    def _focus_area_condition(self):
        return "focus_areas @> ARRAY[%s]"


class RegistryUnitOfWork(UnitOfWork):
    def __init__(self, cursor):
        super().__init__(cursor)
        self.organisations = Organisations(cursor)
        self.funds = Funds(cursor)
        self.centres = Centres(cursor)
