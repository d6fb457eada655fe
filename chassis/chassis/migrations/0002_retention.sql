-- Retention (chassis/retention.py): the pruner finds rows past their horizon by these, a batch at a time.
CREATE INDEX inbox_handled_at ON inbox (handled_at);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
-- By event type first: the types a service retains (its reconciliation's) are never scanned.
CREATE INDEX outbox_published ON outbox (exchange, routing_key, published_at) WHERE published_at IS NOT NULL;
