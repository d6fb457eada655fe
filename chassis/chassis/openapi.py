"""The OpenAPI 3.1 document of a service, built from what its ``@http`` entrypoints declare.

Every service serves it at ``GET /openapi.json`` (``PlatformService``) and ``make contracts`` writes
the same document to ``contracts/openapi/<service>.json`` (``python -m devtools.openapi_documents``): one
generator. An entrypoint declares its contract on the decorator (``chassis.http.http``):

    @http("POST", "/v1/products", body=schemas.ProductIn, response=schemas.ProductOut, status=201)

``body`` (the JSON request body), ``query`` (query parameters), ``response`` (the success body),
``status`` (the success status), ``public`` (no bearer token needed), ``media`` (other media types
of the success response), ``path`` (JSON Schemas of path parameters; ``*_id`` is a UUID by default),
``idempotent`` (honours an Idempotency-Key header) and ``errors`` (business refusals: {409: "ไทย
(English)"}, or a whole OpenAPI response object where the body is not the usual error). Bodies are
marshmallow schemas rendered by ``contracts.docs.object_schema``, each with the example its class
declares (``Strict.example``).

The summary is the first line of the handler's docstring, the rest its description. The refusals
documented are those the declaration implies (400 for a body, a query or a ``*_id`` in the path;
401/403 unless public; 404 for path parameters; 415 for a body; 400/422 for an Idempotency-Key;
503 always) and the declared ``errors``; Schemathesis checks that nothing else comes back.
"""
import inspect

from chassis import idempotency
from chassis.http import PATH_PARAMETER
from contracts.docs import field_schema, object_schema

JSON = "application/json"
ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "fields": {"type": "object"}},
    }},
}
ERROR_CONTENT = {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}
INVALID_INPUT = "ข้อมูลไม่ถูกต้อง ดูแต่ละช่องใน error.fields (invalid input: error.fields names each field)"
UNAUTHORIZED = "ไม่มีโทเคน หรือโทเคนไม่ถูกต้องหรือถูกเพิกถอน (bearer token missing, invalid or revoked)"
FORBIDDEN = "โทเคนนี้ไม่มีสิทธิ์ทำรายการนี้ (this token's kind or subject may not do this)"
UNSUPPORTED_MEDIA_TYPE = ("ต้องส่งข้อมูลเป็น application/json หรือชนิด +json "
                          "(the body was sent as another media type)")
KEY_REUSED = (f"{idempotency.HEADER} นี้ใช้กับคำขออื่นไปแล้ว "
              f"(the {idempotency.HEADER} was already used with another body)")
UNAVAILABLE = "ระบบไม่พร้อมชั่วคราว ลองใหม่ได้ (temporarily unavailable, e.g. the database: retry)"
RETRY_AFTER = {"Retry-After": {"description": "วินาทีก่อนลองใหม่ (seconds before retrying)",
                               "schema": {"type": "string"}}}
IDEMPOTENCY_KEY = {
    "name": idempotency.HEADER, "in": "header", "required": False,
    "description": "ไม่บังคับ: ส่งคำขอเดิมซ้ำด้วยคีย์เดิม (เช่น UUID ใหม่ต่อหนึ่งรายการ) ได้ผลครั้งเดียว "
                   "ได้คำตอบที่เก็บไว้ คีย์เดิมกับ body อื่นได้ 422 (optional: repeating a request with "
                   "the same key, e.g. a fresh UUID per intended action, acts once and returns the stored "
                   "response; the same key with another body is a 422)",
    "schema": {"type": "string", "pattern": idempotency.KEY_PATTERN},
}


def http_entrypoints(service_class):
    """(handler function, method, URL, entrypoint) of every @http entrypoint of a service class (its
    JSON API: HTML pages and static files, served by plain nameko HTTP entrypoints, are not in it)."""
    for _, function in inspect.getmembers(service_class, inspect.isfunction):
        for entrypoint in getattr(function, "nameko_entrypoints", ()):
            if hasattr(entrypoint, "api"):
                for method in entrypoint.method.split(","):
                    yield function, method.strip().lower(), entrypoint.url, entrypoint


def openapi_path(url):
    return PATH_PARAMETER.sub(r"{\1}", url)


def _schema_name(schema):
    schema = schema if isinstance(schema, type) else type(schema)
    return schema.__name__


def _instance(schema):
    return schema() if isinstance(schema, type) else schema


class _Components:
    """Component schemas by name; one name is one schema."""

    def __init__(self):
        self.schemas = {"Error": ERROR}

    def ref(self, schema, output):
        name = _schema_name(schema)
        rendered = object_schema(_instance(schema), output)
        if self.schemas.setdefault(name, rendered) != rendered:
            raise ValueError(f"two different schemas are both called {name}: name one of them")
        return {"$ref": f"#/components/schemas/{name}"}


