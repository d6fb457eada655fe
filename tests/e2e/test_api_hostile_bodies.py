"""Hostile request bodies against every operation with a body, on the four running services.

Read from each service's own GET /openapi.json, so an endpoint added later is covered without
touching this file. Every operation that takes a JSON body gets: JSON nested thousands of levels
deep (arrays, objects) and past chassis.http.MAX_JSON_DEPTH → 400 saying so; its documented
example with a lone UTF-16 surrogate ("\\ud800") in each string, one at a time, and in a key → 400
naming that field; the example as text/plain, form-encoded, XML and with no content type → 415;
the example as application/json and as a +json type → anything but 415 or a 5xx. Requests carry
an operator token and random ids in the path: a handler reads its body before it looks anything up.
Schemathesis (test_api_fuzz.py) covers valid and invalid JSON; this covers what it does not send.
"""
import json
import uuid

import pytest
import requests

from chassis import registry
from chassis.cli import issue_token
from chassis.http import MAX_JSON_DEPTH
from contracts.docs import example_value

pytestmark = pytest.mark.e2e

TOO_DEEP = f"body nested deeper than {MAX_JSON_DEPTH} levels"
DEEP_BODIES = {
    "arrays": "[" * 5000 + "]" * 5000,
    "objects": '{"a": ' * 5000 + "{}" + "}" * 5000,
    "past the limit": '{"a": ' + "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1) + "}",
}
NOT_JSON = ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]


@pytest.fixture(scope="module")
def operations(platform):
    """(service, method, path with ids filled in, example body, operator token) of every operation
    with a JSON request body, as each running service documents itself."""
    found = []
    for service in registry.names():
        token = issue_token(service, "operator", label="hostile bodies", environ=platform.env)
        document = requests.get(platform.url(service, "/openapi.json"), timeout=10).json()
        for path, methods in document["paths"].items():
            for method, operation in methods.items():
                if "requestBody" not in operation:
                    continue
                for parameter in operation.get("parameters", ()):
                    if parameter["in"] == "path":
                        value = str(uuid.uuid4()) if parameter["schema"].get("format") == "uuid" else \
                            example_value(parameter["schema"], parameter["name"])
                        path = path.replace("{%s}" % parameter["name"], value)
                example = operation["requestBody"]["content"]["application/json"]["example"]
                found.append((service, method.upper(), path, example, token))
    assert len(found) >= 15, "fewer operations with a body than the services have"
    return found


def send(platform, operation, data, content_type="application/json"):
    service, method, path, _, token = operation
    headers = {"Authorization": f"Bearer {token}"}
    if content_type:
        headers["Content-Type"] = content_type
    data = data if isinstance(data, str) else json.dumps(data)  # ensure_ascii: "\ud800" stays escaped
    response = requests.request(method, platform.url(service, path), data=data.encode("utf-8"),
                                headers=headers, timeout=30)
    return response


def described(operation, response):
    return f"{operation[1]} {operation[0]}{operation[2]} → {response.status_code} {response.text[:300]}"


def string_leaves(value, path=()):
    """(path, text) of every string in a JSON value."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from string_leaves(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from string_leaves(item, path + (index,))


def replaced(value, path, new):
    if not path:
        return new
    copy = list(value) if isinstance(value, list) else dict(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


def test_deep_json_is_a_400_saying_so_on_every_operation(platform, operations):
    for operation in operations:
        for kind, text in DEEP_BODIES.items():
            response = send(platform, operation, text)
            assert response.status_code == 400, f"{kind}: {described(operation, response)}"
            assert TOO_DEEP in response.json()["error"]["fields"]["_body"][0], described(operation, response)


def test_a_lone_surrogate_is_a_400_naming_the_field_on_every_operation(platform, operations):
    for operation in operations:
        example = operation[3]
        cases = [(replaced(example, path, text[:3] + "\ud800"), ".".join(map(str, path)))
                 for path, text in string_leaves(example)]
        cases.append(({**example, "note\ud800": 1}, "'note\\ud800'"))
        for body, field in cases:
            response = send(platform, operation, body)
            assert response.status_code == 400, f"{field}: {described(operation, response)}"
            assert list(response.json()["error"]["fields"]) == [field], described(operation, response)


def test_a_body_not_sent_as_json_is_a_415_on_every_operation(platform, operations):
    for operation in operations:
        for content_type in NOT_JSON:
            response = send(platform, operation, operation[3], content_type)
            assert response.status_code == 415, f"{content_type}: {described(operation, response)}"
            assert response.json()["error"]["code"] == "unsupported_media_type"


def test_the_same_body_as_json_gets_past_the_media_type_check(platform, operations):
    for operation in operations:
        for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
            response = send(platform, operation, operation[3], content_type)
            assert response.status_code != 415 and response.status_code < 500, \
                f"{content_type}: {described(operation, response)}"
