-- Payments confirmed by the side that holds the money (docs/payments.md): a payment request per
-- order, each seller's way of being paid, the provider's webhook events (processed once), every
-- receipt of money (matched, held for review or due back), refunds through the provider.
-- Backward compatible with the release before it (docs/operations.md): only new tables, new
-- columns with defaults, and one dropped constraint.

CREATE TABLE seller_payment_settings (
    seller_id          uuid PRIMARY KEY,
    collection         text NOT NULL CHECK (collection IN ('provider', 'direct')),
    promptpay_sub_tag  text,                -- marketplace.promptpay: 01 mobile, 02 national/tax ID, 03 e-wallet
    promptpay_value    text,
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (collection = 'provider' OR (promptpay_sub_tag IS NOT NULL AND promptpay_value IS NOT NULL))
);

CREATE TABLE payment_requests (
    order_id        uuid PRIMARY KEY REFERENCES orders (id),
    reference       text NOT NULL UNIQUE,   -- what the buyer quotes, and the provider charge's order_ref
    amount_satang   bigint NOT NULL CHECK (amount_satang >= 0),
    method          text NOT NULL CHECK (method IN ('provider', 'direct_transfer')),
    provider        text,
    charge_id       text UNIQUE,            -- made on the first GET (provider); one per order
    qr_payload      text,                   -- the Thai QR the buyer scans
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE provider_events (
    provider     text NOT NULL,
    event_id     text NOT NULL,
    event_type   text NOT NULL,
    charge_id    text,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_id)
);

-- A receipt of money. Before this migration one per order, the buyer's word; now every receipt,
-- a second one included (it is due back), so the order is no longer unique here.
ALTER TABLE payments DROP CONSTRAINT payments_order_id_key;
CREATE INDEX payments_order ON payments (order_id);
ALTER TABLE payments
    ADD COLUMN status              text NOT NULL DEFAULT 'matched'
        CHECK (status IN ('matched', 'held', 'refund_due')),
    ADD COLUMN method              text,
    ADD COLUMN provider            text,
    ADD COLUMN charge_id           text,
    ADD COLUMN transfer_reference  text,
    ADD COLUMN difference_satang   bigint NOT NULL DEFAULT 0,
    ADD COLUMN confirmed_by_kind   text,
    ADD COLUMN confirmed_by_id     text,
    ADD COLUMN received_at         timestamptz,
    ADD COLUMN reason              text;
-- the same charge, or the same transfer confirmed twice, is one receipt
CREATE UNIQUE INDEX payments_charge ON payments (provider, charge_id) WHERE charge_id IS NOT NULL;
CREATE UNIQUE INDEX payments_transfer ON payments (order_id, transfer_reference)
    WHERE transfer_reference IS NOT NULL;
CREATE INDEX payments_received ON payments (received_at);

-- A provider refund counts once the provider confirms it; until then it is requested, its
-- lines held back from what may still be refunded.
ALTER TABLE refunds
    ADD COLUMN status              text NOT NULL DEFAULT 'confirmed'
        CHECK (status IN ('requested', 'confirmed')),
    ADD COLUMN kind                text NOT NULL DEFAULT 'refund' CHECK (kind IN ('refund', 'cancellation')),
    ADD COLUMN provider            text,
    ADD COLUMN charge_id           text,
    ADD COLUMN provider_refund_id  text,
    ADD COLUMN reason              text,
    ADD COLUMN requested_at        timestamptz;
ALTER TABLE refunds ALTER COLUMN refunded_at DROP NOT NULL;  -- a requested refund has not happened
CREATE INDEX refunds_requested ON refunds (requested_at) WHERE status = 'requested';
