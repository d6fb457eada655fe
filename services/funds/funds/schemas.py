"""What crosses the funds service's HTTP boundary."""
from marshmallow import RAISE, Schema, fields, validate

from funds.levy import BASES, RECIPIENTS


class Strict(Schema):
    class Meta:
        unknown = RAISE


class AgreementIn(Strict):
    seller_org_id = fields.UUID(required=True)
    basis = fields.String(required=True, validate=validate.OneOf(BASES))
    rate = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10**9))
    recipient = fields.String(required=True, validate=validate.OneOf(RECIPIENTS))
    fund_id = fields.UUID(allow_none=True)
    category = fields.String(allow_none=True)
    product_ids = fields.List(fields.UUID(), allow_none=True)
    effective_from = fields.AwareDateTime(required=True)
    effective_to = fields.AwareDateTime(allow_none=True)


class AgreementOut(Schema):
    id = fields.UUID()
    version = fields.Integer()
    seller_org_id = fields.UUID()
    basis = fields.String()
    rate = fields.Integer()
    recipient = fields.String()
    fund_id = fields.UUID(allow_none=True)
    category = fields.String(allow_none=True)
    product_ids = fields.List(fields.UUID(), allow_none=True)
    effective_from = fields.AwareDateTime()
    effective_to = fields.AwareDateTime(allow_none=True)


class PreferencesIn(Strict):
    per_credit = fields.Boolean(load_default=True)
    daily_digest_at = fields.String(allow_none=True, load_default=None,
                                    validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"))
    monthly_statement = fields.Boolean(load_default=True)


class OfficerIn(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True)
    language = fields.String(load_default="th", validate=validate.OneOf(["th", "en"]))
    preferences = fields.Nested(PreferencesIn)


class OfficerOut(Schema):
    officer_id = fields.UUID()
    fund_id = fields.UUID()
    name = fields.String()
    email = fields.String()
    language = fields.String()
    preferences = fields.Dict()
    active = fields.Boolean()


class BalanceOut(Schema):
    posted_satang = fields.Integer()
    pending_satang = fields.Integer()


class FundOut(Schema):
    id = fields.UUID()
    name_th = fields.String()
    province_code = fields.String()
    province_group = fields.Integer(allow_none=True)
    region = fields.String(allow_none=True)
    balance = fields.Nested(BalanceOut)
