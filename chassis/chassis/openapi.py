"""The OpenAPI 3.1 document of a service, built from what its ``@http`` entrypoints declare.

Every service serves it at ``GET /openapi.json`` (``PlatformService``) and ``make contracts`` writes
the same document to ``contracts/openapi/<service>.json`` (``python -m contracts.openapi``): one
generator. An entrypoint declares its contract on the decorator (``chassis.http.http``):

    @http("POST", "/v1/products", body=schemas.ProductIn, response=schemas.ProductOut, status=201)

``body`` (the JSON request body), ``query`` (query parameters), ``response`` (the success body),
``status`` (the success status), ``public`` (no bearer token needed), ``media`` (other media types
of the success response) and ``path`` (JSON Schemas of path parameters; ``*_id`` is a UUID by default).
Bodies are marshmallow schemas rendered by ``contracts.docs.object_schema``.
"""
import inspect
import re

from contracts.docs import field_schema, object_schema

PATH_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")
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


def http_entrypoints(service_class):
    """(handler function, method, URL, entrypoint) of every @http entrypoint of a service class."""
    for _, function in inspect.getmembers(service_class, inspect.isfunction):
        for entrypoint in getattr(function, "nameko_entrypoints", ()):
            if hasattr(entrypoint, "url"):
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


def operation(function, url, entrypoint, components):
    """The OpenAPI operation of one entrypoint, from its declarations."""
    api = entrypoint.api
    content = {} if api.media and api.response is None else _content(api.response, components, True)
    success = {"description": "success", "content": {**content, **(api.media or {})}}
    result = {
        "operationId": function.__name__,
        "summary": (inspect.getdoc(function) or function.__name__.replace("_", " ")).splitlines()[0],
        "responses": {
            str(api.status): success,
            # the HTTP server itself refuses a request line over eventlet's 8 KiB, empty-bodied,
            # before any service code runs (e.g. a query repeating order_id hundreds of times)
            "414": {"description": "URI too long (request line over 8 KiB); no body"},
            "default": {"description": "error (400 invalid input, 401/403 auth, 404, 409, 422, 503)",
                        "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    }
    parameters = _path_parameters(url, api.path)
    if api.query is not None:
        parameters += _query_parameters(api.query)
    if parameters:
        result["parameters"] = parameters
    if api.body is not None:
        result["requestBody"] = {"required": True, "content": _content(api.body, components, False)}
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
                                "(python -m contracts.openapi) from the @http declarations; do not edit."},
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.schemas.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
