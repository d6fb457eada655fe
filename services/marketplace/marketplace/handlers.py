"""The marketplace's handler table: what it does with each event it consumes (no I/O of its own).

``EVENT_HANDLERS`` is registered once: ``chassis.service`` makes one consumer per entry and
``marketplace.bootstrap`` binds each handler's dependencies.
"""
from contracts import centres

from marketplace import delivery, orders


def upsert_seller(uow, event):
    """Keep the read model of sellers in step with the registry's organisations."""
    uow.sellers.upsert(orders.seller_from_organisation(event.data))


def upsert_distribution_centre(uow, event):
    """Keep the read model of distribution centres in step with the registry's."""
    uow.distribution_centres.upsert(delivery.distribution_centre_from_event(event.data))


EVENT_HANDLERS = {
    centres.ORGANISATION_REGISTERED: upsert_seller,
    centres.ORGANISATION_UPDATED: upsert_seller,
    centres.DISTRIBUTION_CENTRE_REGISTERED: upsert_distribution_centre,
    centres.DISTRIBUTION_CENTRE_UPDATED: upsert_distribution_centre,
}
