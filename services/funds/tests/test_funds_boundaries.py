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
from devtools import samples
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
    ("get_routes_report", {}, {"by"}),
    ("get_routes_report", {"by": "district", "trade_kind": "gift"}, {"by", "trade_kind"}),
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
    seller, buyer = uuid.uuid4(), uuid.uuid4()
    return {"credit_id": uuid.uuid4(), "fund_id": uuid.uuid4(), "fund_name_th": "กองทุน",
            "order_id": uuid.uuid4(), "seller_org_id": seller, "buyer_org_id": buyer,
            "agreement_id": uuid.uuid4(), "agreement_version": 1, "amount_satang": 10_000,
            "lines": [{"line_no": 1, "kind": "goods", "product_id": uuid.uuid4(), "product_name": "ข้าว",
                       "unit": "ถุง", "quantity": 25, "levy_satang": 10_000}],
            "balance": {"posted_satang": 0, "pending_satang": 10_000},
            "trade_kind": "sale", "seller": {"org_id": seller, "name_th": "วิสาหกิจชุมชนข้าวหอมมะลิชัยภูมิ",
                                              "province_code": "36", "province_name_th": "ชัยภูมิ"},
            "buyer": {"org_id": buyer}, "route": samples.route()}


def version_1_body(event_type, data):
    """A body as a version-1 producer wrote it: the V1 fields only, under version 1."""
    _, body = encode(event_type, data)
    envelope = json.loads(body)
    v1 = event_type.earlier[1]()
    envelope.update(version=1, data=v1.dump(v1.load(envelope["data"])))
    return json.dumps(envelope, ensure_ascii=False)


def test_a_levy_pending_body_from_before_the_transaction_id_still_decodes():
    envelope = json.loads(version_1_body(fund_events.LEVY_PENDING, movement()))
    del envelope["data"]["transaction_id"]  # the field came later
    body = json.dumps(envelope, ensure_ascii=False)
    decoded = decode(fund_events.LEVY_PENDING, body)
    assert decoded.data["transaction_id"] is None and "trade_kind" not in decoded.data


@pytest.mark.parametrize("event_type", [fund_events.LEVY_PENDING, fund_events.LEVY_POSTED,
                                        fund_events.LEVY_VOIDED, fund_events.LEVY_REVERSED])
def test_a_version_2_movement_still_satisfies_version_1(event_type):
    """A consumer of version 1 reads what a version-2 producer writes: only fields are added."""
    data = movement()
    if event_type is fund_events.LEVY_REVERSED:
        data.update(original_credit_id=data["credit_id"], reversal_id=uuid.uuid4(), phase="posted")
    _, body = encode(event_type, data)
    payload = json.loads(body)["data"]
    assert event_type.earlier[1]().validate(payload) == {}
    assert payload["route"]["origin"]["province_name_th"] == "ชัยภูมิ" and payload["trade_kind"] == "sale"


def test_a_reversal_must_name_the_credit_it_reverses():
    with pytest.raises(Exception, match="original_credit_id"):
        encode(fund_events.LEVY_REVERSED, {**movement(), "reversal_id": uuid.uuid4(), "phase": "posted"})
