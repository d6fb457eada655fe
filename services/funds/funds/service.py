"""nameko entrypoints of the funds service: thin, the logic lives in ``handlers``."""
from chassis.errors import Forbidden
from chassis.http import http, load_body, path_uuid
from chassis.messaging import event_consumer
from chassis.service import PlatformService
from contracts import centres, marketplace

from funds import handlers, schemas
from funds.adapters import FundsUnitOfWork


class FundsService(PlatformService):
    name = "funds"

    # -- read models of the registry -------------------------------------------------
    @event_consumer(centres.ORGANISATION_REGISTERED)
    def on_organisation_registered(self, event):
        self._upsert_organisation(event, "on_organisation_registered")

    @event_consumer(centres.ORGANISATION_UPDATED)
    def on_organisation_updated(self, event):
        self._upsert_organisation(event, "on_organisation_updated")

    def _upsert_organisation(self, event, consumer):
        with self.db.handling(event, consumer, FundsUnitOfWork) as uow:
            if uow is not None:
                uow.organisations.upsert(handlers.organisation_from_snapshot(event.data))

    @event_consumer(centres.FUND_REGISTERED)
    def on_fund_registered(self, event):
        self._upsert_fund(event, "on_fund_registered")

    @event_consumer(centres.FUND_UPDATED)
    def on_fund_updated(self, event):
        self._upsert_fund(event, "on_fund_updated")

    def _upsert_fund(self, event, consumer):
        with self.db.handling(event, consumer, FundsUnitOfWork) as uow:
            if uow is not None:
                uow.funds.upsert(handlers.fund_from_snapshot(event.data))

    # -- levies ------------------------------------------------------------------------
    @event_consumer(marketplace.ORDER_PAID)
    def on_order_paid(self, event):
        with self.db.handling(event, "on_order_paid", FundsUnitOfWork) as uow:
            if uow is not None:
                handlers.credit_paid_order(uow, event)

    # -- HTTP --------------------------------------------------------------------------
    @http("POST", "/v1/levy-agreements")
    def create_agreement(self, request):
        self.db.principal(request).require("operator")
        command = load_body(request, schemas.AgreementIn())
        with self.db.unit_of_work(FundsUnitOfWork) as uow:
            agreement = handlers.create_agreement(uow, command)
        return 201, schemas.AgreementOut().dump(agreement)

    @http("POST", "/v1/funds/<fund_id>/officers")
    def register_officer(self, request, fund_id):
        self.db.principal(request).require("operator")
        command = load_body(request, schemas.OfficerIn())
        with self.db.unit_of_work(FundsUnitOfWork) as uow:
            officer = handlers.register_officer(uow, path_uuid(fund_id, "fund_id"), command)
        return 201, schemas.OfficerOut().dump(officer)

    @http("GET", "/v1/funds/<fund_id>")
    def get_fund(self, request, fund_id):
        principal = self.db.principal(request).require("operator", "officer")
        fund_id = path_uuid(fund_id, "fund_id")
        with self.db.unit_of_work(FundsUnitOfWork) as uow:
            if principal.kind == "officer" and not uow.officers.serves(principal.subject_id, fund_id):
                raise Forbidden("เจ้าหน้าที่เห็นได้เฉพาะกองทุนของตน (officers see only their own funds)")
            view = handlers.fund_view(uow, fund_id)
        return 200, schemas.FundOut().dump(view)
