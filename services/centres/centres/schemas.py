"""What crosses the HTTP boundary of the registry."""
from marshmallow import Schema, fields, validate

from chassis.schemas import Strict

from centres.registry import (CENTRE_STATUSES, DISTRIBUTION_CENTRE_STATUSES, FOCUS_AREAS, ORGANISATION_KINDS,
                              PLAN_FOCUSES, PLAN_STATUSES, WEEKDAYS, opening_hours_th)

NAME = validate.And(validate.Length(min=1, max=300),
                    validate.Regexp(r"(?s).*\S", error="ต้องไม่เว้นว่าง (must not be blank)"))
REGISTRATION_NUMBER = validate.Length(max=30)
SUBDISTRICT = validate.Regexp(r"^\d{6}$", error="รหัสตำบลเป็นตัวเลข 6 หลัก (six digits)")
CLOCK_TIME = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="เวลาเป็น HH:MM เช่น 08:30 (a time as HH:MM)")
# the range a Buddhist-era year can have at all; the domain narrows it (registry.FIRST_INTAKE_YEAR_BE)
YEAR_BE = validate.Range(min=2400, max=2700, error="ปี พ.ศ. ต้องอยู่ระหว่าง 2400–2700 (a Buddhist-era year)")


class ContactIn(Strict):
    name_th = fields.String(required=True, validate=NAME)
    role = fields.String(allow_none=True, validate=validate.Length(max=200))
    phone = fields.String(allow_none=True, validate=validate.Length(max=30))
    email = fields.Email(allow_none=True)


class OrganisationIn(Strict):
    organisation_id = fields.UUID()
    name_th = fields.String(required=True, validate=NAME)
    name_en = fields.String(allow_none=True, validate=NAME)
    kind = fields.String(required=True)
    subdistrict_code = fields.String(required=True, validate=SUBDISTRICT)
    centre_id = fields.UUID(allow_none=True)
    home_fund_id = fields.UUID(allow_none=True)
    juristic_id = fields.String(allow_none=True, validate=REGISTRATION_NUMBER)
    tax_id = fields.String(allow_none=True, validate=REGISTRATION_NUMBER)
    contacts = fields.List(fields.Nested(ContactIn), validate=validate.Length(max=20))
    demo = fields.Boolean()

    example = {"name_th": "วิสาหกิจชุมชนข้าวหอมมะลิบ้านในเมือง",
               "name_en": "Ban Nai Mueang jasmine rice community enterprise",
               "kind": "community_enterprise", "subdistrict_code": "360101",
               "contacts": [{"name_th": "สมปอง ขยันดี", "role": "ประธานวิสาหกิจ", "phone": "081-234-5678",
                             "email": "sompong@example.org"}]}


class FundIn(Strict):
    fund_id = fields.UUID()
    name_th = fields.String(required=True, validate=NAME)
    name_en = fields.String(allow_none=True, validate=NAME)
    subdistrict_code = fields.String(required=True, validate=SUBDISTRICT)
    centre_id = fields.UUID(allow_none=True)
    demo = fields.Boolean()

    example = {"name_th": "กองทุนสวัสดิการชุมชนตำบลตลาดใหญ่", "name_en": "Talat Yai community welfare fund",
               "subdistrict_code": "830101"}


class CentreIn(Strict):
    centre_id = fields.UUID()
    name_th = fields.String(required=True, validate=NAME)
    name_en = fields.String(allow_none=True, validate=NAME)
    subdistrict_code = fields.String(required=True, validate=SUBDISTRICT)
    status = fields.String(validate=validate.OneOf(CENTRE_STATUSES))  # active unless said
    intake_year_be = fields.Integer(required=True, strict=True)
    focus_areas = fields.List(fields.String(), required=True, validate=validate.Length(min=1, max=10))
    contacts = fields.List(fields.Nested(ContactIn), validate=validate.Length(max=20))
    partner_agencies = fields.List(fields.String(validate=NAME), validate=validate.Length(max=50))
    demo = fields.Boolean()

    example = {"name_th": "ศูนย์บ่มเพาะองค์กรชุมชนจังหวัดชัยภูมิ", "subdistrict_code": "360101",
               "intake_year_be": 2568, "focus_areas": ["production", "processing_marketing"],
               "contacts": [{"name_th": "สมศรี ใจดี", "role": "ผู้ประสานงานศูนย์", "phone": "081-234-5678",
                             "email": "somsri@example.org"}],
               "partner_agencies": ["สำนักงานเกษตรจังหวัดชัยภูมิ"]}


class OpeningPeriodIn(Strict):
    days = fields.List(fields.String(validate=validate.OneOf(WEEKDAYS)), required=True,
                       validate=validate.Length(min=1, max=7))
    opens = fields.String(required=True, validate=CLOCK_TIME)
    closes = fields.String(required=True, validate=CLOCK_TIME)


