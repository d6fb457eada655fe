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
    juristic_id = fields.String(allow_none=True, load_default=None)  # DBD number (stdnum.th.moa)
    tax_id = fields.String(allow_none=True, load_default=None)  # 13-digit tax id (stdnum.th.tin)


class Fund(Payload):
    fund_id = fields.UUID(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True, load_default=None)
    place = fields.Nested(Place, required=True)
    centre_id = fields.UUID(allow_none=True, load_default=None)
    demo = fields.Boolean(load_default=False)


class Contact(Payload):
    name_th = fields.String(required=True)
    role = fields.String(allow_none=True, load_default=None)
    phone = fields.String(allow_none=True, load_default=None)
    email = fields.String(allow_none=True, load_default=None)


class Centre(Payload):
    """An incubation centre (ศูนย์บ่มเพาะเศรษฐกิจและทุนชุมชน)."""

    centre_id = fields.UUID(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True, load_default=None)
    place = fields.Nested(Place, required=True)
    intake_year_be = fields.Integer(required=True, strict=True)  # Buddhist era, e.g. 2563
    focus_areas = fields.List(fields.String(), required=True)  # codes, e.g. "community_tourism"
    contacts = fields.List(fields.Nested(Contact), load_default=list)
    partner_agencies = fields.List(fields.String(), load_default=list)
    demo = fields.Boolean(load_default=False)
    # added within version 1: "planned" (one of the centres still to open) or "active"; events
    # announced before it was added are of active centres
    status = fields.String(load_default="active")


class OpeningPeriod(Payload):
    """Days of the week ("mon" … "sun") open from ``opens`` to ``closes`` (HH:MM, the same day)."""

    days = fields.List(fields.String(), required=True)
    opens = fields.String(required=True)
    closes = fields.String(required=True)


class DistributionCentre(Payload):
    """A distribution centre (ศูนย์กระจายสินค้า): where goods are brought, and picked up, across provinces."""

    distribution_centre_id = fields.UUID(required=True)
    name_th = fields.String(required=True)
    name_en = fields.String(allow_none=True, load_default=None)
    place = fields.Nested(Place, required=True)
    address = fields.String(required=True)
    opening_hours = fields.List(fields.Nested(OpeningPeriod), required=True)
    time_zone = fields.String(required=True)  # of the opening hours: "Asia/Bangkok"
    contact = fields.Nested(Contact, required=True)
    serves_groups = fields.List(fields.Integer(strict=True), required=True)  # province groups 1-18
    status = fields.String(required=True)  # "planned", "active" or "closed"
    demo = fields.Boolean(load_default=False)


class CommunityPlan(Payload):
    """A community business plan (แผนธุรกิจเพื่อชุมชน, CBMC) of a subdistrict."""

    plan_id = fields.UUID(required=True)
    organisation_id = fields.UUID(required=True)
    place = fields.Nested(Place, required=True)
    year_be = fields.Integer(required=True, strict=True)  # Buddhist era, e.g. 2568
    focus = fields.String(required=True)  # "production", "processing_marketing" or "community_tourism"
    status = fields.String(required=True)  # "drafted", "approved", "in_progress" or "completed"
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

CENTRE_REGISTERED = EventType(
    "centres", "centre.registered", Centre,
    "An incubation centre joined the registry (full snapshot).")
CENTRE_UPDATED = EventType(
    "centres", "centre.updated", Centre,
    "An incubation centre's details changed (full snapshot).")


DISTRIBUTION_CENTRE_REGISTERED = EventType(
    "centres", "distribution_centre.registered", DistributionCentre,
    "A distribution centre joined the registry (full snapshot).")
DISTRIBUTION_CENTRE_UPDATED = EventType(
    "centres", "distribution_centre.updated", DistributionCentre,
    "A distribution centre's details changed (full snapshot).")

COMMUNITY_PLAN_REGISTERED = EventType(
    "centres", "community_plan.registered", CommunityPlan,
    "A community business plan was registered (full snapshot).")
COMMUNITY_PLAN_UPDATED = EventType(
    "centres", "community_plan.updated", CommunityPlan,
    "A community business plan changed, e.g. its status (full snapshot).")

EVENTS = [ORGANISATION_REGISTERED, ORGANISATION_UPDATED, FUND_REGISTERED, FUND_UPDATED,
          CENTRE_REGISTERED, CENTRE_UPDATED, DISTRIBUTION_CENTRE_REGISTERED, DISTRIBUTION_CENTRE_UPDATED,
          COMMUNITY_PLAN_REGISTERED, COMMUNITY_PLAN_UPDATED]
