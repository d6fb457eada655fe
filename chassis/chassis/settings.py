"""Typed settings with their defaults in one place: a frozen dataclass per service.

A field ``order_ttl_minutes`` is read from the config key ``ORDER_TTL_MINUTES`` (config.yaml passes
the environment variable through as ``${ORDER_TTL_MINUTES:}``); a missing or empty value means the
field's default. Values are checked and converted by marshmallow (already the project's validator),
so a wrong one stops the service at start-up with the key named.
"""
import dataclasses
import types
import typing

from marshmallow import Schema, ValidationError, fields

FIELD_TYPES = {int: fields.Integer, float: fields.Float, str: fields.String, bool: fields.Boolean}


def _field(annotation, key):
    """(the Python type, the marshmallow field reading it from ``key``) of an annotation; ``T | None``
    is T or nothing."""
    optional = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    base = next(arg for arg in typing.get_args(annotation) if arg is not type(None)) if optional else annotation
    return base, FIELD_TYPES[base](allow_none=optional, data_key=key)


@dataclasses.dataclass(frozen=True)
class PlatformSettings:
    """What every service has: the chassis's plumbing. A service's Settings extends it."""
    retention_interval_s: float = 3600        # how often the plumbing tables are pruned (0: never)
    inbox_retention_days: float = 30          # chassis.retention says what each horizon protects
    idempotency_retention_days: float = 7
    outbox_retention_days: float = 7
    retention_batch: int = 1000
    outbox_poll_seconds: float = 1.0          # relay polling (NOTIFY wakes it sooner)
    outbox_batch: int = 200
    consumer_batch_size: int = 100            # events handled in one transaction at most (prefetch: two batches)
    consumer_batch_linger_ms: float = 2       # a batch closes this long after its first event at the latest
    db_pool_size: int | None = None           # None: the container's max_workers
    token_cache_seconds: float = 5            # a token revoked elsewhere is refused here within this (0: no cache)

    @classmethod
    def from_config(cls, config):
        """The settings in a nameko config dict (missing or empty keys: the defaults)."""
        hints = typing.get_type_hints(cls)
        given, schema_fields = {}, {}
        for field in dataclasses.fields(cls):
            key = field.name.upper()
            value = config.get(key)
            if value is None or value == "":
                continue
            base, schema_fields[field.name] = _field(hints[field.name], key)
            # YAML types what looks like a number or a boolean: a string setting stays a string
            given[key] = str(value) if base is str else value
        try:
            return cls(**Schema.from_dict(schema_fields)().load(given))
        except ValidationError as exc:
            raise ValueError(f"ค่าตั้งไม่ถูกต้อง (invalid settings): {exc.messages}") from None
