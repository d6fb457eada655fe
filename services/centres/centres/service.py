"""nameko entrypoints of the centres registry: thin, the logic lives in ``registry`` and ``queries``."""
from chassis.http import http, load, load_body, path_uuid
from chassis.service import PlatformService

from centres import bootstrap, handlers, queries, registry, schemas
from centres.adapters import RegistryUnitOfWork
from centres.geography import default_geography

# kind → (input schema, patch schema, output schema, list query schema)
SCHEMAS = {
    registry.ORGANISATION: (schemas.OrganisationIn, schemas.OrganisationPatch, schemas.OrganisationOut(),
                            schemas.OrganisationQuery),
    registry.FUND: (schemas.FundIn, schemas.FundPatch, schemas.FundOut(), schemas.FundQuery),
    registry.CENTRE: (schemas.CentreIn, schemas.CentrePatch, schemas.CentreOut(), schemas.ListQuery),
}
SUBDISTRICT_CODE = {"code": {"type": "string", "pattern": r"^\d{6}$"}}
NAME_TAKEN = ("มีชื่อนี้ในตำบลนี้ หรือเลขทะเบียนนี้ ลงทะเบียนไว้แล้ว "
              "(this name in this subdistrict, or this registration number, is already registered)")
REGISTERED = ("มีรหัสนี้ ชื่อนี้ในตำบลนี้ หรือเลขทะเบียนนี้ ลงทะเบียนไว้แล้ว "
              "(this id, this name in this subdistrict, or this registration number is already registered)")


