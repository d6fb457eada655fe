"""The token endpoints every service has: what POST /v1/tokens accepts, and a 204 that sends no body."""
import uuid

import pytest

from chassis import openapi, tokens
from chassis.errors import InvalidInput
from chassis.http import JsonHttpHandler
from chassis.schemas import load
from chassis.service import PlatformService

OFFICER = uuid.UUID("3f9a2c71-5b8e-4d06-a1c4-7e2b9d0f6a53")


def test_an_operator_token_needs_no_subject_and_lasts_eight_hours_by_default():
    assert load(tokens.TokenIn(), {"kind": "operator"}) == {"kind": "operator", "ttl_seconds": 28800, "label": ""}


def test_an_officer_or_organisation_token_names_its_subject():
    loaded = load(tokens.TokenIn(), {"kind": "officer", "subject_id": str(OFFICER), "ttl_seconds": 60,
                                     "label": "web"})
    assert loaded == {"kind": "officer", "subject_id": OFFICER, "ttl_seconds": 60, "label": "web"}
    for kind in ("officer", "organisation"):
        with pytest.raises(InvalidInput) as refused:
            load(tokens.TokenIn(), {"kind": kind})
        assert refused.value.fields == {"subject_id": [tokens.SUBJECT_NEEDED]}


@pytest.mark.parametrize("body, field", [
    ({"kind": "operator", "subject_id": str(OFFICER)}, "subject_id"),
    ({"kind": "operator", "ttl_seconds": 59}, "ttl_seconds"),
    ({"kind": "operator", "ttl_seconds": 43201}, "ttl_seconds"),
    ({"kind": "operator", "ttl_seconds": "600"}, "ttl_seconds"),
    ({"kind": "operator", "ttl_seconds": 600.5}, "ttl_seconds"),
    ({"kind": "root"}, "kind"),
    ({"kind": "officer", "subject_id": "someone"}, "subject_id"),
    ({"kind": "operator", "label": "x" * 201}, "label"),
    ({"kind": "operator", "expires_at": "2030-01-01T00:00:00+07:00"}, "expires_at"),
])
def test_a_token_request_out_of_bounds_is_refused_naming_the_field_in_thai(body, field):
    with pytest.raises(InvalidInput) as refused:
        load(tokens.TokenIn(), body)
    assert list(refused.value.fields) == [field]
    message = refused.value.fields[field][0]
    assert not message.partition("(")[0].isascii(), message


def test_the_longest_lifetime_is_twelve_hours():
    assert load(tokens.TokenIn(), {"kind": "operator", "ttl_seconds": 43200})["ttl_seconds"] == 43200


def test_a_204_is_sent_without_a_body_or_a_content_type():
    response = JsonHttpHandler("DELETE", "/x").response_from_result((204, None))
    assert response.status_code == 204 and response.get_data() == b""
    assert "Content-Type" not in response.headers


class Service(PlatformService):
    name = "example"


def test_every_service_documents_the_two_token_operations():
    paths = openapi.document(Service)["paths"]
    granted = paths["/v1/tokens"]["post"]
    assert set(granted["responses"]) >= {"201", "400", "401", "403", "415"}
    assert granted["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TokenIn"}
    revoked = paths["/v1/tokens/current"]["delete"]
    assert "content" not in revoked["responses"]["204"] and revoked["security"] == [{"bearer": []}]
