"""JSON over HTTP for nameko: one entrypoint that turns results and errors into JSON.

Bad input is a 400 with field messages (in Thai, the English after), never a 500; a body
sent as anything but JSON is a 415; business refusals carry their own status (404, 409, 422,
401, 403); a database outage is a 503 the client may retry.
"""
import datetime as dt
import json
import logging
import re
import uuid
from dataclasses import dataclass, field

from marshmallow import RAISE, Schema, ValidationError, fields
from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from chassis import logs
from chassis.errors import DomainError, InvalidInput, TransientError, UnsupportedMediaType
from chassis.messages import messages_in_thai

log = logging.getLogger(__name__)

JSON_TYPE = "application/json; charset=utf-8"


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


def json_response(status, payload, headers=None):
    return Response(
        json.dumps(payload, ensure_ascii=False, default=str),
        status=status, headers=headers, content_type=JSON_TYPE,
    )


def error_body(code, message, fields=None):
    error = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


MAX_JSON_DEPTH = 32  # the deepest body here nests 3 levels; deeper is an attack on the parser
TOO_DEEP = f"JSON ซ้อนกันลึกเกิน {MAX_JSON_DEPTH} ชั้น (body nested deeper than {MAX_JSON_DEPTH} levels)"


def is_json_media_type(mimetype):
    """application/json or a structured-syntax +json type (RFC 6839), parameters aside."""
    return mimetype == "application/json" or (
        mimetype.startswith("application/") and mimetype.endswith("+json"))


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")  # json.loads accepts NaN and Infinity, RFC 8259 does not


def read_json(request):
    """The request's JSON body (an object): 415 unless it is sent as JSON, 400 unless it is a JSON
    object nested at most MAX_JSON_DEPTH deep. An empty body is an empty object, whatever its type."""
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    if not is_json_media_type(request.mimetype):
        raise UnsupportedMediaType("ต้องส่งข้อมูลเป็น JSON ด้วย Content-Type: application/json "
                                   "(the body must be sent as application/json)")
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:  # the parser recurses per level: a few thousand exhaust the stack
        raise InvalidInput({"_body": [TOO_DEEP]}) from None
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput({"_body": ["ไม่ใช่ JSON ที่ถูกต้อง (body is not valid JSON)"]}) from None
    if not isinstance(body, dict):
        raise InvalidInput({"_body": ["ต้องเป็นออบเจกต์ JSON (body must be a JSON object)"]})
    if nested_deeper_than(body, MAX_JSON_DEPTH):  # what parses may still exhaust the checks after it
        raise InvalidInput({"_body": [TOO_DEEP]})
    return body


def nested_deeper_than(data, limit):
    """Whether JSON ``data`` nests arrays and objects more than ``limit`` levels (without recursing)."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False


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


def path_uuid(value, name="id"):
    """A UUID taken from the URL path; anything else is a 400 naming the parameter."""
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        raise InvalidInput({name: ["ไม่ใช่ UUID (not a UUID)"]}) from None


def load_body(request, schema):
    return load(schema, read_json(request))


@dataclass(frozen=True)
class Api:
    """What an entrypoint declares about its HTTP contract (documented by ``chassis.openapi``)."""

    body: object = None       # marshmallow schema of the JSON request body
    query: object = None      # marshmallow schema of the query parameters
    response: object = None   # marshmallow schema of the success body
    status: int = 200
    public: bool = False      # no bearer token needed
    media: dict = None        # other media types of the success response: {type: {"schema": ...}}
    path: dict = field(default_factory=dict)  # JSON Schema of path parameters (``*_id``: a UUID)
    # refusals beyond those the declaration implies (chassis.openapi): {409: "ไทย (English)"}, or
    # {status: an OpenAPI response object} for a body other than the usual error
    errors: dict = field(default_factory=dict)
    idempotent: bool = False  # honours an Idempotency-Key header (chassis.idempotency)


class JsonHttpHandler(HttpRequestHandler):
    def __init__(self, method, url, *, body=None, query=None, response=None, status=200, public=False,
                 media=None, path=None, errors=None, idempotent=False, **kwargs):
        self.api = Api(body, query, response, status, public, media, path or {}, errors or {}, idempotent)
        super().__init__(method, url, **kwargs)

    def handle_request(self, request):
        ids = logs.request_ids(request)
        logs.start(**ids)  # the server's green thread: its error and access lines
        response = super().handle_request(request)
        response.headers[logs.REQUEST_ID_HEADER] = ids["request_id"]
        return response

    def log_ids(self, worker_ctx):
        return logs.request_ids(worker_ctx.args[0])

    def response_from_result(self, result):
        if isinstance(result, Response):
            return result
        if isinstance(result, tuple):
            status, payload = result[0], result[1]
            headers = result[2] if len(result) == 3 else None
        else:
            status, payload, headers = 200, result, None
        return json_response(status, payload, headers)

    def response_from_exception(self, exc):
        if isinstance(exc, InvalidInput):
            return json_response(400, error_body(exc.code, exc.message, exc.fields))
        if isinstance(exc, DomainError):
            return json_response(exc.status, error_body(exc.code, exc.message, exc.details or None))
        if isinstance(exc, ValidationError):
            return json_response(400, error_body("invalid_input", "ข้อมูลไม่ถูกต้อง (invalid input)",
                                                 messages_in_thai(exc.normalized_messages())))
        if isinstance(exc, TransientError):
            log.warning("temporarily unavailable: %s", exc)
            return json_response(503, error_body(
                "unavailable", "ระบบไม่พร้อมชั่วคราว ลองใหม่อีกครั้ง (temporarily unavailable)"),
                headers={"Retry-After": "1"})
        if isinstance(exc, HTTPException):
            return json_response(exc.code or 400, error_body("http_error", exc.description or str(exc)))
        log.exception("unexpected error in HTTP handler", exc_info=exc)
        return json_response(500, error_body("internal", "เกิดข้อผิดพลาดภายใน (internal error)"))


http = JsonHttpHandler.decorator