class CentresService(PlatformService):
    name = "centres"
    event_handlers = handlers.EVENT_HANDLERS
    bootstrap = staticmethod(bootstrap.bootstrap)

    # -- shared by the three kinds of registered body ----------------------------------
    def _register(self, kind, request):
        self.db.principal(request).require("operator")
        schema_in, _, schema_out, _ = SCHEMAS[kind]
        command = load_body(request, schema_in())
        with self.db.unit_of_work(RegistryUnitOfWork) as uow:
            record = registry.register(kind, uow, default_geography(), command)
        return 201, schema_out.dump(record)

    def _update(self, kind, request, record_id):
        self.db.principal(request).require("operator")
        _, schema_patch, schema_out, _ = SCHEMAS[kind]
        record_id = path_uuid(record_id, kind.id_key)
        changes = load_body(request, schema_patch())
        with self.db.unit_of_work(RegistryUnitOfWork) as uow:
            record = registry.update(kind, uow, default_geography(), record_id, changes)
        return 200, schema_out.dump(record)

    def _get(self, kind, record_id):
        with self.db.unit_of_work(RegistryUnitOfWork) as uow:
            record = registry.get(kind, uow, path_uuid(record_id, kind.id_key))
        return 200, SCHEMAS[kind][2].dump(record)

    def _list(self, kind, request):
        _, _, schema_out, query_schema = SCHEMAS[kind]
        criteria = queries.criteria(default_geography(), load(query_schema(), request.args.to_dict(flat=True)))
        with self.db.unit_of_work(RegistryUnitOfWork) as uow:
            records, total = getattr(uow, kind.repository).search(criteria)
        return 200, {"items": schema_out.dump(records, many=True), "total": total,
                     "limit": criteria["limit"], "offset": criteria["offset"]}

    # -- organisations -----------------------------------------------------------------
    @http("POST", "/v1/organisations", body=schemas.OrganisationIn, response=schemas.OrganisationOut,
          status=201, errors={409: REGISTERED})
    def register_organisation(self, request):
        """ลงทะเบียนองค์กรชุมชน (register a community organisation)

        เจ้าหน้าที่เท่านั้น ประกาศ organisation.registered (operators only; announces
        organisation.registered)."""
        return self._register(registry.ORGANISATION, request)

    @http("GET", "/v1/organisations", query=schemas.OrganisationQuery, response=schemas.OrganisationPage,
          public=True)
    def list_organisations(self, request):
        """ค้นหาองค์กร (list organisations, by place, centre, kind or name)"""
        return self._list(registry.ORGANISATION, request)

    @http("GET", "/v1/organisations/<organisation_id>", response=schemas.OrganisationOut, public=True)
    def get_organisation(self, request, organisation_id):
        """ดูองค์กร (get an organisation)"""
        return self._get(registry.ORGANISATION, organisation_id)

    @http("PATCH", "/v1/organisations/<organisation_id>", body=schemas.OrganisationPatch,
          response=schemas.OrganisationOut, errors={409: NAME_TAKEN})
    def update_organisation(self, request, organisation_id):
        """แก้ไขทะเบียนองค์กร (change an organisation's registration)

        เจ้าหน้าที่เท่านั้น ส่งเฉพาะช่องที่แก้ ประกาศ organisation.updated (operators only; send the
        fields that change; announces organisation.updated)."""
        return self._update(registry.ORGANISATION, request, organisation_id)

    # -- funds -------------------------------------------------------------------------
    @http("POST", "/v1/funds", body=schemas.FundIn, response=schemas.FundOut, status=201,
          errors={409: REGISTERED})
    def register_fund(self, request):
        """ลงทะเบียนกองทุนสวัสดิการชุมชน (register a community welfare fund)

        เจ้าหน้าที่เท่านั้น ประกาศ fund.registered (operators only; announces fund.registered)."""
        return self._register(registry.FUND, request)

    @http("GET", "/v1/funds", query=schemas.FundQuery, response=schemas.FundPage, public=True)
    def list_funds(self, request):
        """ค้นหากองทุน (list funds, by place, centre or name)"""
        return self._list(registry.FUND, request)

    @http("GET", "/v1/funds/<fund_id>", response=schemas.FundOut, public=True)
    def get_fund(self, request, fund_id):
        """ดูกองทุน (get a fund)"""
        return self._get(registry.FUND, fund_id)

    @http("PATCH", "/v1/funds/<fund_id>", body=schemas.FundPatch, response=schemas.FundOut,
          errors={409: NAME_TAKEN})
    def update_fund(self, request, fund_id):
        """แก้ไขทะเบียนกองทุน (change a fund's registration)

        เจ้าหน้าที่เท่านั้น ส่งเฉพาะช่องที่แก้ ประกาศ fund.updated (operators only; send the fields
        that change; announces fund.updated)."""
        return self._update(registry.FUND, request, fund_id)

    # -- incubation centres (their contact people are personal data: token required) ---
    @http("POST", "/v1/centres", body=schemas.CentreIn, response=schemas.CentreOut, status=201,
          errors={409: REGISTERED})
    def register_centre(self, request):
        """ลงทะเบียนศูนย์บ่มเพาะ (register an incubation centre)

        เจ้าหน้าที่เท่านั้น (operators only)."""
        return self._register(registry.CENTRE, request)

    @http("GET", "/v1/centres", query=schemas.ListQuery, response=schemas.CentrePage)
    def list_centres(self, request):
        """ค้นหาศูนย์บ่มเพาะ (list incubation centres)

        ต้องมีโทเคน เพราะมีข้อมูลผู้ติดต่อ (a token is required: contact people are personal data)."""
        self.db.principal(request)
        return self._list(registry.CENTRE, request)

    @http("GET", "/v1/centres/<centre_id>", response=schemas.CentreOut)
    def get_centre(self, request, centre_id):
        """ดูศูนย์บ่มเพาะ (get an incubation centre)"""
        self.db.principal(request)
        return self._get(registry.CENTRE, centre_id)

    @http("PATCH", "/v1/centres/<centre_id>", body=schemas.CentrePatch, response=schemas.CentreOut,
          errors={409: NAME_TAKEN})
    def update_centre(self, request, centre_id):
        """แก้ไขทะเบียนศูนย์บ่มเพาะ (change an incubation centre's registration)

        เจ้าหน้าที่เท่านั้น ส่งเฉพาะช่องที่แก้ (operators only; send the fields that change)."""
        return self._update(registry.CENTRE, request, centre_id)

    # -- reference data and reports ----------------------------------------------------
    @http("GET", "/v1/focus-areas", response=schemas.FocusAreas, public=True)
    def list_focus_areas(self, request):
        """ประเด็นงานของศูนย์บ่มเพาะ (the focus areas of incubation centres)"""
        return 200, {"items": [{"code": code, "name_th": name_th}
                               for code, name_th in registry.FOCUS_AREAS.items()]}

    @http("GET", "/v1/coverage", public=True)
    def coverage(self, request):
        """จำนวนองค์กร กองทุน และศูนย์ที่ลงทะเบียน รายจังหวัด (registrations per province)"""
        with self.db.unit_of_work(RegistryUnitOfWork) as uow:
            counts = {kind: getattr(uow, kind).count_by_province() for kind in queries.KINDS}
        return 200, queries.coverage(default_geography(), counts)

    @http("GET", "/v1/geo/subdistricts/<code>", response=schemas.PlaceOut, public=True, path=SUBDISTRICT_CODE)
    def get_subdistrict(self, request, code):
        """ตำบลจากรหัส 6 หลัก (a subdistrict by its six-digit code)

        พร้อมอำเภอ จังหวัด กลุ่มจังหวัด และภาคของ พอช. (with its district, province, province group
        and CODI region)."""
        place = default_geography().place(code)
        if place is None:
            return 404, {"error": {"code": "not_found", "message": f"ไม่พบรหัสตำบล {code}"}}
        return 200, schemas.PlaceOut().dump(place)
