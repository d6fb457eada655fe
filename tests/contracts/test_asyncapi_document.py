"""contracts/asyncapi.yaml: up to date, a valid AsyncAPI 3.0 document, and true to the contracts."""
import copy
import json
import warnings

import jsonschema
import pytest
import yaml
from marshmallow import ValidationError, fields

from contracts import decode, docs, topology
from contracts.envelope import Payload

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # asyncapi3's models warn about shadowed field names
    from asyncapi3 import AsyncAPI3


@pytest.fixture(scope="module")
def document():
    return yaml.safe_load(docs.DOCUMENT.read_text(encoding="utf-8"))


def pointer(document, ref):
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def references(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def test_the_committed_document_is_what_make_contracts_generates():
    assert docs.DOCUMENT.read_text(encoding="utf-8") == docs.render(), \
        "contracts/asyncapi.yaml is stale: run `make contracts` and commit it"


def test_the_document_is_valid_asyncapi_3(document):
    AsyncAPI3.model_validate(document)
    for ref in references(document):
        pointer(document, ref)  # a dangling reference raises KeyError


def test_the_validator_refuses_a_broken_document(document):
    broken = copy.deepcopy(document)
    next(iter(broken["operations"].values()))["action"] = "publish"  # AsyncAPI 2 wording
    with pytest.raises(Exception, match="action"):
        AsyncAPI3.model_validate(broken)


def test_every_event_is_documented_with_its_version_exchange_and_routing_key(document):
    for event_type in topology.ALL_EVENTS:
        ident = docs.message_id(event_type)
        channel = document["channels"][ident]
        assert channel["address"] == event_type.name
        assert channel["bindings"]["amqp"]["exchange"]["name"] == event_type.exchange
        message = document["components"]["messages"][ident]
        assert message["x-event-version"] == event_type.version
        assert document["components"]["schemas"][ident]["properties"]["version"]["maximum"] \
            == event_type.version


def test_every_subscription_is_documented_as_a_receiving_queue(document):
    for consumer, event_types in topology.SUBSCRIPTIONS.items():
        for event_type in event_types:
            queue = topology.queue_name(consumer, event_type)
            operation = document["operations"][f"{consumer}_receives_{docs.message_id(event_type)}"]
            assert operation["action"] == "receive"
            assert pointer(document, operation["channel"]["$ref"])["address"] == queue


@pytest.mark.parametrize("event_type", topology.ALL_EVENTS, ids=docs.message_id)
def test_the_example_satisfies_both_the_json_schema_and_the_consumers_decoder(document, event_type):
    ident = docs.message_id(event_type)
    schema = document["components"]["schemas"][ident]
    [example] = document["components"]["messages"][ident]["examples"]
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    validator.validate(example["payload"])
    event = decode(event_type, json.dumps(example["payload"]))
    assert str(event.event_id) == example["payload"]["event_id"]


@pytest.mark.parametrize("event_type", topology.ALL_EVENTS, ids=docs.message_id)
def test_schema_and_decoder_agree_on_which_fields_are_required(document, event_type):
    ident = docs.message_id(event_type)
    schema = document["components"]["schemas"][ident]
    [example] = document["components"]["messages"][ident]["examples"]
    validator = jsonschema.Draft7Validator(schema)
    for name in example["payload"]["data"]:
        changed = copy.deepcopy(example["payload"])
        del changed["data"][name]
        schema_accepts = validator.is_valid(changed)
        try:
            decode(event_type, json.dumps(changed))
            decoder_accepts = True
        except ValidationError:
            decoder_accepts = False
        assert schema_accepts == decoder_accepts, f"{ident}: without data.{name}"


def test_field_metadata_documents_a_value_and_custom_validators_do_not_stop_generation():
    class Sample(Payload):
        code = fields.String(required=True, validate=lambda value: value.isdigit(),
                             metadata={"description": "subdistrict code", "example": "830101"})

    schema = docs.object_schema(Sample())
    assert schema["properties"]["code"] == {"type": "string", "description": "subdistrict code",
                                            "examples": ["830101"]}
    assert docs.example_value(schema, "sample") == {"code": "830101"}


def test_a_field_type_without_a_json_schema_mapping_is_refused_by_name():
    class Sample(Payload):
        ratio = fields.Float()

    with pytest.raises(TypeError, match="SCALAR_TYPES"):
        docs.object_schema(Sample())
