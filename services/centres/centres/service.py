"""nameko entrypoints of the centres registry: thin, the logic lives in ``registry`` and ``queries``."""
from chassis.errors import NotFound
from chassis.http import http, path_uuid
from chassis.service import PlatformService

from centres import bootstrap, handlers, queries, registry, schemas
from centres.geography import default_geography

OPERATOR = ("operator",)  # registrations are changed by operators only
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
    def _register(self, kind, body):
        with self.unit_of_work() as uow:
            return registry.register(kind, uow, default_geography(), body)

    def _update(self, kind, record_id, body):
        record_id = path_uuid(record_id, kind.id_key)
        with self.unit_of_work() as uow:
            return registry.update(kind, uow, default_geography(), record_id, body)

    def _get(self, kind, record_id):
        with self.unit_of_work() as uow:
            return registry.get(kind, uow, path_uuid(record_id, kind.id_key))

    def _list(self, kind, query):
        criteria = queries.criteria(default_geography(), query)
        with self.unit_of_work() as uow:
            records, total = getattr(uow, kind.repository).search(criteria)
        return {"items": records, "total": total, "limit": criteria["limit"], "offset": criteria["offset"]}

    # -- organisations -----------------------------------------------------------------
    @http("POST", "/v1/organisations", body=schemas.OrganisationIn, response=schemas.OrganisationOut,
          status=201, roles=OPERATOR, errors={409: REGISTERED})
    def register_organisation(self, body):
        """ลงทะเบียนองค์กรชุมชน (register a community organisation)

        เจ้าหน้าที่เท่านั้น ประกาศ organisation.registered (operators only; announces
        organisation.registered)."""
        return self._register(registry.ORGANISATION, body)

    @http("GET", "/v1/organisations", query=schemas.OrganisationQuery, response=schemas.OrganisationPage,
          public=True)
    def list_organisations(self, query):
        """ค้นหาองค์กร (list organisations, by place, centre, kind or name)"""
        return self._list(registry.ORGANISATION, query)

    @http("GET", "/v1/organisations/<organisation_id>", response=schemas.OrganisationOut, public=True)
    def get_organisation(self, organisation_id):
        """ดูองค์กร (get an organisation)"""
        return self._get(registry.ORGANISATION, organisation_id)

    @http("PATCH", "/v1/organisations/<organisation_id>", body=schemas.OrganisationPatch,
          response=schemas.OrganisationOut, roles=OPERATOR, errors={409: NAME_TAKEN})
    def update_organisation(self, organisation_id, body):
        """แก้ไขทะเบียนองค์กร (change an organisation's registration)

        เจ้าหน้าที่เท่านั้น ส่งเฉพาะช่องที่แก้ ประกาศ organisation.updated (operators only; send the
        fields that change; announces organisation.updated)."""
        return self._update(registry.ORGANISATION, organisation_id, body)

    # -- funds -------------------------------------------------------------------------
    @http("POST", "/v1/funds", body=schemas.FundIn, response=schemas.FundOut, status=201, roles=OPERATOR,
          errors={409: REGISTERED})
    def register_fund(self, body):
        """ลงทะเบียนกองทุนสวัสดิการชุมชน (register a community welfare fund)

        เจ้าหน้าที่เท่านั้น ประกาศ fund.registered (operators only; announces fund.registered)."""
        return self._register(registry.FUND, body)

    @http("GET", "/v1/funds", query=schemas.FundQuery, response=schemas.FundPage, public=True)
    def list_funds(self, query):
        """ค้นหากองทุน (list funds, by place, centre or name)"""
        return self._list(registry.FUND, query)

    @http("GET", "/v1/funds/<fund_id>", response=schemas.FundOut, public=True)
    def get_fund(self, fund_id):
        """ดูกองทุน (get a fund)"""
        return self._get(registry.FUND, fund_id)

    @http("PATCH", "/v1/funds/<fund_id>", body=schemas.FundPatch, response=schemas.FundOut, roles=OPERATOR,
          errors={409: NAME_TAKEN})
    def update_fund(self, fund_id, body):
        """แก้ไขทะเบียนกองทุน (change a fund's registration)

        เจ้าหน้าที่เท่านั้น ส่งเฉพาะช่องที่แก้ ประกาศ fund.updated (operators only; send the fields
        that change; announces fund.updated)."""
        return self._update(registry.FUND, fund_id, body)

    # -- incubation centres (their contact people are personal data: token required) ---
    @http("POST", "/v1/centres", body=schemas.CentreIn, response=schemas.CentreOut, status=201,
          roles=OPERATOR, errors={409: REGISTERED})
    def register_centre(self, body):
        """ลงทะเบียนศูนย์บ่มเพาะ (register an incubation centre)

        เจ้าหน้าที่เท่านั้น (operators only)."""
        return self._register(registry.CENTRE, body)

    @http("GET", "/v1/centres", query=schemas.ListQuery, response=schemas.CentrePage)
    def list_centres(self, query):
        """ค้นหาศูนย์บ่มเพาะ (list incubation centres)

        ต้องมีโทเคน เพราะมีข้อมูลผู้ติดต่อ (a token is required: contact people are personal data)."""
        return self._list(registry.CENTRE, query)

    @http("GET", "/v1/centres/<centre_id>", response=schemas.CentreOut)
    def get_centre(self, centre_id):
        """ดูศูนย์บ่มเพาะ (get an incubation centre)"""
        return self._get(registry.CENTRE, centre_id)

    @http("PATCH", "/v1/centres/<centre_id>", body=schemas.CentrePatch, response=schemas.CentreOut,
          roles=OPERATOR, errors={409: NAME_TAKEN})
    def update_centre(self, centre_id, body):
        """แก้ไขทะเบียนศูนย์บ่มเพาะ (change an incubation centre's registration)

        เจ้าหน้าที่เท่านั้น ส่งเฉพาะช่องที่แก้ (operators only; send the fields that change)."""
        return self._update(registry.CENTRE, centre_id, body)

    # -- reference data and reports ----------------------------------------------------
    @http("GET", "/v1/focus-areas", response=schemas.FocusAreas, public=True)
    def list_focus_areas(self):
        """ประเด็นงานของศูนย์บ่มเพาะ (the focus areas of incubation centres)"""
        return {"items": [{"code": code, "name_th": name_th}
                               for code, name_th in registry.FOCUS_AREAS.items()]}

    @http("GET", "/v1/coverage", public=True)
    def coverage(self):
        """จำนวนองค์กร กองทุน และศูนย์ที่ลงทะเบียน รายจังหวัด (registrations per province)"""
        with self.unit_of_work() as uow:
            counts = {kind: getattr(uow, kind).count_by_province() for kind in queries.KINDS}
        return queries.coverage(default_geography(), counts)

    @http("GET", "/v1/geo/subdistricts/<code>", response=schemas.PlaceOut, public=True, path=SUBDISTRICT_CODE)
    def get_subdistrict(self, code):
        """ตำบลจากรหัส 6 หลัก (a subdistrict by its six-digit code)

        พร้อมอำเภอ จังหวัด กลุ่มจังหวัด และภาคของ พอช. (with its district, province, province group
        and CODI region)."""
        place = default_geography().place(code)
        if place is None:
            raise NotFound(f"ไม่พบรหัสตำบล {code} (no such subdistrict)")
        return place
