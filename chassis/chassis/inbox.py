"""Idempotent consumption: the record of having handled an event is written in the
same transaction as the effect, keyed by (consumer, event id)."""


def first_delivery(cursor, consumer, event_id):
    """True the first time ``consumer`` sees ``event_id``; False for any redelivery.

    A concurrent delivery of the same event waits on the primary key until the first
    transaction ends, then sees the conflict.
    """
    cursor.execute(
        "INSERT INTO inbox (consumer, event_id) VALUES (%s, %s) "
        "ON CONFLICT DO NOTHING RETURNING event_id",
        (consumer, event_id),
    )
    return cursor.fetchone() is not None
