"""Prometheus metrics shared by every service; business counters live with their service.
Every metric the project defines starts with ``codi_``."""
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

ENTRYPOINT_LATENCY = Histogram(
    "codi_entrypoint_duration_seconds",
    "Time spent in a service entrypoint (HTTP, event, RPC, timer).",
    ["service", "entrypoint", "kind"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
ENTRYPOINT_CALLS = Counter(
    "codi_entrypoint_calls_total",
    "Entrypoint calls by outcome (ok or error).",
    ["service", "entrypoint", "kind", "outcome"],
)
EVENTS_CONSUMED = Counter(
    "codi_events_consumed_total",
    "Events received by a consumer, by outcome: handled, duplicate, retried, dead_lettered.",
    ["service", "event", "outcome"],
)
REDELIVERIES = Counter(
    "codi_messages_redelivered_total",
    "Messages the broker delivered again (after a crash, a lost connection or a requeue).",
    ["service", "event"],
)
DEAD_LETTERED = Counter(
    "codi_messages_dead_lettered_total",
    "Messages sent to the dead-letter queue, by reason kind.",
    ["service", "queue", "reason"],
)
OUTBOX_BACKLOG = Gauge(
    "codi_outbox_backlog_events", "Events staged but not yet published.", ["service"]
)
OUTBOX_LAG = Gauge(
    "codi_outbox_lag_seconds", "Age of the oldest unpublished event in the outbox.", ["service"]
)
OUTBOX_PUBLISHED = Counter(
    "codi_outbox_published_total", "Events the outbox relay published.", ["service"]
)

RETENTION_PRUNED = Counter(
    "codi_retention_pruned_rows_total", "Rows pruned past their retention horizon, by table.",
    ["service", "table"]
)


def exposition():
    """(body, content type) of the text exposition format."""
    return generate_latest(), CONTENT_TYPE_LATEST
