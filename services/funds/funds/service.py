"""nameko entrypoints of the funds service: thin, the logic lives in ``handlers`` (whose table
the events are consumed through)."""
import logging

from werkzeug.wrappers import Response

from chassis.http import http, load, load_body, path_uuid
from chassis.service import ConfiguredTimer, PlatformService

from funds import bootstrap, handlers, reconciler, schemas, statements
from funds.adapters import FundsUnitOfWork

log = logging.getLogger(__name__)

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

    # -- HTTP --------------------------------------------------------------------------
    @http("POST", "/v1/levy-agreements", body=schemas.AgreementIn, response=schemas.AgreementOut, status=201)
    def create_agreement(self, request):
        """ทำข้อตกลงเงินสมทบ (create a levy agreement)

        ผู้ขายสมทบเงินจากยอดขายให้กองทุน ตามอัตราต่อหน่วยหรือร้อยละ เจ้าหน้าที่เท่านั้น (a seller's
        levy on its sales for a fund, per unit or per cent; operators only)."""
        self.db.principal(request).require("operator")
        command = load_body(request, schemas.AgreementIn())
        with self.db.unit_of_work(FundsUnitOfWork) as uow:
            agreement = handlers.create_agreement(uow, command)
        return 201, schemas.AgreementOut().dump(agreement)

    @http("PUT", "/v1/levy-agreements/<agreement_id>", body=schemas.AgreementIn, response=schemas.AgreementOut,
          status=201)
    def revise_agreement(self, request, agreement_id):
        """แก้ไขข้อตกลงเงินสมทบเป็นฉบับใหม่ (revise a levy agreement)

        การชำระต่อจากนี้ใช้ฉบับใหม่ เงินสมทบที่ได้แล้วคงตามฉบับเดิม เจ้าหน้าที่เท่านั้น (payments from
        now on use the new version; earlier credits keep theirs; operators only)."""
        self.db.principal(request).require("operator")
        agreement_id = path_uuid(agreement_id, "agreement_id")
        command = load_body(request, schemas.AgreementIn())
        with self.db.unit_of_work(FundsUnitOfWork) as uow:
            agreement = handlers.revise_agreement(uow, agreement_id, command)
        return 201, schemas.AgreementOut().dump(agreement)

    @http("GET", "/v1/levy-agreements", query=schemas.AgreementsQuery, response=schemas.AgreementList)
    def list_agreements(self, request):
        """รายการข้อตกลงเงินสมทบ (list levy agreements)"""
        self.db.principal(request).require("operator")
        query = load(schemas.AgreementsQuery(), request.args.to_dict())
        with self.db.unit_of_work(FundsUnitOfWork) as uow:
            agreements = uow.agreements.listing(query.get("seller_org_id"), query["all_versions"])
        return 200, {"agreements": schemas.AgreementOut(many=True).dump(agreements)}

    @http("POST", "/v1/funds/<fund_id>/officers", body=schemas.OfficerIn, response=schemas.OfficerOut,
          status=201, errors={409: "อีเมลนี้ลงทะเบียนกับกองทุนนี้แล้ว (the email is already registered "
                                   "for this fund)"})
    def register_officer(self, request, fund_id):
        """ลงทะเบียนเจ้าหน้าที่กองทุน (register a fund officer)

        เจ้าหน้าที่กองทุนได้อีเมลแจ้งเงินสมทบ เจ้าหน้าที่ระบบเท่านั้น (the fund's officers are emailed
        its levy credits; operators only)."""
        self.db.principal(request).require("operator")
        command = load_body(request, schemas.OfficerIn())
        with self.db.unit_of_work(FundsUnitOfWork) as uow:
            officer = handlers.register_officer(uow, path_uuid(fund_id, "fund_id"), command)
        return 201, schemas.OfficerOut().dump(officer)

    @http("GET", "/v1/funds/<fund_id>", response=schemas.FundOut)
    def get_fund(self, request, fund_id):
        """กองทุนและยอดเงิน (a fund and its balance)

        เจ้าหน้าที่กองทุนเห็นเฉพาะกองทุนของตน (an officer sees only their own funds)."""
        principal = self.db.principal(request).require("operator", "officer")
        with self.db.unit_of_work(FundsUnitOfWork) as uow:
            view = handlers.fund_view(uow, principal, path_uuid(fund_id, "fund_id"))
        return 200, schemas.FundOut().dump(view)

    @http("GET", "/v1/funds/<fund_id>/entries", query=schemas.EntriesQuery, response=schemas.EntriesPageOut)
    def list_entries(self, request, fund_id):
        """รายการบัญชีของกองทุน (a fund's ledger entries, newest first)"""
        principal = self.db.principal(request).require("operator", "officer")
        fund_id = path_uuid(fund_id, "fund_id")
        query = load(schemas.EntriesQuery(), request.args.to_dict())
        with self.db.unit_of_work(FundsUnitOfWork) as uow:
            page = handlers.entries_page(uow, principal, fund_id, query)
        return 200, schemas.EntriesPageOut().dump(page)

    @http("GET", "/v1/funds/<fund_id>/statements/<month>", query=schemas.StatementQuery,
          response=schemas.StatementOut, media={"text/csv": {"schema": {"type": "string"}}}, path=MONTH)
    def get_statement(self, request, fund_id, month):
        """รายงานประจำเดือนของกองทุน (a fund's monthly statement)

        month เป็น YYYY-MM (ค.ศ.) ได้ JSON หรือ CSV ตาม format (month is YYYY-MM; JSON, or CSV with
        format=csv)."""
        principal = self.db.principal(request).require("operator", "officer")
        fund_id = path_uuid(fund_id, "fund_id")
        query = load(schemas.StatementQuery(), request.args.to_dict())
        with self.db.unit_of_work(FundsUnitOfWork) as uow:
            view = handlers.monthly_statement(uow, principal, fund_id, month)
        if query["format"] == "csv":
            return Response(statements.statement_csv(view), content_type="text/csv; charset=utf-8",
                            headers={"Content-Disposition":
                                     f'attachment; filename="statement-{fund_id}-{view["month"]}.csv"'})
        return 200, schemas.StatementOut().dump(view)

    @http("GET", "/v1/rollups", query=schemas.RollupQuery, response=schemas.RollupOut)
    def get_rollups(self, request):
        """ยอดรวมของกองทุนตามภาค กลุ่มจังหวัด หรือศูนย์ (fund balances by region, group or centre)

        by เป็น region, province_group หรือ centre (by is region, province_group or centre)."""
        principal = self.db.principal(request).require("operator", "officer")
        query = load(schemas.RollupQuery(), request.args.to_dict())
        with self.db.unit_of_work(FundsUnitOfWork) as uow:
            view = handlers.rollup(uow, principal, query["by"])
        return 200, schemas.RollupOut().dump(view)
