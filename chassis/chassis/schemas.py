"""The marshmallow bases of the services' schemas and the loading that refuses in Thai.

Framework-free (no nameko, no werkzeug): domain modules such as an importer load through the same
schemas as the HTTP boundary (chassis.http), and must not reach the web framework doing so.
"""
import datetime as dt
import re

from marshmallow import RAISE, Schema, ValidationError, fields

from chassis.errors import InvalidInput
from chassis.messages import messages_in_thai


class Strict(Schema):
    """Base of request schemas: an unknown field is a 400, never silently dropped.

    A schema used as a request body declares ``example``, a body it loads, on its own class (not
    inherited): the OpenAPI document shows it and tests/contracts loads it through the schema.
    """

    example = None

    class Meta:
        unknown = RAISE


class Timestamp(fields.AwareDateTime):
    """An ISO 8601 time with its UTC offset, the offset one a real time zone uses (±14:00 at most).
    Python accepts offsets up to ±23:59, PostgreSQL only up to ±15:59: beyond is a 400, not a 500."""

    MAX_OFFSET = dt.timedelta(hours=14)

    def _deserialize(self, value, attr, data, **kwargs):
        result = super()._deserialize(value, attr, data, **kwargs)
        if abs(result.utcoffset()) > self.MAX_OFFSET:
            raise ValidationError("เขตเวลาต้องอยู่ระหว่าง -14:00 ถึง +14:00 (UTC offset beyond ±14:00)")
        return result


LONE_SURROGATE = re.compile("[\ud800-\udfff]")  # JSON's "\ud800" escapes decode to these


def unstorable(text):
    """Why PostgreSQL (UTF-8 text) cannot store ``text``, or None."""
    if "\x00" in text:
        return "มีอักขระ NUL (contains a NUL character)"
    if LONE_SURROGATE.search(text):
        return ("มีรหัส UTF-16 surrogate ที่ไม่มีคู่ ซึ่งไม่ใช่ Unicode ที่ถูกต้อง "
                "(contains a lone UTF-16 surrogate)")
    return None


def unstorable_fields(data, path=""):
    """{place: reason} for every string (key or value) in JSON ``data`` that PostgreSQL cannot store."""
    if isinstance(data, str):
        reason = unstorable(data)
        return {path.rstrip(".") or "_body": reason} if reason else {}
    found = {}
    if isinstance(data, dict):
        for key, value in data.items():
            reason = unstorable(str(key))
            # repr() escapes the character, so the refusal itself can be sent
            found.update({f"{path}{key!r}": reason} if reason else unstorable_fields(value, f"{path}{key}."))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.update(unstorable_fields(value, f"{path}{index}."))
    return found


def load(schema, data):
    """Validate with a marshmallow schema: field errors (in Thai, the English after) and text that
    PostgreSQL cannot store (NUL, lone surrogates) anywhere in ``data`` become a 400 naming the field."""
    refused = unstorable_fields(data)
    if refused:
        raise InvalidInput({place: [reason] for place, reason in refused.items()})
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise InvalidInput(messages_in_thai(exc.normalized_messages())) from None
