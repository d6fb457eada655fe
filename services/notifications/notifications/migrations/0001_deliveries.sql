-- Fund officers: a read model of the funds service, fed by its events.
CREATE TABLE officers (
    id           uuid PRIMARY KEY,
    fund_id      uuid NOT NULL,
    name         text NOT NULL,
    email        text NOT NULL,
    language     text NOT NULL,
    preferences  jsonb NOT NULL,
    active       boolean NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX officers_fund ON officers (fund_id);

-- One email per (event, officer): the delivery log.
CREATE TABLE deliveries (
    id               uuid PRIMARY KEY,
    event_id         uuid NOT NULL,
    officer_id       uuid NOT NULL,
    fund_id          uuid NOT NULL,
    recipient        text NOT NULL,
    subject          text NOT NULL,
    text_body        text NOT NULL,
    html_body        text NOT NULL,
    message_id       text NOT NULL UNIQUE,
    status           text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    UNIQUE (event_id, officer_id)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'queued';
CREATE INDEX deliveries_fund ON deliveries (fund_id, created_at);
