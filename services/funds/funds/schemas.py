"""What crosses the funds service's HTTP boundary."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chassis.schemas import Strict, Timestamp
from chassis.thai import format_baht
from funds.levy import BASES, RECIPIENTS, TRADE_KINDS
from funds.routes import BY as ROUTE_LEVELS
from funds.statements import KIND_TH, PHASES

ROLLUP_KEYS = ("region", "province_group", "centre")


class AgreementIn(Strict):
    seller_org_id = fields.UUID(required=True)
    basis = fields.String(required=True, validate=validate.OneOf(BASES))
    rate = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=10**9))
    recipient = fields.String(required=True, validate=validate.OneOf(RECIPIENTS))
    fund_id = fields.UUID(allow_none=True)
    category = fields.String(allow_none=True)
    product_ids = fields.List(fields.UUID(), allow_none=True)
    effective_from = Timestamp(required=True)
    effective_to = Timestamp(allow_none=True)
    levies_shipping = fields.Boolean(load_default=False)   # levy the order's shipping line too
    trade_kinds = fields.List(fields.String(validate=validate.OneOf(TRADE_KINDS)), load_default=lambda: ["sale"],
                              validate=validate.Length(min=1, max=len(TRADE_KINDS)))

    # 4 baht (400 satang) of every bag of rice the seller sells goes to the fund
    example = {"seller_org_id": "7b3e9c2a-1f4d-4a8b-9c6e-5d2f0a1b3c47", "basis": "per_unit", "rate": 400,
               "recipient": "fund", "fund_id": "c5a1d7e3-9b2f-4e6a-8d4c-0f3b7a2e1d58", "category": "rice",
               "effective_from": "2026-01-01T00:00:00+07:00"}


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
    levies_shipping = fields.Boolean()
    trade_kinds = fields.List(fields.String())


class AgreementList(Schema):
    agreements = fields.List(fields.Nested(AgreementOut))


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

    example = {"name": "สมชาย รักชุมชน", "email": "somchai@example.org", "language": "th",
               "preferences": {"per_credit": True, "daily_digest_at": "18:00", "monthly_statement": True}}


DIGEST_TIME = r"^([01]\d|2[0-3]):[0-5]\d$"
NOTHING_TO_CHANGE = "ต้องระบุอย่างน้อยหนึ่งช่อง (nothing to change)"


class PreferencesPatch(Strict):
    """Any of an officer's preferences; the others stay as they are."""

    per_credit = fields.Boolean()
    daily_digest_at = fields.String(allow_none=True, validate=validate.Regexp(DIGEST_TIME))
    monthly_statement = fields.Boolean()


class OfficerPatch(Strict):
    """Any of an officer's own fields (an officer's fund never changes)."""

    name = fields.String(validate=validate.Length(min=1, max=200))
    email = fields.Email()
    language = fields.String(validate=validate.OneOf(["th", "en"]))
    preferences = fields.Nested(PreferencesPatch)

    @validates_schema
    def something_to_change(self, data, **kwargs):
        if not data:
            raise ValidationError(NOTHING_TO_CHANGE, "_body")
        if data.get("preferences") == {}:
            raise ValidationError(NOTHING_TO_CHANGE, "preferences")

    example = {"email": "somchai.r@example.org", "preferences": {"daily_digest_at": None, "per_credit": True}}


class OfficersQuery(Strict):
    email = fields.Email(required=True)


class OfficerOut(Schema):
    officer_id = fields.UUID()
    fund_id = fields.UUID()
    name = fields.String()
    email = fields.String()
    language = fields.String()
    preferences = fields.Dict()
    active = fields.Boolean()


class OfficerList(Schema):
    officers = fields.List(fields.Nested(OfficerOut))


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