class DistributionContactIn(ContactIn):
    phone = fields.String(required=True, validate=validate.Length(min=1, max=30))


class DistributionCentreIn(Strict):
    distribution_centre_id = fields.UUID()
    name_th = fields.String(required=True, validate=NAME)
    name_en = fields.String(allow_none=True, validate=NAME)
    subdistrict_code = fields.String(required=True, validate=SUBDISTRICT)
    address = fields.String(required=True, validate=NAME)
    opening_hours = fields.List(fields.Nested(OpeningPeriodIn), required=True, validate=validate.Length(max=14))
    contact = fields.Nested(DistributionContactIn, required=True)
    serves_groups = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(min=1, max=18))
    status = fields.String(validate=validate.OneOf(DISTRIBUTION_CENTRE_STATUSES))  # active unless said
    demo = fields.Boolean()

    example = {"name_th": "ศูนย์กระจายสินค้าชุมชนจังหวัดกาญจนบุรี", "subdistrict_code": "710101",
               "address": "เลขที่ 1 ถนนแสงชูโต",
               "opening_hours": [{"days": ["mon", "tue", "wed", "thu", "fri"], "opens": "08:30", "closes": "16:30"},
                                 {"days": ["sat"], "opens": "08:30", "closes": "12:00"}],
               "contact": {"name_th": "สมศักดิ์ รักษ์ชุมชน", "phone": "034-000-000", "email": "dc@example.org"},
               "serves_groups": [12, 13, 11]}


class CommunityPlanIn(Strict):
    plan_id = fields.UUID()
    organisation_id = fields.UUID(required=True)
    subdistrict_code = fields.String(required=True, validate=SUBDISTRICT)
    year_be = fields.Integer(required=True, strict=True)
    focus = fields.String(required=True, validate=validate.OneOf(PLAN_FOCUSES))
    status = fields.String(validate=validate.OneOf(PLAN_STATUSES))  # drafted unless said
    demo = fields.Boolean()

    example = {"organisation_id": "3f1f1f8e-54a4-4a8e-9d59-0c1b1b8c6a10", "subdistrict_code": "910602",
               "year_be": 2568, "focus": "production", "status": "approved"}


def patch_of(schema_class, id_field, example):
    """The PATCH body of a registration schema (a class named ``<Kind>Patch``): any of its fields
    except the id."""
    def __init__(self, **kwargs):
        schema_class.__init__(self, partial=True, exclude=(id_field,), **kwargs)
    name = schema_class.__name__.removesuffix("In") + "Patch"
    return type(name, (schema_class,), {"__init__": __init__, "__module__": __name__, "__qualname__": name,
                                        "example": example})


OrganisationPatch = patch_of(OrganisationIn, "organisation_id",
                             {"name_en": "Ban Nai Mueang organic jasmine rice community enterprise"})
FundPatch = patch_of(FundIn, "fund_id", {"name_en": "Talat Yai subdistrict community welfare fund"})
CentrePatch = patch_of(CentreIn, "centre_id", {"focus_areas": ["production", "community_tourism"]})
DistributionCentrePatch = patch_of(DistributionCentreIn, "distribution_centre_id",
                                   {"serves_groups": [11, 12, 13, 17], "status": "active"})
CommunityPlanPatch = patch_of(CommunityPlanIn, "plan_id", {"status": "in_progress"})


class AreaQuery(Strict):
    """Filters by place and paging, of every list; repeated or unknown parameters are a 400."""

    region = fields.String()
    province_group = fields.Integer()
    province = fields.String(validate=validate.Regexp(r"^\d{2}$"))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10**9))  # SQL OFFSET is a bigint


class PlaceQuery(AreaQuery):
    district = fields.String(validate=validate.Regexp(r"^\d{4}$"))
    subdistrict = fields.String(validate=SUBDISTRICT)


class ListQuery(PlaceQuery):
    """Filters of the list endpoints of organisations and funds."""

    focus_area = fields.String(validate=validate.OneOf(FOCUS_AREAS))
    q = fields.String(validate=validate.Length(min=1, max=100))


class CentreQuery(ListQuery):
    status = fields.String(validate=validate.OneOf(CENTRE_STATUSES))


class DistributionCentreQuery(PlaceQuery):
    q = fields.String(validate=validate.Length(min=1, max=100))
    serves_group = fields.Integer()  # the centres that serve this province group
    status = fields.String(validate=validate.OneOf(DISTRIBUTION_CENTRE_STATUSES))


class CommunityPlanQuery(PlaceQuery):
    organisation_id = fields.UUID()
    year_be = fields.Integer(validate=YEAR_BE)
    focus = fields.String(validate=validate.OneOf(PLAN_FOCUSES))
    status = fields.String(validate=validate.OneOf(PLAN_STATUSES))


class CoverageQuery(AreaQuery):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class FundQuery(ListQuery):
    centre_id = fields.UUID()


