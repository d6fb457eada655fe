"""Who consumes what. Queues are declared from this list before any service runs,
so an event published before its consumer first started waits in a durable queue."""
from contracts import centres, funds, marketplace, web

SUBSCRIPTIONS = {
    "marketplace": [
        centres.ORGANISATION_REGISTERED,
        centres.ORGANISATION_UPDATED,
        centres.DISTRIBUTION_CENTRE_REGISTERED,
        centres.DISTRIBUTION_CENTRE_UPDATED,
    ],
    "funds": [
        centres.ORGANISATION_REGISTERED,
        centres.ORGANISATION_UPDATED,
        centres.FUND_REGISTERED,
        centres.FUND_UPDATED,
        marketplace.ORDER_PAID,
        marketplace.ORDER_DELIVERED,
        marketplace.ORDER_CANCELLED,
        marketplace.ORDER_EXPIRED,
        marketplace.ORDER_REFUNDED,
        marketplace.SHARE_RECEIVED,
        marketplace.EXCHANGE_COMPLETED,
    ],
    # coverage: the subdistricts whose organisations sell, share or exchange on the marketplace
    "centres": [
        marketplace.ORDER_PAID,
        marketplace.SHARE_RECEIVED,
        marketplace.EXCHANGE_COMPLETED,
    ],
    "notifications": [
        funds.OFFICER_REGISTERED,
        funds.LEVY_PENDING,
        funds.LEVY_POSTED,
        funds.LEVY_VOIDED,
        funds.LEVY_REVERSED,
        funds.STATEMENT_ISSUED,
        web.SIGNIN_LINK_REQUESTED,
    ],
}

ALL_EVENTS = centres.EVENTS + marketplace.EVENTS + funds.EVENTS + web.EVENTS


def queue_name(consumer, event_type):
    return f"{consumer}.{event_type.source}.{event_type.name}"


def dead_letter_queue_name(consumer):
    return f"{consumer}.dead-letters"


DEAD_LETTER_EXCHANGE = "dead-letters"
