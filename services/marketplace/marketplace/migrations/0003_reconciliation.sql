-- Reconciliation (funds' `codi-admin funds reconcile`): paid orders in payment-time order, and
-- the events the marketplace staged for an order (the outbox keeps every row once published).
CREATE INDEX orders_paid ON orders (paid_at, id) WHERE paid_at IS NOT NULL;
CREATE INDEX outbox_order_events ON outbox (((body::jsonb -> 'data') ->> 'order_id'), id)
    WHERE exchange = 'marketplace.events';
