"""What crosses the HTTP boundary of the registry."""
from marshmallow import Schema, fields, validate

from chassis.schemas import Strict

from centres.registry import FOCUS_AREAS, ORGANISATION_KINDS

NAME = validate.And(validate.Length(min=1, max=300),
                    validate.Regexp(r"(?s).*\S", error="ต้องไม่เว้นว่าง (must not be blank)"))
REGISTRATION_NUMBER = validate.Length(max=30)
SUBDISTRICT = validate.Regexp(r"^\d{6}$", error="รหัสตำบลเป็นตัวเลข 6 หลัก (six digits)")


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
    demo = fields.Boolean()

    example = {"name_th": "วิสาหกิจชุมชนข้าวหอมมะลิบ้านในเมือง",
               "name_en": "Ban Nai Mueang jasmine rice community enterprise",
               "kind": "community_enterprise", "subdistrict_code": "360101"}


class FundIn(Strict):
    fund_id = fields.UUID()
    name_th = fields.String(required=True, validate=NAME)
    name_en = fields.String(allow_none=True, validate=NAME)
    subdistrict_code = fields.String(required=True, validate=SUBDISTRICT)
    centre_id = fields.UUID(allow_none=True)
    demo = fields.Boolean()

    example = {"name_th": "กองทุนสวัสดิการชุมชนตำบลตลาดใหญ่", "name_en": "Talat Yai community welfare fund",
               "subdistrict_code": "830101"}


class ContactIn(Strict):
    name_th = fields.String(required=True, validate=NAME)
    role = fields.String(allow_none=True, validate=validate.Length(max=200))
    phone = fields.String(allow_none=True, validate=validate.Length(max=30))
    email = fields.Email(allow_none=True)


class CentreIn(Strict):
    centre_id = fields.UUID()
    name_th = fields.String(required=True, validate=NAME)
    name_en = fields.String(allow_none=True, validate=NAME)
    subdistrict_code = fields.String(required=True, validate=SUBDISTRICT)
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


class ListQuery(Strict):
    """Filters of the list endpoints; repeated or unknown parameters are a 400."""

    region = fields.String()
    province_group = fields.Integer()
    province = fields.String(validate=validate.Regexp(r"^\d{2}$"))
    district = fields.String(validate=validate.Regexp(r"^\d{4}$"))
    subdistrict = fields.String(validate=SUBDISTRICT)
    focus_area = fields.String(validate=validate.OneOf(FOCUS_AREAS))
    q = fields.String(validate=validate.Length(min=1, max=100))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=10**9))  # SQL OFFSET is a bigint


class FundQuery(ListQuery):
    centre_id = fields.UUID()


class OrganisationQuery(FundQuery):
    kind = fields.String(validate=validate.OneOf(ORGANISATION_KINDS))


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
    demo = fields.Boolean()


class FundOut(Schema):
    fund_id = fields.UUID()
    name_th = fields.String()
    name_en = fields.String(allow_none=True)
    place = fields.Nested(PlaceOut)
    centre_id = fields.UUID(allow_none=True)
    demo = fields.Boolean()


class ContactOut(Schema):
    name_th = fields.String()
    role = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)


class CentreOut(Schema):
    centre_id = fields.UUID()
    name_th = fields.String()
    name_en = fields.String(allow_none=True)
    place = fields.Nested(PlaceOut)
    intake_year_be = fields.Integer()
    focus_areas = fields.List(fields.String())
    focus_areas_th = fields.Function(lambda centre: [FOCUS_AREAS.get(area, area) for area in centre["focus_areas"]])
    contacts = fields.List(fields.Nested(ContactOut))
    partner_agencies = fields.List(fields.String())
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


class FocusArea(Schema):
    code = fields.String()
    name_th = fields.String()


class FocusAreas(Schema):
    items = fields.List(fields.Nested(FocusArea))
