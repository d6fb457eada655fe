"""contracts/openapi/<service>.json: up to date, valid OpenAPI 3.1, and covering every HTTP route."""
import inspect
import json

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from contracts import openapi


@pytest.fixture(scope="module")
def documents():
    return openapi.documents()


def test_the_committed_documents_are_what_make_contracts_generates(documents):
    assert {path.name for path in openapi.DIRECTORY.glob("*.json")} == {path.name for path in documents}
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


@pytest.mark.parametrize("service", openapi.SERVICES)
def test_every_route_is_documented_with_its_request_body(service):
    document = openapi.openapi(service)
    for function, method, url in openapi.http_entrypoints(service):
        operation = document["paths"][openapi.PATH_PARAMETER.sub(r"{\1}", url)][method]
        loads_a_body = "load_body(request, schemas." in inspect.getsource(function)
        assert ("requestBody" in operation) == loads_a_body, f"{method} {url}"
