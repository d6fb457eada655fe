"""The funds handler table with in-memory units of work: no broker, no database."""
import datetime as dt
import json
import uuid
from unittest import mock

from contracts import centres, decode, encode, marketplace, topology
from funds import handlers
from funds.bootstrap import bootstrap
from funds_fakes import paid
from test_funds_settlement import FUND, headline_store, order_of


def test_every_event_funds_subscribes_to_has_exactly_one_handler():
    assert set(handlers.EVENT_HANDLERS) == set(topology.SUBSCRIPTIONS["funds"])
    assert len(topology.SUBSCRIPTIONS["funds"]) == len(set(topology.SUBSCRIPTIONS["funds"]))


def test_the_bootstrap_binds_every_handler_to_a_unit_of_work_and_an_event():
    app = bootstrap({})
    assert set(app.handlers) == set(handlers.EVENT_HANDLERS)
    uow = mock.Mock()
    app.handlers[centres.FUND_REGISTERED](uow, mock.Mock(data={
        "fund_id": FUND, "name_th": "กองทุน", "centre_id": None,
        "place": {"province_code": "83", "province_group": 17, "region": "south"}}))
    [(fund,)] = [call.args for call in uow.funds.upsert.call_args_list]
    assert fund["id"] == FUND and fund["region"] == "south"


def test_a_credit_is_counted_after_its_commit_and_only_once():
    store = headline_store()
    event = paid(order_of([("rice", 25)]))
    uow = store.unit_of_work()
    store.handlers[event.type](uow, event)
    assert store.counted == []  # not committed yet: nothing counted
    uow.commit()
    assert [credit.amount_satang for credit in store.counted] == [10_000]
    store.handle(event)  # the same payment again: no new credit, nothing more counted
    assert len(store.counted) == 1


def test_an_uncommitted_unit_of_work_counts_nothing():
    store, event = headline_store(), paid(order_of([("rice", 1)]))
    store.handlers[event.type](store.unit_of_work(), event)  # e.g. the commit failed
    assert store.counted == [] and store.credits


def test_an_organisation_snapshot_becomes_the_read_model_row():
    uow = mock.Mock()
    organisation_id, home = uuid.uuid4(), uuid.uuid4()
    for event_type in (centres.ORGANISATION_REGISTERED, centres.ORGANISATION_UPDATED):
        handlers.EVENT_HANDLERS[event_type](uow, mock.Mock(data={
            "organisation_id": organisation_id, "name_th": "กลุ่ม", "home_fund_id": home, "place": {}}))
    assert [call.args[0]["id"] for call in uow.organisations.upsert.call_args_list] == [organisation_id] * 2


def test_order_paid_of_either_version_decoded_from_the_wire_is_credited_once():
    """Version 1 (the buyer's word, still in flight during a rollout), version 2 (with who
    confirmed the money) and version 3 (line kinds, the route) credit the same; funds credits only
    order.paid."""
    for version in (1, 2, 3):
        store, order = headline_store(), order_of([("rice", 25)])
        data = {**order, "payment_id": uuid.uuid4(), "amount_satang": order["total_satang"],
                "paid_at": dt.datetime.now(dt.timezone.utc), "payment": {
                    "method": "direct_transfer", "provider": None, "charge_id": None,
                    "reference": "KTB-000123", "confirmed_by": {"kind": "organisation",
                                                                "id": str(order["seller_org_id"])},
                    "received_at": dt.datetime.now(dt.timezone.utc)}}
        envelope = json.loads(encode(marketplace.ORDER_PAID, data)[1])
        if version < 3:
            del envelope["data"]["route"]
            for line in envelope["data"]["lines"]:
                del line["kind"]
            envelope["version"] = version
        if version == 1:
            del envelope["data"]["payment"]
        event = decode(marketplace.ORDER_PAID, json.dumps(envelope))
        store.handle(event)
        store.handle(event)
        assert [credit.amount_satang for credit in store.counted] == [10_000], version
