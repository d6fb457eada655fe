"""Events produced by the funds service: officers and levy movements."""
from marshmallow import fields, validate

from contracts.common import Satang
from contracts.envelope import EventType, Payload
from contracts.marketplace import LINE_KINDS, Route

TRADE_KINDS = ("sale", "share", "exchange")


class Preferences(Payload):
    per_credit = fields.Boolean(load_default=True)
    daily_digest_at = fields.String(allow_none=True, load_default=None,
                                    validate=validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$"))
    monthly_statement = fields.Boolean(load_default=True)


class Officer(Payload):
    officer_id = fields.UUID(required=True)
    fund_id = fields.UUID(required=True)
    name = fields.String(required=True)
    email = fields.Email(required=True)
    language = fields.String(load_default="th", validate=validate.OneOf(["th", "en"]))
    preferences = fields.Nested(Preferences, load_default=lambda: Preferences().load({}))
    active = fields.Boolean(load_default=True)


class LevyLineV1(Payload):
    line_no = fields.Integer(required=True, strict=True)
    product_id = fields.UUID(required=True)
    product_name = fields.String(required=True)
    unit = fields.String(required=True)
    quantity = fields.Integer(required=True, strict=True)
    levy_satang = Satang(required=True)


class LevyLine(LevyLineV1):
    kind = fields.String(required=True, validate=validate.OneOf(LINE_KINDS))
    product_id = fields.UUID(required=True, allow_none=True)  # None on a shipping line


class Balance(Payload):
    posted_satang = Satang(required=True)
    pending_satang = Satang(required=True)


class LevyMovementV1(Payload):
    """A change to what a fund is owed from one order, with the fund's balance after it."""

    credit_id = fields.UUID(required=True)
    fund_id = fields.UUID(required=True)
    fund_name_th = fields.String(required=True)
    order_id = fields.UUID(required=True)
    seller_org_id = fields.UUID(required=True)
    buyer_org_id = fields.UUID(required=True)
    agreement_id = fields.UUID(required=True)
    agreement_version = fields.Integer(required=True, strict=True)
    amount_satang = Satang(required=True)
    lines = fields.List(fields.Nested(LevyLineV1), required=True)
    balance = fields.Nested(Balance, required=True)
    officer_ids = fields.List(fields.UUID(), load_default=list)  # who must be told, per the registry
    transaction_id = fields.UUID(allow_none=True, load_default=None)  # the fund ledger transaction


class Party(Payload):
    """An organisation as people read it: its name and where it is."""

    org_id = fields.UUID(required=True)
    name_th = fields.String(allow_none=True, load_default=None)  # None if the registry has not told yet
    province_code = fields.String(allow_none=True, load_default=None)
    province_name_th = fields.String(allow_none=True, load_default=None)


class LevyMovement(LevyMovementV1):
    """Version 2: what kind of trade it came from (``order_id`` is the order's, share's or exchange's
    id), who traded with whom, and the route the goods took, so that people can read it."""

    trade_kind = fields.String(required=True, validate=validate.OneOf(TRADE_KINDS))
    lines = fields.List(fields.Nested(LevyLine), required=True)
    seller = fields.Nested(Party, required=True)   # the seller, giver or owner
    buyer = fields.Nested(Party, required=True)    # the buyer, receiver or offerer
    route = fields.Nested(Route, allow_none=True, load_default=None)  # None for a trade told without one


class ReversalFacts(Payload):
    """Part of a credit given back after a refund: ``lines`` are the refunded quantities and
    the levy they carried; ``amount_satang`` is their sum. ``shortfall_satang`` of it was booked
    to the fund's receivable account because the fund did not hold that much posted."""

    original_credit_id = fields.UUID(required=True)   # the credit this reverses (= credit_id)
    reversal_id = fields.UUID(required=True)          # the new ledger transaction
    refund_id = fields.UUID(allow_none=True, load_default=None)
    phase = fields.String(required=True, validate=validate.OneOf(["pending", "posted"]))
    shortfall_satang = Satang(load_default=0)


class LevyReversalV1(LevyMovementV1, ReversalFacts):
    pass


class LevyReversal(LevyMovement, ReversalFacts):
    pass


class MonthlyStatement(Payload):
    """A fund's statement for one closed month (Asia/Bangkok), issued once per fund and month, with
    its CSV (the same as ``GET /v1/funds/{id}/statements/{month}?format=csv``)."""

    fund_id = fields.UUID(required=True)
    fund_name_th = fields.String(required=True)
    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-\d{2}$"))  # YYYY-MM (Gregorian)
    month_th = fields.String(required=True)   # e.g. "พฤษภาคม 2566"
    opening = fields.Nested(Balance, required=True)
    closing = fields.Nested(Balance, required=True)
    entry_count = fields.Integer(required=True, strict=True)
    csv = fields.String(required=True)


OFFICER_REGISTERED = EventType("funds", "officer.registered", Officer,
                               "A fund officer was registered or changed (full snapshot).")
LEVY_PENDING = EventType("funds", "levy.pending", LevyMovement,
                         "A levy was frozen at payment (or at a share's or exchange's receipt, where an "
                         "agreement says so) and credited as pending to a fund.",
                         version=2, earlier={1: LevyMovementV1})

LEVY_POSTED = EventType("funds", "levy.posted", LevyMovement,
                        "The goods were received: the pending levy was posted to the fund.",
                        version=2, earlier={1: LevyMovementV1})
LEVY_VOIDED = EventType("funds", "levy.voided", LevyMovement,
                        "An order was cancelled or expired before receipt: its pending levy was voided.",
                        version=2, earlier={1: LevyMovementV1})
LEVY_REVERSED = EventType("funds", "levy.reversed", LevyReversal,
                          "Part of an order was refunded: the levy of the refunded quantities was reversed.",
                          version=2, earlier={1: LevyReversalV1})

STATEMENT_ISSUED = EventType("funds", "statement.issued", MonthlyStatement,
                             "A month closed (Asia/Bangkok): the fund's statement for it, once per fund and month.")

EVENTS = [OFFICER_REGISTERED, LEVY_PENDING, LEVY_POSTED, LEVY_VOIDED, LEVY_REVERSED, STATEMENT_ISSUED]