class OrganisationQuery(FundQuery):
    kind = fields.String(validate=validate.OneOf(ORGANISATION_KINDS))
    contact_email = fields.Email()  # any of its contacts' (any case); operators only


class PlaceOut(Schema):
    subdistrict_code = fields.String()
    subdistrict_name_th = fields.String()
    district_code = fields.String()
    district_name_th = fields.String()
    province_code = fields.String()
    province_name_th = fields.String()
    province_name_en = fields.String()
    province_group = fields.Integer(allow_none=True)
    region = fields.String(allow_none=True)


class ContactOut(Schema):
    name_th = fields.String()
    role = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class OrganisationOut(Schema):
    organisation_id = fields.UUID()
    name_th = fields.String()
    name_en = fields.String(allow_none=True)
    kind = fields.String()
    place = fields.Nested(PlaceOut)
    centre_id = fields.UUID(allow_none=True)
    home_fund_id = fields.UUID(allow_none=True)
    juristic_id = fields.String(allow_none=True)
    tax_id = fields.String(allow_none=True)
    contacts = fields.List(fields.Nested(ContactOut))
    demo = fields.Boolean()


class FundOut(Schema):
    fund_id = fields.UUID()
    name_th = fields.String()
    name_en = fields.String(allow_none=True)
    place = fields.Nested(PlaceOut)
    centre_id = fields.UUID(allow_none=True)
    demo = fields.Boolean()


class CentreOut(Schema):
    centre_id = fields.UUID()
    name_th = fields.String()
    name_en = fields.String(allow_none=True)
    place = fields.Nested(PlaceOut)
    status = fields.String()
    status_th = fields.Function(lambda centre: CENTRE_STATUSES.get(centre["status"], centre["status"]))
    intake_year_be = fields.Integer()
    focus_areas = fields.List(fields.String())
    focus_areas_th = fields.Function(lambda centre: [FOCUS_AREAS.get(area, area) for area in centre["focus_areas"]])
    contacts = fields.List(fields.Nested(ContactOut))
    partner_agencies = fields.List(fields.String())
    demo = fields.Boolean()


class OpeningPeriodOut(Schema):
    days = fields.List(fields.String())
    opens = fields.String()
    closes = fields.String()


class DistributionCentreOut(Schema):
    distribution_centre_id = fields.UUID()
    name_th = fields.String()
    name_en = fields.String(allow_none=True)
    place = fields.Nested(PlaceOut)
    address = fields.String()
    opening_hours = fields.List(fields.Nested(OpeningPeriodOut))
    opening_hours_th = fields.Function(lambda centre: opening_hours_th(centre["opening_hours"]))
    time_zone = fields.String()
    contact = fields.Nested(ContactOut)
    serves_groups = fields.List(fields.Integer())
    status = fields.String()
    status_th = fields.Function(lambda centre: DISTRIBUTION_CENTRE_STATUSES.get(centre["status"], centre["status"]))
    demo = fields.Boolean()


class CommunityPlanOut(Schema):
    plan_id = fields.UUID()
    organisation_id = fields.UUID()
    organisation_name_th = fields.String()
    place = fields.Nested(PlaceOut)
    year_be = fields.Integer()
    focus = fields.String()
    focus_th = fields.Function(lambda plan: PLAN_FOCUSES.get(plan["focus"], plan["focus"]))
    status = fields.String()
    status_th = fields.Function(lambda plan: PLAN_STATUSES.get(plan["status"], plan["status"]))
    demo = fields.Boolean()


class Page(Schema):
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class OrganisationPage(Page):
    items = fields.List(fields.Nested(OrganisationOut))


class FundPage(Page):
    items = fields.List(fields.Nested(FundOut))


class CentrePage(Page):
    items = fields.List(fields.Nested(CentreOut))


class DistributionCentrePage(Page):
    items = fields.List(fields.Nested(DistributionCentreOut))


class CommunityPlanPage(Page):
    items = fields.List(fields.Nested(CommunityPlanOut))


class CoverageFigures(Schema):
    """How many subdistricts: in all, and with each of centres.queries.COVERAGE_FIGURES."""

    subdistricts = fields.Integer()
    with_plan = fields.Integer()
    with_incubation_centre = fields.Integer()
    with_planned_incubation_centre = fields.Integer()
    with_distribution_centre = fields.Integer()
    with_trade = fields.Integer()


class CoverageRow(CoverageFigures):
    code = fields.String()
    name_th = fields.String()
    name_en = fields.String(allow_none=True)
    place = fields.Nested(PlaceOut)  # the subdistrict level only
    province_group = fields.Integer(allow_none=True)
    region = fields.String(allow_none=True)


class CoverageReport(Page):
    level = fields.String()
    items = fields.List(fields.Nested(CoverageRow))
    totals = fields.Nested(CoverageFigures)
    note = fields.String()


class FocusArea(Schema):
    code = fields.String()
    name_th = fields.String()


class FocusAreas(Schema):
    items = fields.List(fields.Nested(FocusArea))
