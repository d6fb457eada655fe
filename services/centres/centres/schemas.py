"""What crosses the HTTP boundary of the registry."""
from marshmallow import RAISE, Schema, fields, validate

NAME = validate.Length(min=1, max=300)


class Strict(Schema):
    class Meta:
        unknown = RAISE


class OrganisationIn(Strict):
    organisation_id = fields.UUID()
    name_th = fields.String(required=True, validate=NAME)
    name_en = fields.String(allow_none=True, validate=NAME)
    kind = fields.String(required=True)
    subdistrict_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    centre_id = fields.UUID(allow_none=True)
    home_fund_id = fields.UUID(allow_none=True)
    demo = fields.Boolean()


class FundIn(Strict):
    fund_id = fields.UUID()
    name_th = fields.String(required=True, validate=NAME)
    name_en = fields.String(allow_none=True, validate=NAME)
    subdistrict_code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$"))
    centre_id = fields.UUID(allow_none=True)
    demo = fields.Boolean()


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
    demo = fields.Boolean()


class FundOut(Schema):
    fund_id = fields.UUID()
    name_th = fields.String()
    name_en = fields.String(allow_none=True)
    place = fields.Nested(PlaceOut)
    centre_id = fields.UUID(allow_none=True)
    demo = fields.Boolean()
