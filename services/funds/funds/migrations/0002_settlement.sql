-- Two-phase credits: delivery posts, cancellation voids, refunds reverse (funds.settlement).

-- Cumulative refunded quantity per line of a credit: {"<line_no>": quantity}.
ALTER TABLE credits ADD COLUMN refunded jsonb NOT NULL DEFAULT '{}';

-- Every outcome of an order after payment, as received. An outcome that arrives before the
-- order.paid credit exists waits here and is applied when the credit is created.
CREATE TABLE order_outcomes (
    id               bigserial PRIMARY KEY,
    order_id         uuid NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('delivered', 'cancelled', 'expired', 'refunded')),
    source_event_id  uuid NOT NULL UNIQUE,
    refund_id        uuid UNIQUE,            -- the same refund told twice is applied once
    refunded_lines   jsonb NOT NULL DEFAULT '[]',
    occurred_at      timestamptz NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'refunded') = (refund_id IS NOT NULL))
);
CREATE INDEX order_outcomes_order ON order_outcomes (order_id, id);

-- A fund's own account never goes negative (a shortfall goes to its receivable account).
ALTER TABLE accounts ADD CONSTRAINT fund_balance_not_negative
    CHECK (fund_id IS NULL OR (posted_satang >= 0 AND pending_satang >= 0));

CREATE INDEX ledger_transactions_credit ON ledger_transactions (credit_id);
CREATE INDEX ledger_entries_account_time ON ledger_entries (account, created_at, id);
