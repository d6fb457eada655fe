"""JSON over HTTP for nameko: one entrypoint that turns results and errors into JSON.

Bad input is a 400 with field messages, never a 500; business refusals carry their own
status (404, 409, 422, 401, 403); a database outage is a 503 the client may retry.
"""
import json
import logging
import datetime as dt
import uuid
from dataclasses import dataclass, field

from marshmallow import RAISE, Schema, ValidationError, fields
from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from chassis import logs
from chassis.errors import DomainError, InvalidInput, TransientError

log = logging.getLogger(__name__)

JSON_TYPE = "application/json; charset=utf-8"


class Strict(Schema):
    """Base of request schemas: an unknown field is a 400, never silently dropped."""

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


def read_json(request):
    """The request's JSON body (an object), or InvalidInput."""
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput({"_body": ["ไม่ใช่ JSON ที่ถูกต้อง (body is not valid JSON)"]}) from None
    if not isinstance(body, dict):
        raise InvalidInput({"_body": ["ต้องเป็นออบเจกต์ JSON (body must be a JSON object)"]})
    return body


def nul_fields(data, path=""):
    """Where ``data`` (JSON) holds a NUL character, which PostgreSQL cannot store in text."""
    if isinstance(data, str):
        return [path or "_body"] if "\x00" in data else []
    if isinstance(data, dict):
        return [place for key, value in data.items()
                for place in ([f"{path}{key!r}"] if "\x00" in str(key) else nul_fields(value, f"{path}{key}."))]
    if isinstance(data, list):
        return [place for index, value in enumerate(data) for place in nul_fields(value, f"{path}{index}.")]
    return []


def load(schema, data):
    """Validate with a marshmallow schema; field errors (and NUL characters anywhere) become a 400."""
    nul = nul_fields(data)
    if nul:
        raise InvalidInput({place.rstrip("."): ["มีอักขระ NUL (contains a NUL character)"] for place in nul})
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise InvalidInput(exc.normalized_messages()) from None


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


class JsonHttpHandler(HttpRequestHandler):
    def __init__(self, method, url, *, body=None, query=None, response=None, status=200, public=False,
                 media=None, path=None, **kwargs):
        self.api = Api(body, query, response, status, public, media, path or {})
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
            return json_response(400, error_body(
                "invalid_input", "ข้อมูลไม่ถูกต้อง (invalid input)", exc.normalized_messages()))
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
