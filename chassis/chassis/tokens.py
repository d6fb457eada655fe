"""Tokens over HTTP, on every service (``chassis.service.PlatformService``): an operator grants a
short-lived token to act for a person (the website, once it has signed them in), and any principal
revokes the token it sends (signing out). Tokens are stored as SHA-256 digests (``chassis.auth``).
"""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from chassis import auth
from chassis.schemas import Strict

MIN_TTL_SECONDS, MAX_TTL_SECONDS, DEFAULT_TTL_SECONDS = 60, 12 * 3600, 8 * 3600
NO_SUBJECT = "โทเคนของเจ้าหน้าที่ระบบไม่มี subject_id (an operator token has no subject_id)"
SUBJECT_NEEDED = "ต้องระบุ subject_id ขององค์กรหรือเจ้าหน้าที่กองทุน (required for an organisation or officer token)"


class TokenIn(Strict):
    kind = fields.String(required=True, validate=validate.OneOf(auth.KINDS))
    subject_id = fields.UUID()
    ttl_seconds = fields.Integer(strict=True, load_default=DEFAULT_TTL_SECONDS,
                                 validate=validate.Range(min=MIN_TTL_SECONDS, max=MAX_TTL_SECONDS))
    label = fields.String(load_default="", validate=validate.Length(max=200))

    @validates_schema
    def subject_by_kind(self, data, **kwargs):
        if data.get("kind") == "operator" and "subject_id" in data:
            raise ValidationError(NO_SUBJECT, "subject_id")
        if data.get("kind") in ("organisation", "officer") and data.get("subject_id") is None:
            raise ValidationError(SUBJECT_NEEDED, "subject_id")

    # the website acts for an officer it has signed in by email, for eight hours
    example = {"kind": "officer", "subject_id": "3f9a2c71-5b8e-4d06-a1c4-7e2b9d0f6a53", "ttl_seconds": 28800,
               "label": "web: somchai@example.org"}


class TokenOut(Schema):
    token = fields.String()
    kind = fields.String()
    subject_id = fields.UUID(allow_none=True)
    expires_at = fields.AwareDateTime()


def grant(cursor, command):
    """A new short-lived token as ``command`` (a loaded TokenIn) asks: {token, kind, subject_id, expires_at}."""
    return auth.grant(cursor, command["kind"], command.get("subject_id"), command["label"],
                      command["ttl_seconds"])


def revoke_current(cursor, authorization_header):
    """Revoke the token the request was sent with (already authenticated by @http)."""
    auth.revoke(cursor, auth.bearer_token(authorization_header))
