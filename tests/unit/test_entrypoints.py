"""Service entrypoints with their dependencies replaced (nameko's worker_factory): no broker, no database."""
import uuid
from unittest import mock

import pytest
from nameko.testing.services import worker_factory

from centres.service import CentresService
from chassis.auth import Principal
from chassis.errors import Forbidden, InvalidInput


def request_with(body):
    request = mock.Mock()
    request.get_data.return_value = body
    return request


def test_registering_an_organisation_needs_an_operator():
    service = worker_factory(CentresService)
    service.db.principal.return_value = Principal("organisation", uuid.uuid4())
    with pytest.raises(Forbidden):
        service.register_organisation(request_with(b'{"name_th": "x"}'))
    service.db.unit_of_work.assert_not_called()


def test_invalid_input_is_refused_before_any_write():
    service = worker_factory(CentresService)
    service.db.principal.return_value = Principal("operator")
    with pytest.raises(InvalidInput) as refused:
        service.register_organisation(request_with(b'{"name_th": "", "subdistrict_code": "12"}'))
    assert {"name_th", "kind", "subdistrict_code"} <= set(refused.value.fields)
    service.db.unit_of_work.assert_not_called()
