import datetime as dt
import json
import uuid

import pytest
from marshmallow import ValidationError

from contracts import decode, encode, marketplace, topology
from devtools import samples


def paid_order(**overrides):
    data = {
        "order_id": uuid.uuid4(), "seller_org_id": uuid.uuid4(), "buyer_org_id": uuid.uuid4(),
        "lines": [{"line_no": 1, "product_id": uuid.uuid4(), "product_name": "ข้าวหอมมะลิ",
                   "category": "rice", "unit": "ถุง", "quantity": 25, "unit_price_satang": 25000,
                   "kind": "goods"}],
        "route": samples.route(),
        "total_satang": 625000, "payment_id": uuid.uuid4(), "amount_satang": 625000,
        "paid_at": dt.datetime(2023, 5, 30, 3, 0, tzinfo=dt.timezone.utc),
        "payment": {"method": "provider", "provider": "omise", "charge_id": "chrg_test_5xyz",
                    "reference": "CODI-ABCD2345", "confirmed_by": {"kind": "provider", "id": "omise"},
                    "received_at": dt.datetime(2023, 5, 30, 3, 0, tzinfo=dt.timezone.utc)},
    }
    data.update(overrides)
    return data


def test_an_encoded_event_decodes_to_the_same_data():
    data = paid_order()
    event_id, body = encode(marketplace.ORDER_PAID, data)
    event = decode(marketplace.ORDER_PAID, body)
    assert event.event_id == event_id
    assert event.data["lines"][0]["quantity"] == 25
    assert event.data["order_id"] == data["order_id"]


def test_a_producer_cannot_emit_money_as_a_float():
    with pytest.raises(ValidationError):
        encode(marketplace.ORDER_PAID, paid_order(total_satang=6250.5))


def test_a_body_for_another_event_type_is_refused():
    _, body = encode(marketplace.ORDER_PAID, paid_order())
    with pytest.raises(ValidationError):
        decode(marketplace.ORDER_PLACED, body)


def test_a_newer_version_than_the_consumer_knows_is_refused():
    _, body = encode(marketplace.ORDER_PAID, paid_order())
    envelope = json.loads(body)
    envelope["version"] = marketplace.ORDER_PAID.version + 1
    with pytest.raises(ValidationError):
        decode(marketplace.ORDER_PAID, json.dumps(envelope))


def test_fields_added_later_are_ignored_by_consumers():
    _, body = encode(marketplace.ORDER_PAID, paid_order())
    envelope = json.loads(body)
    envelope["data"]["loyalty_points"] = 7
    assert "loyalty_points" not in decode(marketplace.ORDER_PAID, json.dumps(envelope)).data


@pytest.mark.parametrize("body", [b"\xff\xfe not json", "[]", "{}", '{"event_id": "x"}'])
def test_malformed_bodies_are_refused(body):
    with pytest.raises(ValidationError):
        decode(marketplace.ORDER_PAID, body)


def test_every_subscription_names_a_known_event_and_queue_names_are_unique():
    names = [topology.queue_name(consumer, event)
             for consumer, events in topology.SUBSCRIPTIONS.items() for event in events]
    assert len(names) == len(set(names))
    for events in topology.SUBSCRIPTIONS.values():
        assert set(events) <= set(topology.ALL_EVENTS)


def test_order_paid_version_3_says_how_it_was_paid_who_confirmed_it_and_its_route():
    without = paid_order()
    del without["payment"]
    with pytest.raises(ValidationError):
        encode(marketplace.ORDER_PAID, without)
    _, body = encode(marketplace.ORDER_PAID, paid_order())
    envelope = json.loads(body)
    assert envelope["version"] == 3
    assert envelope["data"]["payment"]["confirmed_by"] == {"kind": "provider", "id": "omise"}
    assert envelope["data"]["route"]["origin"]["province_code"] == "36"


def test_order_paid_version_1_is_still_accepted_during_a_rollout():
    data = paid_order()
    del data["payment"]
    envelope = json.loads(encode(marketplace.ORDER_PAID, paid_order())[1])
    envelope.update(version=1, data=json.loads(json.dumps(data, default=str)))
    event = decode(marketplace.ORDER_PAID, json.dumps(envelope))
    assert event.data["order_id"] == data["order_id"] and "payment" not in event.data


def test_a_version_no_longer_accepted_is_refused():
    envelope = json.loads(encode(marketplace.ORDER_PLACED, {
        key: value for key, value in paid_order().items()
        if key in ("order_id", "seller_org_id", "buyer_org_id", "lines", "total_satang", "route")})[1])
    envelope["version"] = 0
    with pytest.raises(ValidationError):
        decode(marketplace.ORDER_PLACED, json.dumps(envelope))
