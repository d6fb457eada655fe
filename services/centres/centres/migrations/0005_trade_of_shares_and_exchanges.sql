-- Shares (the giver) and exchanges (both sides) are trade too: one row per (trade, organisation),
-- so a receipt or completion announced again is still one. Sales stay in trade_facts (the release
-- before this one still writes there during the rollout). Organisations' subdistricts are the registry's own.
CREATE TABLE goods_trade_facts (
    kind         text NOT NULL CHECK (kind IN ('share', 'exchange')),
    trade_id     uuid NOT NULL,                -- the share's or the exchange's id
    org_id       uuid NOT NULL,                -- the giver; either side of an exchange
    traded_at    timestamptz NOT NULL,
    event_id     uuid NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, trade_id, org_id)
);
CREATE INDEX goods_trade_facts_org ON goods_trade_facts (org_id);
