"""The consumers the handler tables generate: the names, inbox keys and queues in use before the
tables existed (a renamed consumer would meet old inbox rows under the old name and credit again)."""
from unittest import mock

import pytest
from nameko.testing.services import worker_factory

from centres.service import CentresService
from chassis.messaging import EventConsumer
from contracts import topology
from funds.service import FundsService
from marketplace.service import MarketplaceService
from notifications.service import NotificationsService

# Written out by hand on purpose: these are the inbox keys already stored in the databases.
NAMES_IN_USE = {
    FundsService: ["on_organisation_registered", "on_organisation_updated", "on_fund_registered",
                   "on_fund_updated", "on_order_paid", "on_order_delivered", "on_order_cancelled",
                   "on_order_expired", "on_order_refunded", "on_share_received", "on_exchange_completed"],
    MarketplaceService: ["on_organisation_registered", "on_organisation_updated",
                         "on_distribution_centre_registered", "on_distribution_centre_updated"],
    NotificationsService: ["on_officer_registered", "on_levy_pending", "on_levy_posted", "on_levy_voided",
                           "on_levy_reversed", "on_signin_link_requested", "on_statement_issued"],
    CentresService: ["on_order_paid", "on_share_received", "on_exchange_completed"],
}


def consumers(service_class):
    """{method name: its EventConsumer entrypoint} of a service class."""
    return {name: entrypoint for name, method in vars(service_class).items()
            for entrypoint in getattr(method, "nameko_entrypoints", ()) if isinstance(entrypoint, EventConsumer)}


@pytest.mark.parametrize("service_class", NAMES_IN_USE, ids=lambda cls: cls.name)
def test_the_generated_consumers_keep_the_names_in_use(service_class):
    assert sorted(consumers(service_class)) == sorted(NAMES_IN_USE[service_class])


@pytest.mark.parametrize("service_class", NAMES_IN_USE, ids=lambda cls: cls.name)
def test_the_consumers_read_the_queues_the_topology_declares(service_class):
    declared = {topology.queue_name(service_class.name, event_type)
                for event_type in topology.SUBSCRIPTIONS.get(service_class.name, [])}
    consumed = {topology.queue_name(service_class.name, entrypoint.event_type)
                for entrypoint in consumers(service_class).values()}
    assert consumed == declared
    assert set(service_class.event_handlers) == set(topology.SUBSCRIPTIONS.get(service_class.name, []))


@pytest.mark.parametrize("service_class", NAMES_IN_USE, ids=lambda cls: cls.name)
def test_each_consumer_records_its_own_name_in_the_inbox(service_class):
    service = worker_factory(service_class)
    for name, entrypoint in consumers(service_class).items():
        events = [mock.Mock(type=entrypoint.event_type)]
        getattr(service, name)(events)
        events_given, consumer, factory, handler = service.db.handle_batch.call_args.args
        assert (events_given, consumer) == (events, name)
        assert factory is service.app.unit_of_work
        service.app.handlers.__getitem__.assert_called_with(entrypoint.event_type)
        assert handler is service.app.handlers.__getitem__.return_value
