-- Which template an email was made from: its kind decides whether it is critical.
ALTER TABLE deliveries ADD COLUMN kind text NOT NULL DEFAULT 'levy_pending';
CREATE INDEX deliveries_recipient ON deliveries (recipient, created_at);

-- Credits waiting for an officer's daily digest; digest_delivery_id is set once a digest holds them.
CREATE TABLE digest_items (
    event_id            uuid NOT NULL,
    officer_id          uuid NOT NULL,
    item                jsonb NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now(),
    digest_delivery_id  uuid REFERENCES deliveries (id),
    PRIMARY KEY (event_id, officer_id)
);
CREATE INDEX digest_items_waiting ON digest_items (officer_id, received_at)
    WHERE digest_delivery_id IS NULL;
