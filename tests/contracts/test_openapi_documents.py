"""contracts/openapi/<service>.json: up to date, valid OpenAPI 3.1, and covering every HTTP route
(tests/e2e/test_api_fuzz.py checks that each running service serves the same document)."""
import json

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from chassis import registry
from chassis.openapi import http_entrypoints, openapi_path
from devtools import openapi_documents

BODYLESS = {"resend_delivery"}  # POST /v1/deliveries/{delivery_id}/resend takes no body


@pytest.fixture(scope="module")
def documents():
    return openapi_documents.documents()


def test_the_committed_documents_are_what_make_contracts_generates(documents):
    assert {path.name for path in openapi_documents.DIRECTORY.glob("*.json")} == {path.name for path in documents}
    for path, text in documents.items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is stale: run `make contracts`"


def test_every_document_is_valid_openapi_3_1(documents):
    for text in documents.values():
        validate(json.loads(text))


def test_the_validator_refuses_a_broken_document(documents):
    broken = json.loads(next(iter(documents.values())))
    broken["paths"]["/health/live"]["get"]["responses"] = "ok"
    with pytest.raises(OpenAPIValidationError):
        validate(broken)


@pytest.mark.parametrize("service", registry.names())
def test_every_route_is_documented_from_its_declaration(service):
    service_class = openapi_documents.service_class(service)
    document = openapi_documents.openapi(service)
    routes = list(http_entrypoints(service_class))
    assert {(openapi_path(url), method) for _, method, url, _ in routes} == {
        (path, method) for path, operations in document["paths"].items() for method in operations}
    for function, method, url, entrypoint in routes:
        operation = document["paths"][openapi_path(url)][method]
        assert str(entrypoint.api.status) in operation["responses"], f"{method} {url}"
        assert ("security" in operation) != entrypoint.api.public, f"{method} {url}"
        # a handler that reads a body declares it (centres' handlers load it in shared helpers)
        if method in ("post", "put", "patch") and function.__name__ not in BODYLESS:
            assert "requestBody" in operation, f"{method} {url} declares no body"


def test_a_patch_body_requires_nothing_and_never_the_id():
    schemas = openapi_documents.openapi("centres")["components"]["schemas"]
    assert "required" not in schemas["OrganisationPatch"]
    assert "organisation_id" not in schemas["OrganisationPatch"]["properties"]
    assert "required" not in openapi_documents.openapi("marketplace")["components"]["schemas"]["ProductPatch"]


def test_query_parameters_use_their_names_on_the_wire():
    listing = openapi_documents.openapi("marketplace")["paths"]["/v1/orders"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"seller_id", "buyer_id", "status", "limit", "cursor"}
