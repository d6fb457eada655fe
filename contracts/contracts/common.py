"""Field groups that several events share."""
from marshmallow import fields, validate

from contracts.envelope import Payload

Satang = lambda **kw: fields.Integer(strict=True, **kw)  # noqa: E731  money: integer satang
SUBDISTRICT_CODE = validate.Regexp(r"^\d{6}$", error="subdistrict code is six digits")


class Place(Payload):
    """Where a body is, resolved by the centres registry from a real subdistrict code."""

    subdistrict_code = fields.String(required=True, validate=SUBDISTRICT_CODE)
    district_code = fields.String(required=True)
    province_code = fields.String(required=True)
    province_group = fields.Integer(allow_none=True, load_default=None)  # None for Bangkok
    region = fields.String(allow_none=True, load_default=None)
    # names as the registry spells them, for people to read (added later: earlier events lack them)
    subdistrict_name_th = fields.String(allow_none=True, load_default=None)
    province_name_th = fields.String(allow_none=True, load_default=None)
