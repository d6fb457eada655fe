"""The AsyncAPI 3.0 document of every event, generated from the contracts themselves.

    python -m contracts.docs            write contracts/asyncapi.yaml (tests/contracts fails if it is stale)

Payload schemas are JSON Schema (draft-07, the AsyncAPI schema format's base) derived from
the marshmallow schemas, envelope included; each event's example is built from the same
schemas. Nothing here lists events: everything comes from ``contracts.topology``.
"""
import datetime as dt
import uuid
from pathlib import Path

import yaml
from marshmallow import RAISE, fields, validate

from contracts import topology

DOCUMENT = Path(__file__).resolve().parents[1] / "asyncapi.yaml"
EXAMPLE_NAMESPACE = uuid.UUID("6f1d3c4e-2b7a-4e7e-9a51-0c0d1e2f3a4b")
EXAMPLE_TIME = dt.datetime(2026, 1, 15, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=7)))
AMQP_BINDING_VERSION = "0.3.0"

# field class → JSON Schema of its value; subclasses come first (UUID is a String)
SCALAR_TYPES = [
    (fields.UUID, {"type": "string", "format": "uuid"}),
    (fields.AwareDateTime, {"type": "string", "format": "date-time"}),
    (fields.DateTime, {"type": "string", "format": "date-time"}),
    (fields.Date, {"type": "string", "format": "date"}),
    (fields.String, {"type": "string"}),
    (fields.Integer, {"type": "integer"}),
    (fields.Boolean, {"type": "boolean"}),
    (fields.Dict, {"type": "object"}),
    (fields.Raw, {}),  # any JSON value
    (fields.Function, {}),  # computed on output: any JSON value
    (fields.Method, {}),
]


def component_key(text):
    """Keys of AsyncAPI maps: letters, digits, hyphens and underscores."""
    return text.replace(".", "-")


def message_id(event_type):
    return component_key(f"{event_type.source}.{event_type.name}.v{event_type.version}")


def validator_keywords(field):
    """JSON Schema keywords equivalent to the field's marshmallow validators."""
    keywords = {}
    for validator in field.validators:
        if isinstance(validator, validate.Email):
            keywords["format"] = "email"
        elif isinstance(validator, validate.URL):
            keywords["format"] = "uri"
        elif isinstance(validator, validate.Regexp):
            keywords["pattern"] = validator.regex.pattern
        elif isinstance(validator, validate.OneOf):
            keywords["enum"] = list(validator.choices)
        elif isinstance(validator, validate.Range):
            if validator.min is not None:
                keywords["minimum" if validator.min_inclusive else "exclusiveMinimum"] = validator.min
            if validator.max is not None:
                keywords["maximum" if validator.max_inclusive else "exclusiveMaximum"] = validator.max
        elif isinstance(validator, validate.Length):
            prefix = "Items" if isinstance(field, fields.List) else "Length"
            if validator.min is not None:
                keywords[f"min{prefix}"] = validator.min
            if validator.max is not None:
                keywords[f"max{prefix}"] = validator.max
            if validator.equal is not None:
                keywords[f"min{prefix}"] = keywords[f"max{prefix}"] = validator.equal
        # any other validator (a function, a custom class) has no JSON Schema equivalent: the
        # schema is looser there, and the contract tests check each example against decode()
    return keywords


def field_schema(field, output=False):
    """JSON Schema of a field's value; ``output``: as dumped (responses), else as loaded."""
    if isinstance(field, fields.Nested):
        schema = object_schema(field.schema, output)
        if field.many:
            schema = {"type": "array", "items": schema}
    elif isinstance(field, fields.List):
        schema = {"type": "array", "items": field_schema(field.inner, output)}
    else:
        schema = next((dict(json) for kind, json in SCALAR_TYPES if isinstance(field, kind)), None)
        if schema is None:
            raise TypeError(f"no JSON Schema for field {field!r}: add it to SCALAR_TYPES")
    schema.update(validator_keywords(field))
    if "description" in field.metadata:
        schema["description"] = field.metadata["description"]
    if "example" in field.metadata:  # fields.X(metadata={"example": ...}) documents a real value
        schema["examples"] = [field.metadata["example"]]
    if field.allow_none and "type" in schema:  # a schema without "type" already admits null
        schema["type"] = [schema["type"], "null"]
    return schema


def object_schema(schema, output=False):
    """JSON Schema of a marshmallow schema instance, keyed by each field's name on the wire.

    As loaded (default): unknown properties are allowed unless RAISE; a partial schema (a PATCH)
    requires nothing. As dumped (``output``): exactly the schema's fields, computed ones included,
    none of them guaranteed (a dump leaves out what the object lacks).
    """
    def wire(name, field):
        return field.data_key or name

    if output:
        return {"type": "object", "additionalProperties": False, "properties": {
            wire(name, field): field_schema(field, output=True)
            for name, field in schema.fields.items() if not field.load_only}}
    properties = {wire(name, field): field_schema(field) for name, field in schema.fields.items()
                  if not field.dump_only}
    partial = schema.partial
    required = [wire(name, field) for name, field in schema.fields.items() if field.required
                and not (partial is True or (partial and name in partial))]  # a PATCH: any subset
    result = {"type": "object", "properties": properties,
              "additionalProperties": schema.unknown != RAISE}
    if required:
        result["required"] = required
    return result


