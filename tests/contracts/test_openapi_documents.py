"""contracts/openapi/<service>.json: up to date, valid OpenAPI 3.1, and covering every HTTP route
(tests/e2e/test_api_fuzz.py checks that each running service serves the same document)."""
import json

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from chassis import registry
from chassis.schemas import load
from chassis.openapi import http_entrypoints, openapi_path
from devtools import openapi_documents

BODYLESS = {"resend_delivery", "confirm_receipt",  # POST …/resend and …/receipt take no body
            # a share's and an exchange's steps that are only the step (their path says which one)
            "approve_share", "decline_share", "withdraw_share", "confirm_share_receipt",
            "accept_exchange", "decline_exchange", "withdraw_exchange"}


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
    assert {p["name"] for p in listing["parameters"]} == {"seller_org_id", "buyer_org_id", "status", "limit", "cursor"}


def operations():
    """(service, method, path, operation, entrypoint) of every documented operation."""
    for service in registry.names():
        document = openapi_documents.openapi(service)
        for function, method, url, entrypoint in http_entrypoints(openapi_documents.service_class(service)):
            yield service, method, url, document["paths"][openapi_path(url)][method], entrypoint


def test_every_summary_is_words_thai_first_with_the_english_after():
    for service, method, url, operation, _ in operations():
        summary = operation["summary"]
        assert summary != operation["operationId"] and "_" not in summary.partition("(")[0], f"{method} {url}"
        thai, _, english = summary.partition(" (")
        assert not thai.isascii() and english.endswith(")") and english.isascii(), f"{method} {url}: {summary}"


def test_every_request_body_has_an_example_its_schema_loads():
    bodies = 0
    for service, method, url, operation, entrypoint in operations():
        if "requestBody" in operation:
            example = operation["requestBody"]["content"]["application/json"]["example"]
            body = entrypoint.api.body
            load(body() if isinstance(body, type) else body, example)  # InvalidInput if it has rotted
            bodies += 1
    assert bodies >= 15


def test_each_operation_documents_the_refusals_it_can_return_not_a_default():
    for service, method, url, operation, entrypoint in operations():
        statuses = set(operation["responses"])
        assert "default" not in statuses and {"414", "503"} <= statuses, f"{method} {url}"
        if "requestBody" in operation:
            assert {"400", "415"} <= statuses, f"{method} {url}"
        if "security" in operation:
            assert {"401", "403"} <= statuses, f"{method} {url}"
        if "<" in url:
            assert "404" in statuses, f"{method} {url}"
        assert {str(status) for status in entrypoint.api.errors} <= statuses, f"{method} {url}"


def test_the_idempotency_key_is_documented_where_it_is_honoured():
    honoured = {(method, openapi_path(url)) for service, method, url, operation, _ in operations()
                if any(parameter["name"] == "Idempotency-Key" and parameter["in"] == "header"
                       for parameter in operation.get("parameters", ()))}
    assert honoured == {("post", "/v1/orders"), ("post", "/v1/orders/{order_id}/transfer-confirmations"),
                        ("post", "/v1/orders/{order_id}/shipment"),
                        ("post", "/v1/orders/{order_id}/receipt"),
                        ("post", "/v1/orders/{order_id}/cancellation"),
                        ("post", "/v1/orders/{order_id}/refunds"),
                        ("post", "/v1/orders/{order_id}/dispute"),
                        ("post", "/v1/orders/{order_id}/dispute-resolution"),
                        ("post", "/v1/shares"), ("post", "/v1/exchanges")} | {
                        ("post", f"/v1/shares/{{share_id}}/{step}")
                        for step in ("approval", "decline", "withdrawal", "shipment", "receipt")} | {
                        ("post", f"/v1/exchanges/{{exchange_id}}/{step}")
                        for step in ("acceptance", "decline", "withdrawal", "shipment", "receipt")}
    placing = openapi_documents.openapi("marketplace")["paths"]["/v1/orders"]["post"]
    assert "Idempotency-Key" in placing["responses"]["422"]["description"]
