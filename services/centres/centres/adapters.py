"""PostgreSQL repositories of the registry."""
import json

from chassis.uow import UnitOfWork


class Organisations:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, org):
        self.cursor.execute(
            "INSERT INTO organisations (id, name_th, name_en, kind, subdistrict_code, place,"
            " centre_id, home_fund_id, demo) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (org["organisation_id"], org["name_th"], org["name_en"], org["kind"],
             org["place"]["subdistrict_code"], json.dumps(org["place"], ensure_ascii=False),
             org["centre_id"], org["home_fund_id"], org["demo"]),
        )

    def _one(self, where, params):
        self.cursor.execute(
            "SELECT id AS organisation_id, name_th, name_en, kind, place, centre_id, home_fund_id,"
            f" demo FROM organisations WHERE {where}", params)
        return self.cursor.fetchone()

    def get(self, organisation_id):
        return self._one("id = %s", (organisation_id,))

    def find(self, name_th, subdistrict_code):
        return self._one("name_th = %s AND subdistrict_code = %s", (name_th, subdistrict_code))


class Funds:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, fund):
        self.cursor.execute(
            "INSERT INTO funds (id, name_th, name_en, subdistrict_code, place, centre_id, demo)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (fund["fund_id"], fund["name_th"], fund["name_en"], fund["place"]["subdistrict_code"],
             json.dumps(fund["place"], ensure_ascii=False), fund["centre_id"], fund["demo"]),
        )

    def _one(self, where, params):
        self.cursor.execute(
            f"SELECT id AS fund_id, name_th, name_en, place, centre_id, demo FROM funds WHERE {where}",
            params)
        return self.cursor.fetchone()

    def get(self, fund_id):
        return self._one("id = %s", (fund_id,))

    def find(self, name_th, subdistrict_code):
        return self._one("name_th = %s AND subdistrict_code = %s", (name_th, subdistrict_code))


class RegistryUnitOfWork(UnitOfWork):
    def __init__(self, cursor):
        super().__init__(cursor)
        self.organisations = Organisations(cursor)
        self.funds = Funds(cursor)