def envelope_schema(event_type):
    """The whole message body: the envelope with the event's payload in ``data``."""
    return {
        "type": "object",
        "required": ["event_id", "event_type", "source", "version", "occurred_at", "data"],
        "additionalProperties": True,
        "properties": {
            "event_id": {"type": "string", "format": "uuid",
                         "description": "Unique per event; consumers deduplicate on it."},
            "event_type": {"const": event_type.name},
            "source": {"const": event_type.source},
            "version": {"type": "integer", "minimum": 1, "maximum": event_type.version,
                        "description": "Contract version the producer wrote."},
            "occurred_at": {"type": "string", "format": "date-time"},
            "data": object_schema(event_type.schema()),
        },
    }


# -- examples ---------------------------------------------------------------------
def example_value(schema, path):
    """A deterministic value satisfying ``schema`` (as produced by ``field_schema``)."""
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if "examples" in schema:
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        return {name: example_value(sub, f"{path}.{name}")
                for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        count = max(1, schema.get("minItems", 1))
        return [example_value(schema["items"], f"{path}[{index}]") for index in range(count)]
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    if "pattern" in schema:
        return pattern_example(schema["pattern"])
    return {
        "uuid": lambda: str(uuid.uuid5(EXAMPLE_NAMESPACE, path)),
        "date-time": EXAMPLE_TIME.isoformat,
        "date": lambda: EXAMPLE_TIME.date().isoformat(),
        "email": lambda: "officer@example.org",
        "uri": lambda: "https://example.org/",
    }.get(schema.get("format"), lambda: f"example {path.rsplit('.', 1)[-1]}")()


def pattern_example(pattern):
    """The smallest string matching ``pattern``, found the same way every run."""
    from hypothesis import find, settings, strategies

    return find(strategies.from_regex(pattern, fullmatch=True), lambda text: True,
                settings=settings(database=None, derandomize=True))


def envelope_example(event_type):
    example = example_value(envelope_schema(event_type), message_id(event_type))
    example.update(event_id=str(uuid.uuid5(EXAMPLE_NAMESPACE, message_id(event_type))),
                   version=event_type.version)
    return example


# -- the document -----------------------------------------------------------------
def exchange_binding(event_type):
    return {"amqp": {"is": "routingKey", "bindingVersion": AMQP_BINDING_VERSION,
                     "exchange": {"name": event_type.exchange, "type": "topic",
                                  "durable": True, "autoDelete": False, "vhost": "/"}}}


def queue_binding(queue):
    return {"amqp": {"is": "queue", "bindingVersion": AMQP_BINDING_VERSION,
                     "queue": {"name": queue, "durable": True, "exclusive": False,
                               "autoDelete": False, "vhost": "/"}}}


def message(event_type):
    return {
        "name": event_type.name,
        "title": f"{event_type.source} {event_type.name} v{event_type.version}",
        "summary": event_type.description,
        "contentType": "application/json",
        "payload": {"$ref": f"#/components/schemas/{message_id(event_type)}"},
        "examples": [{"name": message_id(event_type), "payload": envelope_example(event_type)}],
        "x-event-version": event_type.version,
    }


def asyncapi():
    """The AsyncAPI 3.0 document as a dict."""
    channels, operations, messages, schemas = {}, {}, {}, {}
    for event_type in topology.ALL_EVENTS:
        ident = message_id(event_type)
        message_ref = {"$ref": f"#/components/messages/{ident}"}
        messages[ident] = message(event_type)
        schemas[ident] = envelope_schema(event_type)
        channels[ident] = {
            "address": event_type.name,
            "title": f"{event_type.exchange} / {event_type.name}",
            "description": f"Exchange {event_type.exchange}, routing key {event_type.name}.",
            "messages": {ident: message_ref},
            "bindings": exchange_binding(event_type),
        }
        operations[f"{event_type.source}_publishes_{ident}"] = {
            "action": "send",
            "title": f"{event_type.source} publishes {event_type.name}",
            "channel": {"$ref": f"#/channels/{ident}"},
            "messages": [{"$ref": f"#/channels/{ident}/messages/{ident}"}],
        }
    for consumer, event_types in topology.SUBSCRIPTIONS.items():
        for event_type in event_types:
            ident, queue = message_id(event_type), topology.queue_name(consumer, event_type)
            channels[component_key(queue)] = {
                "address": queue,
                "title": f"queue {queue}",
                "description": (f"Durable quorum queue bound to {event_type.exchange} with key "
                                f"{event_type.name}; dead letters go to "
                                f"{topology.dead_letter_queue_name(consumer)}."),
                "messages": {ident: {"$ref": f"#/components/messages/{ident}"}},
                "bindings": queue_binding(queue),
            }
            operations[f"{consumer}_receives_{ident}"] = {
                "action": "receive",
                "title": f"{consumer} consumes {event_type.name}",
                "channel": {"$ref": f"#/channels/{component_key(queue)}"},
                "messages": [{"$ref": f"#/channels/{component_key(queue)}/messages/{ident}"}],
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "CODI community marketplace events",
            "version": "1.0.0",
            "description": ("Every event exchanged by the marketplace, funds, centres and "
                            "notifications services. Generated by `make contracts` from "
                            "contracts/contracts; do not edit. Evolution rule: contracts/README.md."),
        },
        "defaultContentType": "application/json",
        "servers": {"rabbitmq": {"host": "rabbitmq:5672", "protocol": "amqp",
                                 "protocolVersion": "0.9.1"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def render():
    header = "# Generated by `make contracts` (python -m contracts.docs); do not edit.\n"
    return header + yaml.safe_dump(asyncapi(), sort_keys=False, allow_unicode=True, width=100)


def main():
    DOCUMENT.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCUMENT}")


if __name__ == "__main__":
    main()
