"""The envelope every event travels in, and the encode/decode pair around it.

Evolution rule: within a version, changes are additive only (new optional fields);
consumers ignore fields they do not know. A breaking change is a new version.
"""
import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from functools import cached_property

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate


class Payload(Schema):
    """Base of every event payload: tolerant of fields added later."""

    class Meta:
        unknown = EXCLUDE


@dataclass(frozen=True)
class EventType:
    source: str          # the producing service
    name: str            # also the routing key, e.g. "order.paid"
    schema: type         # marshmallow schema of the payload
    description: str
    version: int = 1
    # {earlier version: its payload schema}: what a consumer still accepts while producers of an
    # earlier version are in flight (a rollout); the current version's schema is ``schema``
    earlier: dict = field(default=None, hash=False, compare=False)

    @cached_property
    def payload_schema(self):
        """One instance per event type: building a marshmallow schema costs more than using it."""
        return self.schema()

    @cached_property
    def _earlier_schemas(self):
        return {version: schema() for version, schema in (self.earlier or {}).items()}

    def schema_of(self, version):
        """The payload schema of ``version`` (an earlier one, or the current)."""
        if version == self.version:
            return self.payload_schema
        if version not in self._earlier_schemas:
            raise ValidationError(f"version {version} of {self.key} is no longer accepted")
        return self._earlier_schemas[version]

    @property
    def exchange(self):
        return f"{self.source}.events"

    @property
    def key(self):
        return f"{self.source}/{self.name}"


class EnvelopeSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    event_id = fields.UUID(required=True)
    event_type = fields.String(required=True)
    source = fields.String(required=True)
    version = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    occurred_at = fields.AwareDateTime(required=True)
    data = fields.Dict(required=True)


_ENVELOPE = EnvelopeSchema()


@dataclass(frozen=True)
class Event:
    event_id: uuid.UUID
    type: EventType
    occurred_at: dt.datetime
    data: dict


def _reject_floats(value, path="data"):
    """No event carries a float: money is integer satang, quantities are integers.

    (marshmallow's Integer would silently truncate 6250.5 to 6250 when dumping.)
    """
    if isinstance(value, float):
        raise ValidationError(f"{path} is a float; money and quantities are integers")
    if isinstance(value, dict):
        for key, item in value.items():
            _reject_floats(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _reject_floats(item, f"{path}[{index}]")


def encode(event_type, data, event_id=None, occurred_at=None):
    """Validate ``data`` against the contract and return (event_id, JSON text)."""
    _reject_floats(data)
    schema = event_type.payload_schema
    payload = schema.dump(data)
    errors = schema.validate(payload)
    if errors:
        raise ValidationError(errors)
    envelope = {
        "event_id": str(event_id or uuid.uuid4()),
        "event_type": event_type.name,
        "source": event_type.source,
        "version": event_type.version,
        "occurred_at": (occurred_at or dt.datetime.now(dt.timezone.utc)).isoformat(),
        "data": payload,
    }
    return uuid.UUID(envelope["event_id"]), json.dumps(envelope, ensure_ascii=False)


def decode(event_type, body):
    """Parse a received body (JSON text, bytes or an already-decoded dict) into an Event.

    Raises ValidationError when the body does not satisfy the contract.
    """
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError(f"body is not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise ValidationError("body is not a JSON object")
    envelope = _ENVELOPE.load(body)
    if envelope["event_type"] != event_type.name or envelope["source"] != event_type.source:
        raise ValidationError(
            f"expected {event_type.key}, got {envelope['source']}/{envelope['event_type']}"
        )
    if envelope["version"] > event_type.version:
        raise ValidationError(
            f"version {envelope['version']} is newer than the known {event_type.version}"
        )
    data = event_type.schema_of(envelope["version"]).load(envelope["data"])
    return Event(envelope["event_id"], event_type, envelope["occurred_at"], data)
