"""Marketplace entrypoints with their dependencies replaced (nameko's worker_factory): no broker, no DB."""
import uuid
from unittest import mock

import pytest
from nameko.testing.services import worker_factory

from chassis.auth import Principal
from chassis.errors import InvalidInput
from marketplace.service import EXPIRY_BATCH, RECEIPT_BATCH, MarketplaceService


def request_with(body, **headers):
    request = mock.Mock(headers=headers)
    request.get_data.return_value = body
    return request


@pytest.mark.parametrize("entrypoint, body", [
    ("refund_order", b'{"lines": [{"line_no": 1, "quantity": 0}]}'),
    ("refund_order", b'{"lines": []}'),
    ("ship_order", b'{"carrier": "pigeon", "tracking_number": "EE123456785TH"}'),
    ("cancel_order", b'{"reason": 5}'),
    ("cancel_order", b'[1, 2]'),
])
def test_bad_input_to_an_order_step_is_refused_before_any_write(entrypoint, body):
    service = worker_factory(MarketplaceService)
    service.db.principal.return_value = Principal("operator")
    with pytest.raises(InvalidInput):
        getattr(service, entrypoint)(request_with(body), order_id=str(uuid.uuid4()))
    service.db.unit_of_work.assert_not_called()


def test_a_bad_product_patch_is_refused_before_any_write():
    service = worker_factory(MarketplaceService)
    service.db.principal.return_value = Principal("organisation", uuid.uuid4())
    with pytest.raises(InvalidInput):
        service.update_product(request_with(b'{"stock": "lots"}'), product_id=str(uuid.uuid4()))
    service.db.unit_of_work.assert_not_called()


def test_the_expiry_sweep_takes_batches_until_one_is_not_full():
    service = worker_factory(MarketplaceService)
    batches = [[object()] * EXPIRY_BATCH, [object()] * EXPIRY_BATCH, [object()] * 3]
    with mock.patch("marketplace.orders.expire_due_orders", side_effect=batches) as sweep:
        service.expire_unpaid_orders()
    assert sweep.call_count == 3
    assert service.db.unit_of_work.call_count == 3  # one transaction per batch


def test_the_automatic_receipt_sweep_takes_batches_until_one_is_not_full():
    service = worker_factory(MarketplaceService)
    batches = [[object()] * RECEIPT_BATCH, [object()]]
    with mock.patch("marketplace.orders.confirm_receipts_automatically", side_effect=batches) as sweep:
        service.confirm_receipts_automatically()
    assert sweep.call_count == 2 and service.db.unit_of_work.call_count == 2
    assert sweep.call_args.args[2] == service.app.settings.receipt_auto_confirm_after


@pytest.mark.parametrize("entrypoint, body", [
    ("dispute_order", b'{"reason": ""}'),
    ("resolve_dispute", b'{"outcome": "lost"}'),
])
def test_bad_input_to_a_dispute_is_refused_before_any_write(entrypoint, body):
    service = worker_factory(MarketplaceService)
    service.db.principal.return_value = Principal("operator") if entrypoint == "resolve_dispute" \
        else Principal("organisation", uuid.uuid4())
    with pytest.raises(InvalidInput):
        getattr(service, entrypoint)(request_with(body), order_id=str(uuid.uuid4()))
    service.db.unit_of_work.assert_not_called()
