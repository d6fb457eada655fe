"""What chassis.http makes of hostile or careless request bodies: a clear 4xx, never a 500.

The same inputs are sent to every operation of the four running services by
tests/e2e/test_api_hostile_bodies.py; here the pieces are checked one by one.
"""
import json

import pytest
from marshmallow import fields, validate
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from chassis.errors import InvalidInput, UnsupportedMediaType
from chassis.http import MAX_JSON_DEPTH, JsonHttpHandler, read_json
from chassis.schemas import Strict, load
from chassis.messages import THAI, in_thai


def request(body, content_type="application/json"):
    data = body if isinstance(body, bytes) else body.encode("utf-8")
    return Request(EnvironBuilder(method="POST", data=data, content_type=content_type).get_environ())


def refusal(exc_info):
    """The HTTP response the handler makes of a refusal: (status, body)."""
    response = JsonHttpHandler("POST", "/x").response_from_exception(exc_info.value)
    return response.status_code, json.loads(response.get_data())


class Line(Strict):
    quantity = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=100))


class Order(Strict):
    name = fields.String(required=True, validate=validate.Length(min=1, max=20))
    kind = fields.String(validate=validate.OneOf(["a", "b"]))
    lines = fields.List(fields.Nested(Line))


# -- nesting ----------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "[" * 5000 + "]" * 5000,                            # beyond the parser's recursion limit
    '{"a":' * 5000 + "{}" + "}" * 5000,
    '{"name": ' + "[" * 100 + "]" * 100 + "}",          # parses; still refused
    '{"lines": [' + '{"a": ' * (MAX_JSON_DEPTH - 1) + "1" + "}" * (MAX_JSON_DEPTH - 1) + "]}",
])
def test_json_nested_deeper_than_the_limit_is_a_400_saying_so(text):
    with pytest.raises(InvalidInput) as refused:
        read_json(request(text))
    status, body = refusal(refused)
    assert status == 400
    assert body["error"]["fields"]["_body"] == [f"JSON ซ้อนกันลึกเกิน {MAX_JSON_DEPTH} ชั้น "
                                                 f"(body nested deeper than {MAX_JSON_DEPTH} levels)"]


def test_json_nested_to_the_limit_is_read():
    text = '{"a": ' * (MAX_JSON_DEPTH - 1) + "1" + "}" * (MAX_JSON_DEPTH - 1)
    assert read_json(request(text))["a"]


# -- text PostgreSQL cannot store -------------------------------------------------
@pytest.mark.parametrize("raw", [b'{"name": "\\ud800"}', b'{"name": "ok\\udfff"}', b'{"name": "\xed\xa0\x80"}'])
def test_a_lone_surrogate_in_a_field_is_a_400_naming_it(raw):
    with pytest.raises(InvalidInput) as refused:
        load(Order(), read_json(request(raw)))
    status, body = refusal(refused)
    assert status == 400
    assert list(body["error"]["fields"]) == ["name"]
    assert "surrogate" in body["error"]["fields"]["name"][0]


def test_a_lone_surrogate_deep_in_the_body_or_in_a_key_is_named_too():
    with pytest.raises(InvalidInput) as refused:
        load(Order(), {"name": "ข้าว", "lines": [{"quantity": 1}, {"note": "\ud83d"}], "x\udc00": 1})
    assert set(refused.value.fields) == {"lines.1.note", r"'x\udc00'"}
    status, body = refusal(refused)  # the refusal itself encodes
    assert status == 400


def test_a_surrogate_pair_is_an_ordinary_character():
    assert load(Order(), json.loads('{"name": "\\ud83c\\udf3e"}')) == {"name": "🌾"}


# -- media types -------------------------------------------------------------------
@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", "application/xml", "text/json", "multipart/form-data",
    None])
def test_a_body_in_any_media_type_but_json_is_a_415(content_type):
    with pytest.raises(UnsupportedMediaType) as refused:
        read_json(request('{"name": "ข้าว"}', content_type))
    status, body = refusal(refused)
    assert status == 415
    assert body["error"]["code"] == "unsupported_media_type"
    assert body["error"]["message"].startswith("ต้องส่งข้อมูลเป็น JSON")


@pytest.mark.parametrize("content_type", [
    "application/json", "application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"])
def test_json_and_json_suffixed_types_are_read(content_type):
    assert read_json(request('{"name": "ข้าว"}', content_type)) == {"name": "ข้าว"}


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json"])
def test_an_empty_body_is_an_empty_object_whatever_its_type(content_type):
    assert read_json(request(b"", content_type)) == {}


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(text):
    with pytest.raises(InvalidInput) as refused:
        read_json(request('{"quantity": %s}' % text))
    assert refused.value.fields == {"_body": ["ไม่ใช่ JSON ที่ถูกต้อง (body is not valid JSON)"]}