class EntriesQuery(Strict):
    kind = fields.String(validate=validate.OneOf(list(KIND_TH)))
    phase = fields.String(validate=validate.OneOf(PHASES))
    order_id = fields.UUID()
    since = Timestamp()
    until = Timestamp()
    cursor = fields.Integer(validate=validate.Range(min=1, max=2**63 - 1))  # a bigint entry id
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class EntryOut(Schema):
    id = fields.Integer()
    created_at = fields.AwareDateTime()
    kind = fields.String()
    phase = fields.String()
    amount_satang = fields.Integer()
    amount_th = fields.Function(lambda entry: format_baht(entry["amount_satang"]))
    transaction_id = fields.UUID()
    credit_id = fields.UUID(allow_none=True)
    order_id = fields.UUID(allow_none=True)   # the order's, or the share's or exchange's (trade_kind)
    trade_kind = fields.String(allow_none=True)


class EntriesPageOut(Schema):
    entries = fields.List(fields.Nested(EntryOut))
    next_cursor = fields.String(allow_none=True)


class StatementQuery(Strict):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv"]))


class StatementBalanceOut(BalanceOut):
    posted_th = fields.String()
    pending_th = fields.String()


class StatementEntryOut(EntryOut):
    balance_after_satang = fields.Integer()
    description_th = fields.String()


class StatementOut(Schema):
    fund_id = fields.UUID()
    fund_name_th = fields.String()
    month = fields.String()
    month_th = fields.String()
    opening = fields.Nested(StatementBalanceOut)
    closing = fields.Nested(StatementBalanceOut)
    entries = fields.List(fields.Nested(StatementEntryOut))


class LevyByMonthQuery(Strict):
    months = fields.Integer(load_default=12, validate=validate.Range(min=1, max=36))


class MonthLevyOut(Schema):
    month = fields.String()            # YYYY-MM (Christian era), a calendar month in Asia/Bangkok
    month_th = fields.String()         # e.g. "พฤษภาคม 2566" (Buddhist era)
    credited_satang = fields.Integer()
    posted_satang = fields.Integer()


class LevyByMonthOut(Schema):
    fund_id = fields.UUID()
    months = fields.List(fields.Nested(MonthLevyOut))


class AgreementsQuery(Strict):
    seller_org_id = fields.UUID()
    all_versions = fields.Boolean(load_default=False)


class RollupQuery(Strict):
    by = fields.String(required=True, validate=validate.OneOf(list(ROLLUP_KEYS)))
    trade_kind = fields.String(validate=validate.OneOf(TRADE_KINDS))


class RollupGroupOut(Schema):
    key = fields.Raw(allow_none=True)   # region name, province group number or centre id
    funds = fields.Integer()
    posted_satang = fields.Integer()
    pending_satang = fields.Integer()
    posted_th = fields.Function(lambda group: format_baht(group["posted_satang"]))
    pending_th = fields.Function(lambda group: format_baht(group["pending_satang"]))


class RollupOut(Schema):
    by = fields.String()
    trade_kind = fields.String(allow_none=True)
    groups = fields.List(fields.Nested(RollupGroupOut))


class RoutesQuery(Strict):
    by = fields.String(required=True, validate=validate.OneOf(ROUTE_LEVELS))
    trade_kind = fields.String(validate=validate.OneOf(TRADE_KINDS))


class RouteEndOut(Schema):
    code = fields.String(allow_none=True)   # province code, province group number, "bangkok"; None: unknown
    name_th = fields.String()


class RouteOut(Schema):
    origin = fields.Nested(RouteEndOut)
    destination = fields.Nested(RouteEndOut)
    route_th = fields.String()              # e.g. "ชัยภูมิ → ภูเก็ต"
    pending_satang = fields.Integer()
    posted_satang = fields.Integer()
    pending_th = fields.Function(lambda route: format_baht(route["pending_satang"]))
    posted_th = fields.Function(lambda route: format_baht(route["posted_satang"]))
    orders = fields.Integer()               # orders, shares and sides of exchanges
    units = fields.Integer()


class RoutesOut(Schema):
    by = fields.String()
    trade_kind = fields.String(allow_none=True)
    routes = fields.List(fields.Nested(RouteOut))
