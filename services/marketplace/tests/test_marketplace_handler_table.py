"""The marketplace's handler table with a stand-in unit of work: no broker, no database."""
import datetime as dt
import uuid
from unittest import mock

import pytest

from chassis.errors import DomainError
from contracts import centres, topology
from marketplace import handlers
from marketplace.bootstrap import Settings, bootstrap


def test_every_event_the_marketplace_subscribes_to_has_exactly_one_handler():
    assert set(handlers.EVENT_HANDLERS) == set(topology.SUBSCRIPTIONS["marketplace"])
    assert len(set(topology.SUBSCRIPTIONS["marketplace"])) == len(topology.SUBSCRIPTIONS["marketplace"])


def test_a_registered_or_updated_organisation_becomes_a_seller():
    app = bootstrap({})
    organisation_id = uuid.uuid4()
    snapshot = {"organisation_id": organisation_id, "name_th": "วิสาหกิจชุมชน", "kind": "community_enterprise",
                "place": {"province_code": "36", "province_group": 9, "region": "northeast"}}
    uow = mock.Mock()
    for event_type in (centres.ORGANISATION_REGISTERED, centres.ORGANISATION_UPDATED):
        app.handlers[event_type](uow, mock.Mock(type=event_type, data=snapshot))
    sellers = [call.args[0] for call in uow.sellers.upsert.call_args_list]
    assert [seller["id"] for seller in sellers] == [organisation_id] * 2
    assert sellers[0]["region"] == "northeast" and sellers[0]["province_code"] == "36"


def test_the_order_settings_have_their_defaults_in_one_place():
    assert bootstrap({"ORDER_TTL_MINUTES": None}).settings == Settings()
    assert bootstrap({"ORDER_TTL_MINUTES": "1.5"}).settings.order_ttl.total_seconds() == 90
    # a day by default: long enough for a bank transfer; PAYMENT_TTL_MINUTES is the setting's name
    assert Settings().order_ttl == dt.timedelta(hours=24)
    assert bootstrap({"PAYMENT_TTL_MINUTES": "90"}).settings.order_ttl == dt.timedelta(minutes=90)


def test_without_the_providers_secrets_in_the_environment_the_provider_is_refused_clearly():
    app = bootstrap({}, environ={})
    with pytest.raises(DomainError) as refused:
        app.payments.create_promptpay_charge("CODI-X", 100, None)
    assert refused.value.status == 503 and "OMISE_SECRET_KEY" in str(refused.value)
    configured = bootstrap({}, environ={"OMISE_SECRET_KEY": "skey_test_x", "OMISE_WEBHOOK_SECRET": "c2VjcmV0"})
    assert configured.payments.secret_key == "skey_test_x"