# -- messages: Thai first, marshmallow's English after -------------------------------
def test_a_missing_required_field_is_said_in_thai_then_english():
    with pytest.raises(InvalidInput) as refused:
        load(Order(), {})
    assert refused.value.fields == {"name": ["ต้องระบุข้อมูลช่องนี้ (missing data for required field)"]}


def test_validators_messages_keep_their_values():
    with pytest.raises(InvalidInput) as refused:
        load(Order(), {"name": "", "kind": "c", "lines": [{"quantity": 0}, {"quantity": 1.5}], "colour": "red"})
    assert refused.value.fields == {
        "name": ["ความยาวต้องอยู่ระหว่าง 1 ถึง 20 (length must be between 1 and 20)"],
        "kind": ["ต้องเป็นหนึ่งใน a, b (must be one of: a, b)"],
        "lines": {0: {"quantity": ["ต้องไม่น้อยกว่า 1 และไม่เกิน 100 "
                                     "(must be greater than or equal to 1 and less than or equal to 100)"]},
                  1: {"quantity": ["ต้องเป็นจำนวนเต็ม (not a valid integer)"]}},
        "colour": ["ไม่มีช่องนี้ในคำขอ (unknown field)"],
    }


def test_a_schemas_own_thai_message_is_left_as_it_is():
    assert in_thai("ไม่ใช่ UUID (not a UUID)") == "ไม่ใช่ UUID (not a UUID)"


def marshmallow_messages():
    """Every message marshmallow's fields and validators can give on load, formatted as it formats them."""
    from marshmallow import Schema

    messages = set(Schema.error_messages.values())
    for field_class in (fields.Field, fields.String, fields.Integer, fields.Float, fields.Decimal,
                        fields.Boolean, fields.UUID, fields.Email, fields.Url, fields.List, fields.Tuple,
                        fields.Dict, fields.Nested, fields.DateTime, fields.AwareDateTime,
                        fields.NaiveDateTime, fields.Date, fields.Time, fields.TimeDelta, fields.IP):
        defaults = {key: template for cls in reversed(field_class.__mro__)
                    for key, template in vars(cls).get("default_error_messages", {}).items()}
        for key, template in defaults.items():
            if key != "format":  # "cannot be formatted": a dump error, never a request's
                messages.add(template.format(obj_type="datetime", awareness="aware", input="x"))
    for validator in (validate.Length(min=1), validate.Length(max=2), validate.Length(1, 2),
                      validate.Length(equal=3), validate.Range(min=1), validate.Range(max=2),
                      validate.Range(1, 2), validate.Range(1, 2, min_inclusive=False, max_inclusive=False),
                      validate.Range(min=1, min_inclusive=False), validate.Range(max=2, max_inclusive=False),
                      validate.OneOf(["a", "b"]), validate.Equal(3), validate.Regexp("a"), validate.Email(),
                      validate.URL(), validate.ContainsOnly(["a"]), validate.ContainsNoneOf(["a"]),
                      validate.NoneOf(["a"])):
        for value in ("", "zz", 0, 3, "b", ["b"], ["a"], "a"):
            try:
                validator(value)
            except (TypeError, ValueError):
                continue
            except validate.ValidationError as exc:
                messages.update(exc.messages)
    return sorted(messages)


@pytest.mark.parametrize("message", marshmallow_messages())
def test_every_marshmallow_message_has_its_thai(message):
    translated = in_thai(message)
    assert translated != message, f"add {message!r} to chassis.messages.THAI"
    english = f" ({message[:1].lower()}{message[1:].rstrip('.')})"
    assert translated.endswith(english) and not translated.removesuffix(english).isascii()


def test_the_thai_table_holds_no_english():
    assert all(not thai.replace("{", "").isascii() for thai in THAI.values())


# -- Idempotency-Key -----------------------------------------------------------------
def test_an_idempotency_key_is_visible_ascii_or_a_400_naming_the_header():
    from chassis.idempotency import request_key

    key = "5f0c2b9e-1d3a-4e6f-8a7b-9c0d1e2f3a4b"
    assert request_key({"Idempotency-Key": key}) == key
    assert request_key({}) is None and request_key({"Idempotency-Key": ""}) is None
    for key in ("a b", "x" * 201, "คีย์", "a\x00b"):
        with pytest.raises(InvalidInput) as refused:
            request_key({"Idempotency-Key": key})
        assert list(refused.value.fields) == ["Idempotency-Key"]
