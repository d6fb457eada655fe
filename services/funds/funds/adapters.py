"""PostgreSQL repositories of the funds service."""
import json
import uuid

from chassis.uow import UnitOfWork
from funds.ledger import fund_account
from funds.levy import Agreement


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


class Officers:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, officer):
        self.cursor.execute(
            "INSERT INTO officers (id, fund_id, name, email, language, preferences, active)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (officer["officer_id"], officer["fund_id"], officer["name"], officer["email"],
             officer["language"], json.dumps(officer["preferences"]), officer["active"]))

    def ids_of_fund(self, fund_id):
        self.cursor.execute("SELECT id FROM officers WHERE fund_id = %s AND active ORDER BY id", (fund_id,))
        return [row["id"] for row in self.cursor.fetchall()]

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
            " product_ids, recipient, fund_id, effective_from, effective_to)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (agreement.id, agreement.version, agreement.seller_org_id, agreement.basis,
             agreement.rate, agreement.category,
             list(agreement.product_ids) if agreement.product_ids else None,
             agreement.recipient, agreement.fund_id, agreement.effective_from,
             agreement.effective_to))

    def for_seller(self, seller_org_id):
        """The latest version of each of the seller's agreements."""
        self.cursor.execute(
            "SELECT DISTINCT ON (id) id, version, seller_org_id, basis, rate, category, product_ids,"
            " recipient, fund_id, effective_from, effective_to FROM levy_agreements"
            " WHERE seller_org_id = %s ORDER BY id, version DESC", (seller_org_id,))
        return [Agreement(**{**row, "product_ids": tuple(row["product_ids"]) if row["product_ids"] else None})
                for row in self.cursor.fetchall()]


class Credits:
    def __init__(self, cursor):
        self.cursor = cursor

    def add(self, credit):
        """Insert unless this (order, fund, agreement) already has a credit; True if inserted."""
        self.cursor.execute(
            "INSERT INTO credits (id, order_id, fund_id, agreement_id, agreement_version,"
            " seller_org_id, buyer_org_id, amount_satang, lines, status, source_event_id)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (order_id, fund_id, agreement_id) DO NOTHING RETURNING id",
            (credit["id"], credit["order_id"], credit["fund_id"], credit["agreement_id"],
             credit["agreement_version"], credit["seller_org_id"], credit["buyer_org_id"],
             credit["amount_satang"], json.dumps(credit["lines"], default=str), credit["status"],
             credit["source_event_id"]))
        return self.cursor.fetchone() is not None


class Ledger:
    def __init__(self, cursor):
        self.cursor = cursor

    def record(self, kind, credit_id, source_event_id, legs, fund_id=None):
        transaction_id = uuid.uuid4()
        self.cursor.execute(
            "INSERT INTO ledger_transactions (id, kind, credit_id, source_event_id) VALUES (%s, %s, %s, %s)",
            (transaction_id, kind, credit_id, source_event_id))
        for account, phase, amount in legs:
            owner = fund_id if account == fund_account(fund_id) else None
            column = "pending_satang" if phase == "pending" else "posted_satang"
            self.cursor.execute(
                f"INSERT INTO accounts (code, fund_id, {column}) VALUES (%s, %s, %s)"
                f" ON CONFLICT (code) DO UPDATE SET {column} = accounts.{column} + EXCLUDED.{column}",
                (account, owner, amount))
            self.cursor.execute(
                "INSERT INTO ledger_entries (transaction_id, account, phase, amount_satang)"
                " VALUES (%s, %s, %s, %s)", (transaction_id, account, phase, amount))
        return transaction_id

    def balance(self, fund_id):
        self.cursor.execute(
            "SELECT posted_satang, pending_satang FROM accounts WHERE code = %s", (fund_account(fund_id),))
        row = self.cursor.fetchone()
        return {"posted_satang": row["posted_satang"] if row else 0,
                "pending_satang": row["pending_satang"] if row else 0}


class FundsUnitOfWork(UnitOfWork):
    def __init__(self, cursor):
        super().__init__(cursor)
        self.organisations = Organisations(cursor)
        self.funds = Funds(cursor)
        self.officers = Officers(cursor)
        self.agreements = Agreements(cursor)
        self.credits = Credits(cursor)
        self.ledger = Ledger(cursor)
