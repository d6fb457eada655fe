"""Events produced by the centres registry."""
from marshmallow import fields

from contracts.common import Place
from contracts.envelope import EventType, Payload


class Organisation(Payload):
    organisation_id = fields.UUID(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True, load_default=None)
    kind = fields.String(required=True)
    place = fields.Nested(Place, required=True)
    centre_id = fields.UUID(allow_none=True, load_default=None)
    home_fund_id = fields.UUID(allow_none=True, load_default=None)
    demo = fields.Boolean(load_default=False)


class Fund(Payload):
    fund_id = fields.UUID(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True, load_default=None)
    place = fields.Nested(Place, required=True)
    centre_id = fields.UUID(allow_none=True, load_default=None)
    demo = fields.Boolean(load_default=False)


ORGANISATION_REGISTERED = EventType(
    "centres", "organisation.registered", Organisation,
    "A community organisation joined the registry (full snapshot).")
ORGANISATION_UPDATED = EventType(
    "centres", "organisation.updated", Organisation,
    "A community organisation's details changed (full snapshot).")
FUND_REGISTERED = EventType(
    "centres", "fund.registered", Fund,
    "A community welfare fund joined the registry (full snapshot).")
FUND_UPDATED = EventType(
    "centres", "fund.updated", Fund,
    "A community welfare fund's details changed (full snapshot).")

EVENTS = [ORGANISATION_REGISTERED, ORGANISATION_UPDATED, FUND_REGISTERED, FUND_UPDATED]
