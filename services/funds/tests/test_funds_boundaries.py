"""The funds service's edges without broker or database: HTTP input refused before any work,
and the levy events' contracts (old LEVY_PENDING bodies still decode)."""
import json
import uuid
from unittest import mock

import pytest
from nameko.testing.services import worker_factory
from werkzeug.datastructures import MultiDict

from chassis.auth import Principal
from chassis.errors import InvalidInput
from contracts import decode, encode
from contracts import funds as fund_events
from funds.service import FundsService


def request_with(args):
    request = mock.Mock()
    request.args = MultiDict(args)
    return request


@pytest.mark.parametrize("method, args, fields", [
    ("list_entries", {"limit": "500", "kind": "bonus", "cursor": "x"}, {"limit", "kind", "cursor"}),
    ("get_rollups", {}, {"by"}),
    ("get_rollups", {"by": "district"}, {"by"}),
    ("list_agreements", {"seller_org_id": "not-a-uuid"}, {"seller_org_id"}),
])
def test_bad_query_parameters_are_a_400_before_any_database_work(method, args, fields):
    service = worker_factory(FundsService)
    service.db.principal.return_value = Principal("operator")
    endpoint = getattr(service, method)
    with pytest.raises(InvalidInput) as refused:
        endpoint(request_with(args), fund_id=str(uuid.uuid4())) if method == "list_entries" else endpoint(
            request_with(args))
    assert set(refused.value.fields) == fields
    service.db.unit_of_work.assert_not_called()


def movement():
    return {"credit_id": uuid.uuid4(), "fund_id": uuid.uuid4(), "fund_name_th": "กองทุน",
            "order_id": uuid.uuid4(), "seller_org_id": uuid.uuid4(), "buyer_org_id": uuid.uuid4(),
            "agreement_id": uuid.uuid4(), "agreement_version": 1, "amount_satang": 10_000,
            "lines": [], "balance": {"posted_satang": 0, "pending_satang": 10_000}}


def test_a_levy_pending_body_from_before_the_transaction_id_still_decodes():
    _, body = encode(fund_events.LEVY_PENDING, movement())
    assert "transaction_id" not in json.loads(body)["data"]
    assert decode(fund_events.LEVY_PENDING, body).data["transaction_id"] is None


def test_a_reversal_must_name_the_credit_it_reverses():
    with pytest.raises(Exception, match="original_credit_id"):
        encode(fund_events.LEVY_REVERSED, {**movement(), "reversal_id": uuid.uuid4(), "phase": "posted"})
