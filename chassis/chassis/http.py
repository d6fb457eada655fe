"""JSON over HTTP for nameko: one entrypoint that does the boring part of every operation.

``@http`` authenticates (unless ``public``), loads the declared ``body`` and ``query`` schemas,
runs an ``idempotent`` POST once per Idempotency-Key, and dumps what the handler returns with the
declared ``response`` schema and ``status``. The handler names what it needs as parameters::

    @http("POST", "/v1/products", body=schemas.ProductIn, response=schemas.ProductOut, status=201,
          roles=("organisation", "operator"))
    def create_product(self, principal, body):
        with self.unit_of_work() as uow:
            return catalogue.create_product(uow, principal, body)

Parameters it may name, besides the URL's: ``request``, ``principal`` (who sent it; not for a
public operation), ``body``, ``query`` (as loaded) and ``uow`` (the service's unit of work, which the
decorator opens when it declares ``unit_of_work=True``: an idempotent operation's key is claimed in it). It returns
the result object (dumped with ``status``), ``(status, object)`` where the status varies, or a
werkzeug Response, which is sent untouched (e.g. CSV).

Bad input is a 400 with field messages (in Thai, the English after), never a 500; a body
sent as anything but JSON is a 415; business refusals carry their own status (404, 409, 422,
401, 403); a database outage is a 503 the client may retry. A missing token is refused before
the body is read, and a token of the wrong kind (``roles``) too.
"""
import functools
import inspect
import json
import logging
import re
import uuid
from dataclasses import dataclass, field

from marshmallow import ValidationError, fields
from nameko.web.handlers import HttpRequestHandler
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from chassis import idempotency, logs
from chassis.errors import DomainError, InvalidInput, TransientError, UnsupportedMediaType
from chassis.messages import messages_in_thai
from chassis.schemas import load

log = logging.getLogger(__name__)

JSON_TYPE = "application/json; charset=utf-8"
PATH_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")  # werkzeug's <name> and <converter:name>


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


def path_uuid(value, name="id"):
    """A UUID taken from the URL path; anything else is a 400 naming the parameter."""
    try:
        return uuid.UUID(value)
    except (TypeError, ValueError):
        raise InvalidInput({name: ["ไม่ใช่ UUID (not a UUID)"]}) from None


def query_arguments(args, schema):
    """The query parameters (a werkzeug MultiDict) as ``schema`` loads them: every value of a
    parameter that is a List field (the parameter repeated), the first value of any other."""
    lists = {declared.data_key or name for name, declared in schema.fields.items()
             if isinstance(declared, fields.List)}
    return {name: values if name in lists else values[0] for name, values in args.lists()}


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
    roles: tuple = ()         # the token kinds allowed (empty: any valid token)


def _instance(schema):
    return schema() if isinstance(schema, type) else schema


class Operation:
    """One @http operation: from the request to the handler's keyword arguments, and from its
    result to (status, JSON payload) or a Response."""

    INJECTED = frozenset({"request", "principal", "body", "query", "uow"})

    def __init__(self, function, url, api, unit_of_work):
        self.function, self.api, self.unit_of_work = function, api, unit_of_work
        self.body = _instance(api.body) if api.body is not None else None
        self.query = _instance(api.query) if api.query is not None else None
        self.response = _instance(api.response) if api.response is not None else None
        self.wanted = self._check(function, url)

    def _check(self, function, url):
        """The injected parameters ``function`` names; a mistake in a declaration fails at import."""
        name = function.__qualname__
        parameters = list(inspect.signature(function).parameters)[1:]  # after self
        path = set(PATH_PARAMETER.findall(url))
        unknown = set(parameters) - path - self.INJECTED
        if unknown or not path <= set(parameters):
            raise TypeError(f"{name}: name every URL parameter ({', '.join(sorted(path))}) and only "
                            f"these besides: {', '.join(sorted(self.INJECTED))}")
        wanted = set(parameters) & self.INJECTED
        lacking = {"principal": self.api.public, "body": self.body is None, "query": self.query is None,
                   "uow": not self.unit_of_work}
        undeclared = sorted(parameter for parameter in wanted if lacking.get(parameter))
        if undeclared:
            raise TypeError(f"{name}: asks for {', '.join(undeclared)}, which its @http does not declare")
        if self.api.idempotent and (self.api.public or not self.unit_of_work):
            raise TypeError(f"{name}: an idempotent operation needs a token and a unit_of_work")
        return wanted

    def __call__(self, service, request, path_values):
        available = {"request": request, "principal": None}
        if not self.api.public:
            available["principal"] = service.db.principal(request)
            if self.api.roles:
                available["principal"].require(*self.api.roles)
        if self.body is not None:
            available["body"] = load(self.body, read_json(request))
        if self.query is not None:
            available["query"] = load(self.query, query_arguments(request.args, self.query))
        if not self.unit_of_work:
            return self._answer(self._call(service, available, path_values))
        key = idempotency.request_key(request.headers) if self.api.idempotent else None
        with service.unit_of_work() as uow:
            available["uow"] = uow

            def work():
                return self._answer(self._call(service, available, path_values))
            if key is None:
                return work()
            return idempotency.run(uow.cursor, available["principal"].key(), key,
                                   {"path": request.path, "body": read_json(request)}, work)

    def _call(self, service, available, path_values):
        return self.function(service, **path_values, **{name: available[name] for name in self.wanted})

    def _answer(self, result):
        """(status, payload) of the handler's result, dumped with the declared response schema."""
        if isinstance(result, Response):
            return result
        status, payload = result if isinstance(result, tuple) else (self.api.status, result)
        return status, self.response.dump(payload) if self.response is not None else payload


def http(method, url, *, body=None, query=None, response=None, status=200, public=False, roles=(),
         unit_of_work=False, idempotent=False, media=None, path=None, errors=None):
    """Declare an HTTP operation (see the module's docstring): its contract, documented by
    ``chassis.openapi``, and what the decorator does before and after the handler."""
    api = Api(body, query, response, status, public, media, path or {}, errors or {}, idempotent,
              tuple(roles))

    def decorate(function):
        operation = Operation(function, url, api, unit_of_work)

        @functools.wraps(function)
        def entrypoint(service, request, **path_values):
            return operation(service, request, path_values)
        return JsonHttpHandler.decorator(method, url, api=api)(entrypoint)
    return decorate


class JsonHttpHandler(HttpRequestHandler):
    def __init__(self, method, url, *, api=None, **kwargs):
        self.api = api or Api()
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
        status, payload = result
        if status == 204:  # no content: no body, no content type
            response = Response(status=204)
            del response.headers["Content-Type"]
            return response
        return json_response(status, payload)

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

