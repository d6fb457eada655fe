"""Events produced by the web service: the people's pages."""
from marshmallow import fields, validate

from contracts.envelope import EventType, Payload


class SigninLink(Payload):
    """A person asked to sign in and the email is registered: send them this one-time link.

    The link carries its secret; it is single use and expires at ``expires_at``."""

    email = fields.Email(required=True)
    link = fields.Url(required=True, require_tld=False)
    expires_at = fields.AwareDateTime(required=True)
    language = fields.String(load_default="th", validate=validate.OneOf(["th", "en"]))


SIGNIN_LINK_REQUESTED = EventType("web", "signin.link_requested", SigninLink,
                                  "A one-time sign-in link for a registered email, to be emailed to it.")

EVENTS = [SIGNIN_LINK_REQUESTED]
