"""nameko entrypoints of the funds service: thin, the logic lives in ``handlers`` (whose table
the events are consumed through)."""
import logging

from werkzeug.wrappers import Response

from chassis.http import http, path_uuid
from chassis.service import ConfiguredTimer, PlatformService

from funds import bootstrap, handlers, issuing, reconciler, schemas, statements

log = logging.getLogger(__name__)

OPERATOR = ("operator",)
OFFICERS = ("operator", "officer")  # a fund officer sees their own funds only (handlers)
MONTH = {"month": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}}


class FundsService(PlatformService):
    name = "funds"
    event_handlers = handlers.EVENT_HANDLERS
    bootstrap = staticmethod(bootstrap.bootstrap)

    # -- reconciliation (off unless RECONCILE_INTERVAL_S > 0) ----------------------------
    @ConfiguredTimer.decorator("reconcile_interval_s")
    def reconcile_periodically(self):
        """Compare recent paid orders with the ledger; drift goes to the metrics and the log."""
        try:
            reconciler.periodic(self.db, self.app)
        except reconciler.MarketplaceError as exc:
            log.warning("reconciliation skipped: %s", exc)

    # -- monthly statements (each fund's, once per closed month) --------------------------
    @ConfiguredTimer.decorator("statement_issue_interval_s")
    def issue_statements_periodically(self):
        """Issue the last closed month's statements not issued yet (statement.issued)."""
        issuing.issue(self.db, self.app)

    # -- HTTP --------------------------------------------------------------------------
    @http("POST", "/v1/levy-agreements", body=schemas.AgreementIn, response=schemas.AgreementOut, status=201,
          roles=OPERATOR)
    def create_agreement(self, body):
        """ทำข้อตกลงเงินสมทบ (create a levy agreement)

        ผู้ขายสมทบเงินจากยอดขายให้กองทุน ตามอัตราต่อหน่วยหรือร้อยละ เจ้าหน้าที่เท่านั้น (a seller's
        levy on its sales for a fund, per unit or per cent; operators only)."""
        with self.unit_of_work() as uow:
            return handlers.create_agreement(uow, body)

    @http("PUT", "/v1/levy-agreements/<agreement_id>", body=schemas.AgreementIn, response=schemas.AgreementOut,
          status=201, roles=OPERATOR)
    def revise_agreement(self, agreement_id, body):
        """แก้ไขข้อตกลงเงินสมทบเป็นฉบับใหม่ (revise a levy agreement)

        การชำระต่อจากนี้ใช้ฉบับใหม่ เงินสมทบที่ได้แล้วคงตามฉบับเดิม เจ้าหน้าที่เท่านั้น (payments from
        now on use the new version; earlier credits keep theirs; operators only)."""
        agreement_id = path_uuid(agreement_id, "agreement_id")
        with self.unit_of_work() as uow:
            return handlers.revise_agreement(uow, agreement_id, body)

    @http("GET", "/v1/levy-agreements", query=schemas.AgreementsQuery, response=schemas.AgreementList,
          roles=OPERATOR)
    def list_agreements(self, query):
        """รายการข้อตกลงเงินสมทบ (list levy agreements)"""
        with self.unit_of_work() as uow:
            return {"agreements": uow.agreements.listing(query.get("seller_org_id"), query["all_versions"])}

    @http("POST", "/v1/funds/<fund_id>/officers", body=schemas.OfficerIn, response=schemas.OfficerOut,
          status=201, roles=OPERATOR, errors={409: "อีเมลนี้ลงทะเบียนกับกองทุนนี้แล้ว (the email is already "
                                                   "registered for this fund)"})
    def register_officer(self, fund_id, body):
        """ลงทะเบียนเจ้าหน้าที่กองทุน (register a fund officer)

        เจ้าหน้าที่กองทุนได้อีเมลแจ้งเงินสมทบ เจ้าหน้าที่ระบบเท่านั้น (the fund's officers are emailed
        its levy credits; operators only)."""
        with self.unit_of_work() as uow:
            return handlers.register_officer(uow, path_uuid(fund_id, "fund_id"), body)

    @http("GET", "/v1/officers", query=schemas.OfficersQuery, response=schemas.OfficerList, roles=OPERATOR)
    def find_officers(self, query):
        """ค้นหาเจ้าหน้าที่กองทุนตามอีเมล (find fund officers by email)

        เจ้าหน้าที่กองทุนที่ยังปฏิบัติงานซึ่งใช้อีเมลนี้ (ไม่สนตัวพิมพ์เล็กใหญ่) ทุกกองทุน เจ้าหน้าที่ระบบเท่านั้น
        (the active officers with this email, in any case, of every fund; operators only)."""
        with self.unit_of_work() as uow:
            return handlers.officers_with_email(uow, query["email"])

    @http("GET", "/v1/officers/<officer_id>", response=schemas.OfficerOut, roles=OFFICERS)
    def get_officer(self, principal, officer_id):
        """ข้อมูลเจ้าหน้าที่กองทุน (a fund officer's record)

        เจ้าหน้าที่กองทุนเห็นเฉพาะของตน (an officer sees only their own)."""
        officer_id = path_uuid(officer_id, "officer_id")
        with self.unit_of_work() as uow:
            return handlers.officer_view(uow, principal, officer_id)

    @http("PATCH", "/v1/officers/<officer_id>", body=schemas.OfficerPatch, response=schemas.OfficerOut,
          roles=OFFICERS, errors={409: handlers.EMAIL_TAKEN})
    def change_officer(self, principal, officer_id, body):
        """แก้ไขข้อมูลเจ้าหน้าที่กองทุน (change a fund officer's record)

        ชื่อ อีเมล ภาษา หรือการรับอีเมล (preferences: เฉพาะค่าที่ส่งมา) เจ้าหน้าที่กองทุนแก้ได้เฉพาะของตน
        (name, email, language or preferences, merged: only those sent change; an officer changes only
        their own record)."""
        officer_id = path_uuid(officer_id, "officer_id")
        with self.unit_of_work() as uow:
            return handlers.change_officer(uow, principal, officer_id, body)

    @http("GET", "/v1/funds/<fund_id>", response=schemas.FundOut, roles=OFFICERS)
    def get_fund(self, principal, fund_id):
        """กองทุนและยอดเงิน (a fund and its balance)

        เจ้าหน้าที่กองทุนเห็นเฉพาะกองทุนของตน (an officer sees only their own funds)."""
        with self.unit_of_work() as uow:
            return handlers.fund_view(uow, principal, path_uuid(fund_id, "fund_id"))

    @http("GET", "/v1/funds/<fund_id>/entries", query=schemas.EntriesQuery, response=schemas.EntriesPageOut,
          roles=OFFICERS)
    def list_entries(self, principal, fund_id, query):
        """รายการบัญชีของกองทุน (a fund's ledger entries, newest first)"""
        fund_id = path_uuid(fund_id, "fund_id")
        with self.unit_of_work() as uow:
            return handlers.entries_page(uow, principal, fund_id, query)

    @http("GET", "/v1/funds/<fund_id>/statements/<month>", query=schemas.StatementQuery,
          response=schemas.StatementOut, media={"text/csv": {"schema": {"type": "string"}}}, path=MONTH,
          roles=OFFICERS)
    def get_statement(self, principal, fund_id, month, query):
        """รายงานประจำเดือนของกองทุน (a fund's monthly statement)

        month เป็น YYYY-MM (ค.ศ.) ได้ JSON หรือ CSV ตาม format (month is YYYY-MM; JSON, or CSV with
        format=csv)."""
        fund_id = path_uuid(fund_id, "fund_id")
        with self.unit_of_work() as uow:
            view = handlers.monthly_statement(uow, principal, fund_id, month)
        if query["format"] == "csv":
            return Response(statements.statement_csv(view), content_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition":
                                     f'attachment; filename="statement-{fund_id}-{view["month"]}.csv"'})
        return view

    @http("GET", "/v1/funds/<fund_id>/levy-by-month", query=schemas.LevyByMonthQuery,
          response=schemas.LevyByMonthOut, roles=OFFICERS)
    def get_levy_by_month(self, principal, fund_id, query):
        """เงินสมทบของกองทุนรายเดือน (a fund's levy per month)

        months เดือนล่าสุด (1–36 ค่าเริ่มต้น 12) เก่าสุดก่อน รวมเดือนที่ไม่มีเงินสมทบ credited_satang
        คือเงินสมทบที่รับ (รอยืนยัน) หักที่ยกเลิกและคืนในเดือนนั้น posted_satang คือที่ยืนยันในเดือนนั้น
        เดือนตามเวลาประเทศไทย (the last months, oldest first, empty ones included: levy credited less
        voids and reversals, and levy posted, per calendar month in Asia/Bangkok)."""
        fund_id = path_uuid(fund_id, "fund_id")
        with self.unit_of_work() as uow:
            return handlers.levy_by_month(uow, principal, fund_id, query["months"], self.app.clock())

    @http("GET", "/v1/rollups", query=schemas.RollupQuery, response=schemas.RollupOut, roles=OFFICERS)
    def get_rollups(self, principal, query):
        """ยอดรวมของกองทุนตามภาค กลุ่มจังหวัด หรือศูนย์ (fund balances by region, group or centre)

        by เป็น region, province_group หรือ centre เลือก trade_kind ได้ (sale, share, exchange) (by is
        region, province_group or centre; optionally one trade kind)."""
        with self.unit_of_work() as uow:
            return handlers.rollup(uow, principal, query["by"], query.get("trade_kind"))

    @http("GET", "/v1/reports/routes", query=schemas.RoutesQuery, response=schemas.RoutesOut, roles=OFFICERS)
    def get_routes_report(self, principal, query):
        """เงินสมทบและปริมาณการค้าตามเส้นทาง ต้นทาง → ปลายทาง (levy and volume per route)

        by เป็น province (จังหวัด) หรือ group (กลุ่มจังหวัด) เลือก trade_kind ได้ (sale, share,
        exchange) เจ้าหน้าที่กองทุนเห็นเฉพาะกองทุนของตน (by province or province group, optionally one
        trade kind; an officer sees only their own funds)."""
        with self.unit_of_work() as uow:
            return handlers.routes_report(uow, principal, query["by"], query.get("trade_kind"))
