"""The marketplace's handler table: what it does with each event it consumes (no I/O of its own).

``EVENT_HANDLERS`` is registered once: ``chassis.service`` makes one consumer per entry and
``marketplace.bootstrap`` binds each handler's dependencies.
"""
from contracts import centres

from marketplace import orders


def upsert_seller(uow, event):
    """Keep the read model of sellers in step with the registry's organisations."""
    uow.sellers.upsert(orders.seller_from_organisation(event.data))


EVENT_HANDLERS = {
    centres.ORGANISATION_REGISTERED: upsert_seller,
    centres.ORGANISATION_UPDATED: upsert_seller,
}
