"""nameko entrypoints of the centres registry: thin, the logic lives in ``registry``."""
from chassis.http import http, load_body, path_uuid
from chassis.service import PlatformService

from centres import registry, schemas
from centres.adapters import RegistryUnitOfWork
from centres.geography import default_geography


class CentresService(PlatformService):
    name = "centres"

    @http("POST", "/v1/organisations")
    def register_organisation(self, request):
        self.db.principal(request).require("operator")
        command = load_body(request, schemas.OrganisationIn())
        with self.db.unit_of_work(RegistryUnitOfWork) as uow:
            org = registry.register_organisation(uow, default_geography(), command)
        return 201, schemas.OrganisationOut().dump(org)

    @http("GET", "/v1/organisations/<organisation_id>")
    def get_organisation(self, request, organisation_id):
        with self.db.unit_of_work(RegistryUnitOfWork) as uow:
            org = registry.get_organisation(uow, path_uuid(organisation_id, "organisation_id"))
        return 200, schemas.OrganisationOut().dump(org)

    @http("POST", "/v1/funds")
    def register_fund(self, request):
        self.db.principal(request).require("operator")
        command = load_body(request, schemas.FundIn())
        with self.db.unit_of_work(RegistryUnitOfWork) as uow:
            fund = registry.register_fund(uow, default_geography(), command)
        return 201, schemas.FundOut().dump(fund)

    @http("GET", "/v1/funds/<fund_id>")
    def get_fund(self, request, fund_id):
        with self.db.unit_of_work(RegistryUnitOfWork) as uow:
            fund = registry.get_fund(uow, path_uuid(fund_id, "fund_id"))
        return 200, schemas.FundOut().dump(fund)

    @http("GET", "/v1/geo/subdistricts/<code>")
    def get_subdistrict(self, request, code):
        place = default_geography().place(code)
        if place is None:
            return 404, {"error": {"code": "not_found", "message": f"ไม่พบรหัสตำบล {code}"}}
        return 200, schemas.PlaceOut().dump(place)
