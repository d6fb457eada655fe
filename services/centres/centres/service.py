"""nameko entrypoints of the centres registry: thin, the logic lives in ``registry`` and ``queries``;
every operation runs in the unit of work its @http opens."""
from chassis.errors import Forbidden, NotFound, Unauthorized
from chassis.http import http, path_uuid
from chassis.service import PlatformService

from centres import bootstrap, handlers, queries, registry, schemas
from chassis.geography import default_geography

OPERATOR = ("operator",)  # registrations are changed by operators only
SUBDISTRICT_CODE = {"code": {"type": "string", "pattern": r"^\d{6}$"}}
COVERAGE_LEVEL = {"level": {"type": "string", "enum": list(queries.COVERAGE_LEVELS)}}
PLAN_TAKEN = ("มีแผนขององค์กรนี้ ปีนี้ ด้านนี้ ในตำบลนี้ หรือรหัสนี้ ลงทะเบียนไว้แล้ว "
              "(a plan of this organisation, year, focus and subdistrict, or this id, is already registered)")
NAME_TAKEN = ("มีชื่อนี้ในตำบลนี้ หรือเลขทะเบียนนี้ ลงทะเบียนไว้แล้ว "
              "(this name in this subdistrict, or this registration number, is already registered)")
REGISTERED = ("มีรหัสนี้ ชื่อนี้ในตำบลนี้ หรือเลขทะเบียนนี้ ลงทะเบียนไว้แล้ว "
              "(this id, this name in this subdistrict, or this registration number is already registered)")

CONTACT_EMAIL_UNAUTHORIZED = "ค้นด้วย contact_email ต้องมีโทเคน (contact_email needs a bearer token)"
CONTACT_EMAIL_FORBIDDEN = "ค้นด้วย contact_email ได้เฉพาะเจ้าหน้าที่ระบบ (contact_email is for operators only)"


