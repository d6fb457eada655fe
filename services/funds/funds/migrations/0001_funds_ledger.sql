-- Read models of the centres registry.
CREATE TABLE organisations (
    id            uuid PRIMARY KEY,
    name_th       text NOT NULL,
    home_fund_id  uuid,
    place         jsonb NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE funds (
    id              uuid PRIMARY KEY,
    name_th         text NOT NULL,
    province_code   text NOT NULL,
    province_group  integer,
    region          text,
    centre_id       uuid,
    place           jsonb NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE officers (
    id           uuid PRIMARY KEY,
    fund_id      uuid NOT NULL,
    name         text NOT NULL,
    email        text NOT NULL,
    language     text NOT NULL DEFAULT 'th' CHECK (language IN ('th', 'en')),
    preferences  jsonb NOT NULL DEFAULT '{}',
    active       boolean NOT NULL DEFAULT true,
    UNIQUE (fund_id, email)
);

-- Levy agreements are versioned: a change is a new version; credits keep the version they used.
CREATE TABLE levy_agreements (
    id              uuid NOT NULL,
    version         integer NOT NULL,
    seller_org_id   uuid NOT NULL,
    basis           text NOT NULL CHECK (basis IN ('per_unit', 'basis_points', 'per_order')),
    rate            bigint NOT NULL CHECK (rate >= 0),
    category        text,
    product_ids     uuid[],
    recipient       text NOT NULL CHECK (recipient IN ('fund', 'buyer_home_fund', 'seller_home_fund')),
    fund_id         uuid,
    effective_from  timestamptz NOT NULL,
    effective_to    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id, version),
    CHECK (recipient <> 'fund' OR fund_id IS NOT NULL)
);
CREATE INDEX levy_agreements_seller ON levy_agreements (seller_org_id);

-- A levy owed to a fund from one order under one agreement, frozen at payment.
CREATE TABLE credits (
    id                 uuid PRIMARY KEY,
    order_id           uuid NOT NULL,
    fund_id            uuid NOT NULL,
    agreement_id       uuid NOT NULL,
    agreement_version  integer NOT NULL,
    seller_org_id      uuid NOT NULL,
    buyer_org_id       uuid NOT NULL,
    amount_satang      bigint NOT NULL CHECK (amount_satang >= 0),
    lines              jsonb NOT NULL,
    status             text NOT NULL CHECK (status IN ('pending', 'posted', 'voided')),
    source_event_id    uuid NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (order_id, fund_id, agreement_id)
);

-- Double-entry ledger: append-only; every transaction's legs sum to zero (checked at commit).
CREATE TABLE accounts (
    code            text PRIMARY KEY,
    fund_id         uuid,
    posted_satang   bigint NOT NULL DEFAULT 0,
    pending_satang  bigint NOT NULL DEFAULT 0
);

CREATE TABLE ledger_transactions (
    id               uuid PRIMARY KEY,
    kind             text NOT NULL,
    credit_id        uuid REFERENCES credits (id),
    source_event_id  uuid NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (source_event_id, kind, credit_id)
);

CREATE TABLE ledger_entries (
    id              bigserial PRIMARY KEY,
    transaction_id  uuid NOT NULL REFERENCES ledger_transactions (id),
    account         text NOT NULL REFERENCES accounts (code),
    phase           text NOT NULL CHECK (phase IN ('pending', 'posted')),
    amount_satang   bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_account ON ledger_entries (account, id);
CREATE INDEX ledger_entries_transaction ON ledger_entries (transaction_id);

CREATE FUNCTION ledger_transaction_balances() RETURNS trigger AS $$
DECLARE total bigint;
BEGIN
    SELECT coalesce(sum(amount_satang), 0) INTO total
      FROM ledger_entries WHERE transaction_id = NEW.transaction_id;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % does not balance (sum %)', NEW.transaction_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER ledger_entries_balance
    AFTER INSERT ON ledger_entries DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balances();

CREATE FUNCTION ledger_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only' USING ERRCODE = 'check_violation';
END $$ LANGUAGE plpgsql;

CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();
CREATE TRIGGER ledger_transactions_append_only BEFORE UPDATE OR DELETE ON ledger_transactions
    FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();
