-- Order lifecycle (cancellation, expiry, refunds), listing and catalogue search.

ALTER TABLE orders ADD COLUMN cancel_reason text;
CREATE INDEX orders_placed ON orders (placed_at DESC, id DESC);
-- the expiry sweep looks only at unpaid orders still waiting
CREATE INDEX orders_due_for_expiry ON orders (expires_at) WHERE status = 'placed';

-- One row per refund; its lines say how many units of each order line it gave back.
CREATE TABLE refunds (
    id             uuid PRIMARY KEY,
    order_id       uuid NOT NULL REFERENCES orders (id),
    amount_satang  bigint NOT NULL CHECK (amount_satang >= 0),
    refunded_at    timestamptz NOT NULL
);
CREATE INDEX refunds_order ON refunds (order_id);

CREATE TABLE refund_lines (
    refund_id  uuid NOT NULL REFERENCES refunds (id),
    line_no    integer NOT NULL,
    quantity   integer NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (refund_id, line_no)
);

-- Substring search on normalised text (marketplace.catalogue.search_text); trigrams make
-- '%…%' patterns use an index.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER TABLE products ADD COLUMN search_text text NOT NULL DEFAULT '';
-- rows from before this migration: lower case is what the key adds for well-typed text
UPDATE products SET search_text = lower(concat_ws(' ', name_th, name_en, category, description));
CREATE INDEX products_search ON products USING gin (search_text gin_trgm_ops);
CREATE INDEX products_created ON products (created_at DESC, id DESC);
