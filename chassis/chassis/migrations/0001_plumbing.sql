-- Tables every service database carries: outbox, inbox, API tokens, idempotency keys.

-- Events staged in the same transaction as the state change they describe;
-- the relay publishes them and marks them published.
CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    event_id      uuid NOT NULL UNIQUE,
    exchange      text NOT NULL,
    routing_key   text NOT NULL,
    body          text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    published_at  timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- One row per (consumer, event) handled: written in the same transaction as the effect,
-- so a redelivered event finds its row and changes nothing.
CREATE TABLE inbox (
    consumer    text NOT NULL,
    event_id    uuid NOT NULL,
    handled_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Bearer tokens, stored as SHA-256 digests only.
CREATE TABLE api_tokens (
    token_sha256  text PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('operator', 'organisation', 'officer')),
    subject_id    uuid,
    label         text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz,
    CHECK (kind = 'operator' OR subject_id IS NOT NULL)
);

-- Idempotency-Key: the first successful response to a key, replayed for repeats.
CREATE TABLE idempotency_keys (
    principal     text NOT NULL,
    key           text NOT NULL,
    request_hash  text NOT NULL,
    status        integer,
    response      jsonb,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);