def _content(schema, components, output):
    return {JSON: {"schema": components.ref(schema, output) if schema is not None else {}}}


def _query_parameters(query):
    parameters = []
    for name, field in _instance(query).fields.items():
        if field.dump_only:
            continue
        parameters.append({"name": field.data_key or name, "in": "query", "required": field.required,
                           "schema": field_schema(field)})
    return parameters


def _path_parameters(url, declared):
    parameters = []
    for name in PATH_PARAMETER.findall(url):
        schema = declared.get(name) or (
            {"type": "string", "format": "uuid"} if name.endswith("_id") else {"type": "string"})
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def _summary_and_description(function):
    """The handler's docstring: its first line (words, Thai with the English) and the rest."""
    doc = inspect.getdoc(function)
    if not doc:
        raise ValueError(f"{function.__qualname__}: write a docstring; its first line is the operation's "
                         "summary (Thai, the English in brackets)")
    summary, _, rest = doc.partition("\n")
    return summary.strip(), rest.strip()


def _example(body):
    """The request body's example, declared on the schema's own class (``Strict.example``)."""
    schema_class = body if isinstance(body, type) else type(body)
    example = vars(schema_class).get("example")
    if example is None:
        raise ValueError(f"{schema_class.__name__}: declare an example body (class attribute ``example``)")
    return example


def _refusals(url, api):
    """{status: [descriptions]} of the refusals an operation returns: implied by its declaration
    (a body, a query, path parameters, a bearer token, an Idempotency-Key), then its own ``errors``."""
    refusals = {}

    def add(status, description):
        refusals.setdefault(status, []).append(description)

    path_names = PATH_PARAMETER.findall(url)
    if api.body is not None or api.query is not None or any(name.endswith("_id") for name in path_names):
        add(400, INVALID_INPUT)
    if not api.public:
        add(401, UNAUTHORIZED)
        add(403, FORBIDDEN)
    if path_names:
        names = ", ".join(path_names)
        add(404, f"ไม่พบ {names} นี้ (no such {names})")
    if api.body is not None:
        add(415, UNSUPPORTED_MEDIA_TYPE)
    if api.idempotent:
        add(400, f"{idempotency.HEADER} ไม่ถูกต้อง (invalid {idempotency.HEADER})")
        add(422, KEY_REUSED)
    for status, description in api.errors.items():
        if isinstance(description, str):  # else a whole response object, put in by ``operation``
            add(status, description)
    add(503, UNAVAILABLE)
    return refusals


def operation(function, url, entrypoint, components):
    """The OpenAPI operation of one entrypoint, from its declarations."""
    api = entrypoint.api
    no_body = api.status == 204 or (api.media and api.response is None)
    content = {} if no_body else _content(api.response, components, True)
    summary, description = _summary_and_description(function)
    success = {"description": "สำเร็จ (success)"}
    if content or api.media:  # a 204 has none
        success["content"] = {**content, **(api.media or {})}
    responses = {str(api.status): success}
    for status, descriptions in sorted(_refusals(url, api).items()):
        responses[str(status)] = {"description": "; ".join(descriptions), "content": ERROR_CONTENT}
    responses["503"]["headers"] = RETRY_AFTER
    responses.update({str(status): response for status, response in api.errors.items()
                      if isinstance(response, dict)})
    # the HTTP server itself refuses a request line over eventlet's 8 KiB, empty-bodied,
    # before any service code runs (e.g. a query repeating order_id hundreds of times)
    responses["414"] = {"description": "URI ยาวเกิน 8 KiB ไม่มี body (request line over 8 KiB; no body)"}
    result = {"operationId": function.__name__, "summary": summary}
    if description:
        result["description"] = description
    result["responses"] = dict(sorted(responses.items()))
    parameters = _path_parameters(url, api.path)
    if api.query is not None:
        parameters += _query_parameters(api.query)
    if api.idempotent:
        parameters.append(IDEMPOTENCY_KEY)
    if parameters:
        result["parameters"] = parameters
    if api.body is not None:
        body = _content(api.body, components, False)
        body[JSON]["example"] = _example(api.body)
        result["requestBody"] = {"required": True, "content": body}
    if not api.public:
        result["security"] = [{"bearer": []}]
    return result


def document(service_class):
    """The OpenAPI 3.1 document (a dict) of a nameko service class."""
    components = _Components()
    paths = {}
    for function, method, url, entrypoint in sorted(http_entrypoints(service_class),
                                                    key=lambda item: (item[2], item[1])):
        paths.setdefault(openapi_path(url), {})[method] = operation(function, url, entrypoint, components)
    return {
        "openapi": "3.1.0",
        "info": {"title": f"CODI {service_class.name} service", "version": "1.0.0",
                 "description": "Served at GET /openapi.json and written by `make contracts` "
                                "(python -m devtools.openapi_documents) from the @http declarations; do not edit."},
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