class CentresService(PlatformService):
    name = "centres"
    event_handlers = handlers.EVENT_HANDLERS
    bootstrap = staticmethod(bootstrap.bootstrap)

    # -- shared by every kind of registered body: each runs in the unit of work @http opens --
    @staticmethod
    def _register(kind, uow, body):
        return registry.register(kind, uow, default_geography(), body)

    @staticmethod
    def _update(kind, uow, record_id, body):
        return registry.update(kind, uow, default_geography(), path_uuid(record_id, kind.id_key), body)

    @staticmethod
    def _get(kind, uow, record_id):
        return registry.get(kind, uow, path_uuid(record_id, kind.id_key))

    def _operator_asks(self, request):
        """Whether a public operation's request comes with an operator's token (a bad one: no)."""
        if not request.headers.get("Authorization"):
            return False
        try:
            return self.db.principal(request).is_operator
        except Unauthorized:
            return False

    @staticmethod
    def _list(kind, uow, query):
        criteria = queries.criteria(default_geography(), query)
        records, total = getattr(uow, kind.repository).search(criteria)
        return {"items": records, "total": total, "limit": criteria["limit"], "offset": criteria["offset"]}

    # -- organisations -----------------------------------------------------------------
    @http("POST", "/v1/organisations", body=schemas.OrganisationIn, response=schemas.OrganisationOut,
          status=201, roles=OPERATOR, errors={409: REGISTERED}, unit_of_work=True)
    def register_organisation(self, uow, body):
        """ลงทะเบียนองค์กรชุมชน (register a community organisation)

        เจ้าหน้าที่เท่านั้น ประกาศ organisation.registered (operators only; announces
        organisation.registered)."""
        return self._register(registry.ORGANISATION, uow, body)

    @http("GET", "/v1/organisations", query=schemas.OrganisationQuery, response=schemas.OrganisationPage,
          public=True, unit_of_work=True, errors={401: CONTACT_EMAIL_UNAUTHORIZED, 403: CONTACT_EMAIL_FORBIDDEN})
    def list_organisations(self, request, uow, query):
        """ค้นหาองค์กร (list organisations, by place, centre, kind or name)

        ค้นด้วยอีเมลของผู้ติดต่อ (contact_email ไม่สนตัวพิมพ์เล็กใหญ่) ได้เฉพาะเจ้าหน้าที่ระบบ
        ผู้ติดต่อ (contacts) แสดงเฉพาะเมื่อเจ้าหน้าที่ระบบถาม (by a contact's email, in any case: operators
        only; contacts are shown to operators only)."""
        if "contact_email" in query and not self.db.principal(request).is_operator:
            raise Forbidden(CONTACT_EMAIL_FORBIDDEN)  # who may sign in by that email: not for anyone to ask
        page = self._list(registry.ORGANISATION, uow, query)
        if not self._operator_asks(request):
            page["items"] = [registry.without_contacts(record) for record in page["items"]]
        return page

    @http("GET", "/v1/organisations/<organisation_id>", response=schemas.OrganisationOut, public=True,
          unit_of_work=True)
    def get_organisation(self, request, uow, organisation_id):
        """ดูองค์กร (get an organisation)

        ผู้ติดต่อ (contacts) แสดงเฉพาะเมื่อเจ้าหน้าที่ระบบถาม (contacts are shown to operators only)."""
        organisation = self._get(registry.ORGANISATION, uow, organisation_id)
        return organisation if self._operator_asks(request) else registry.without_contacts(organisation)

    @http("PATCH", "/v1/organisations/<organisation_id>", body=schemas.OrganisationPatch,
          response=schemas.OrganisationOut, roles=OPERATOR, errors={409: NAME_TAKEN}, unit_of_work=True)
    def update_organisation(self, uow, organisation_id, body):
        """แก้ไขทะเบียนองค์กร (change an organisation's registration)

        เจ้าหน้าที่เท่านั้น ส่งเฉพาะช่องที่แก้ ประกาศ organisation.updated (operators only; send the
        fields that change; announces organisation.updated)."""
        return self._update(registry.ORGANISATION, uow, organisation_id, body)

    # -- funds -------------------------------------------------------------------------
    @http("POST", "/v1/funds", body=schemas.FundIn, response=schemas.FundOut, status=201, roles=OPERATOR,
          errors={409: REGISTERED}, unit_of_work=True)
    def register_fund(self, uow, body):
        """ลงทะเบียนกองทุนสวัสดิการชุมชน (register a community welfare fund)

        เจ้าหน้าที่เท่านั้น ประกาศ fund.registered (operators only; announces fund.registered)."""
        return self._register(registry.FUND, uow, body)

    @http("GET", "/v1/funds", query=schemas.FundQuery, response=schemas.FundPage, public=True, unit_of_work=True)
    def list_funds(self, uow, query):
        """ค้นหากองทุน (list funds, by place, centre or name)"""
        return self._list(registry.FUND, uow, query)

    @http("GET", "/v1/funds/<fund_id>", response=schemas.FundOut, public=True, unit_of_work=True)
    def get_fund(self, uow, fund_id):
        """ดูกองทุน (get a fund)"""
        return self._get(registry.FUND, uow, fund_id)

    @http("PATCH", "/v1/funds/<fund_id>", body=schemas.FundPatch, response=schemas.FundOut, roles=OPERATOR,
          errors={409: NAME_TAKEN}, unit_of_work=True)
    def update_fund(self, uow, fund_id, body):
        """แก้ไขทะเบียนกองทุน (change a fund's registration)

        เจ้าหน้าที่เท่านั้น ส่งเฉพาะช่องที่แก้ ประกาศ fund.updated (operators only; send the fields
        that change; announces fund.updated)."""
        return self._update(registry.FUND, uow, fund_id, body)

    # -- incubation centres (their contact people are personal data: token required) ---
    @http("POST", "/v1/centres", body=schemas.CentreIn, response=schemas.CentreOut, status=201,
          roles=OPERATOR, errors={409: REGISTERED}, unit_of_work=True)
    def register_centre(self, uow, body):
        """ลงทะเบียนศูนย์บ่มเพาะ (register an incubation centre)

        เจ้าหน้าที่เท่านั้น (operators only)."""
        return self._register(registry.CENTRE, uow, body)

    @http("GET", "/v1/centres", query=schemas.CentreQuery, response=schemas.CentrePage, unit_of_work=True)
    def list_centres(self, uow, query):
        """ค้นหาศูนย์บ่มเพาะ (list incubation centres)

        ต้องมีโทเคน เพราะมีข้อมูลผู้ติดต่อ (a token is required: contact people are personal data)."""
        return self._list(registry.CENTRE, uow, query)

    @http("GET", "/v1/centres/<centre_id>", response=schemas.CentreOut, unit_of_work=True)
    def get_centre(self, uow, centre_id):
        """ดูศูนย์บ่มเพาะ (get an incubation centre)"""
        return self._get(registry.CENTRE, uow, centre_id)

    @http("PATCH", "/v1/centres/<centre_id>", body=schemas.CentrePatch, response=schemas.CentreOut,
          roles=OPERATOR, errors={409: NAME_TAKEN}, unit_of_work=True)
    def update_centre(self, uow, centre_id, body):
        """แก้ไขทะเบียนศูนย์บ่มเพาะ (change an incubation centre's registration)

        เจ้าหน้าที่เท่านั้น ส่งเฉพาะช่องที่แก้ (operators only; send the fields that change)."""
        return self._update(registry.CENTRE, uow, centre_id, body)

    # -- distribution centres (ศูนย์กระจายสินค้า: public, as a shop's door and phone are) -----
    @http("POST", "/v1/distribution-centres", body=schemas.DistributionCentreIn,
          response=schemas.DistributionCentreOut, status=201, roles=OPERATOR, unit_of_work=True,
          errors={409: REGISTERED})
    def register_distribution_centre(self, uow, body):
        """ลงทะเบียนศูนย์กระจายสินค้า (register a distribution centre)

        เจ้าหน้าที่เท่านั้น เวลาทำการเป็นเวลาประเทศไทย (Asia/Bangkok) ประกาศ distribution_centre.registered
        (operators only; opening hours are Thai time; announces distribution_centre.registered)."""
        return self._register(registry.DISTRIBUTION_CENTRE, uow, body)

    @http("GET", "/v1/distribution-centres", query=schemas.DistributionCentreQuery,
          response=schemas.DistributionCentrePage, public=True, unit_of_work=True)
    def list_distribution_centres(self, uow, query):
        """ค้นหาศูนย์กระจายสินค้า (list distribution centres, by place, the province group served, status or name)"""
        return self._list(registry.DISTRIBUTION_CENTRE, uow, query)

    @http("GET", "/v1/distribution-centres/<distribution_centre_id>", response=schemas.DistributionCentreOut,
          public=True, unit_of_work=True)
    def get_distribution_centre(self, uow, distribution_centre_id):
        """ดูศูนย์กระจายสินค้า (get a distribution centre)"""
        return self._get(registry.DISTRIBUTION_CENTRE, uow, distribution_centre_id)

    @http("PATCH", "/v1/distribution-centres/<distribution_centre_id>", body=schemas.DistributionCentrePatch,
          response=schemas.DistributionCentreOut, roles=OPERATOR, unit_of_work=True, errors={409: NAME_TAKEN})
    def update_distribution_centre(self, uow, distribution_centre_id, body):
        """แก้ไขทะเบียนศูนย์กระจายสินค้า (change a distribution centre's registration)

        เจ้าหน้าที่เท่านั้น ส่งเฉพาะช่องที่แก้ ประกาศ distribution_centre.updated (operators only; send
        the fields that change; announces distribution_centre.updated)."""
        return self._update(registry.DISTRIBUTION_CENTRE, uow, distribution_centre_id, body)

    # -- community business plans (แผนธุรกิจเพื่อชุมชน, CBMC: public, as organisations are) ----
    @http("POST", "/v1/community-plans", body=schemas.CommunityPlanIn, response=schemas.CommunityPlanOut,
          status=201, roles=OPERATOR, unit_of_work=True, errors={409: PLAN_TAKEN})
    def register_community_plan(self, uow, body):
        """ลงทะเบียนแผนธุรกิจเพื่อชุมชน (register a community business plan)

        เจ้าหน้าที่เท่านั้น ขององค์กรที่ลงทะเบียนแล้ว ปี พ.ศ. ประกาศ community_plan.registered (operators
        only; of a registered organisation, Buddhist-era year; announces community_plan.registered)."""
        return self._register(registry.COMMUNITY_PLAN, uow, body)

    @http("GET", "/v1/community-plans", query=schemas.CommunityPlanQuery, response=schemas.CommunityPlanPage,
          public=True, unit_of_work=True)
    def list_community_plans(self, uow, query):
        """ค้นหาแผนธุรกิจเพื่อชุมชน (list community business plans, by place, organisation, year, focus or status)"""
        return self._list(registry.COMMUNITY_PLAN, uow, query)

    @http("GET", "/v1/community-plans/<plan_id>", response=schemas.CommunityPlanOut, public=True,
          unit_of_work=True)
    def get_community_plan(self, uow, plan_id):
        """ดูแผนธุรกิจเพื่อชุมชน (get a community business plan)"""
        return self._get(registry.COMMUNITY_PLAN, uow, plan_id)

    @http("PATCH", "/v1/community-plans/<plan_id>", body=schemas.CommunityPlanPatch,
          response=schemas.CommunityPlanOut, roles=OPERATOR, unit_of_work=True, errors={409: PLAN_TAKEN})
    def update_community_plan(self, uow, plan_id, body):
        """แก้ไขแผนธุรกิจเพื่อชุมชน (change a community business plan, e.g. its status)

        เจ้าหน้าที่เท่านั้น ส่งเฉพาะช่องที่แก้ ประกาศ community_plan.updated (operators only; send the
        fields that change; announces community_plan.updated)."""
        return self._update(registry.COMMUNITY_PLAN, uow, plan_id, body)

    # -- reference data and reports ----------------------------------------------------
    @http("GET", "/v1/focus-areas", response=schemas.FocusAreas, public=True)
    def list_focus_areas(self):
        """ประเด็นงานของศูนย์บ่มเพาะ (the focus areas of incubation centres)"""
        return {"items": [{"code": code, "name_th": name_th}
                               for code, name_th in registry.FOCUS_AREAS.items()]}

    @http("GET", "/v1/coverage", public=True, unit_of_work=True)
    def coverage(self, uow):
        """จำนวนองค์กร กองทุน และศูนย์ที่ลงทะเบียน รายจังหวัด (registrations per province)"""
        counts = {kind: getattr(uow, kind).count_by_province() for kind in queries.KINDS}
        return queries.coverage(default_geography(), counts)

    @http("GET", "/v1/coverage/<level>", query=schemas.CoverageQuery, response=schemas.CoverageReport,
          public=True, unit_of_work=True, path=COVERAGE_LEVEL)
    def coverage_by_level(self, uow, level, query):
        """ความครอบคลุมรายตำบล จังหวัด กลุ่มจังหวัด หรือภาค (coverage per subdistrict, province, group or region)

        จำนวนตำบลที่มีแผนธุรกิจเพื่อชุมชน ศูนย์บ่มเพาะ (เปิดแล้ว และตามแผน) ศูนย์กระจายสินค้า และการขายในตลาด
        ระดับตำบลแสดงเฉพาะตำบลที่มีอย่างน้อยหนึ่งอย่าง (how many subdistricts have a community business plan,
        an incubation centre, active or planned, a distribution centre, and sales on the marketplace; the
        subdistrict level lists only subdistricts with at least one)."""
        return queries.coverage_report(default_geography(), level, uow.coverage.by_subdistrict(), query)

    @http("GET", "/v1/geo/subdistricts/<code>", response=schemas.PlaceOut, public=True, path=SUBDISTRICT_CODE)
    def get_subdistrict(self, code):
        """ตำบลจากรหัส 6 หลัก (a subdistrict by its six-digit code)

        พร้อมอำเภอ จังหวัด กลุ่มจังหวัด และภาคของ พอช. (with its district, province, province group
        and CODI region)."""
        place = default_geography().place(code)
        if place is None:
            raise NotFound(f"ไม่พบรหัสตำบล {code} (no such subdistrict)")
        return place
