-- Incubation centres still to open (status 'planned'), distribution centres, community business
-- plans (CBMC) and the paid sales that the coverage report counts.
ALTER TABLE centres ADD COLUMN status text NOT NULL DEFAULT 'active';

CREATE TABLE distribution_centres (
    id                uuid PRIMARY KEY,
    name_th           text NOT NULL,
    name_en           text,
    name_key          text NOT NULL,
    subdistrict_code  text NOT NULL,
    place             jsonb NOT NULL,
    address           text NOT NULL,
    opening_hours     jsonb NOT NULL,
    time_zone         text NOT NULL,
    contact           jsonb NOT NULL,
    serves_groups     integer[] NOT NULL,
    status            text NOT NULL,
    demo              boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name_key, subdistrict_code)
);
CREATE INDEX distribution_centres_province ON distribution_centres ((place->>'province_code'));
CREATE INDEX distribution_centres_serves_groups ON distribution_centres USING gin (serves_groups);

CREATE TABLE community_plans (
    id                uuid PRIMARY KEY,
    organisation_id   uuid NOT NULL REFERENCES organisations (id),
    subdistrict_code  text NOT NULL,
    place             jsonb NOT NULL,
    year_be           integer NOT NULL,
    focus             text NOT NULL,
    status            text NOT NULL,
    demo              boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organisation_id, subdistrict_code, year_be, focus)
);
CREATE INDEX community_plans_province ON community_plans ((place->>'province_code'));
CREATE INDEX community_plans_subdistrict ON community_plans (subdistrict_code);

-- One row per paid order (marketplace order.paid): a payment announced again under another event
-- id is still one sale. The seller's subdistrict is the registry's own.
CREATE TABLE trade_facts (
    order_id          uuid PRIMARY KEY,
    seller_org_id     uuid NOT NULL,
    paid_at           timestamptz NOT NULL,
    event_id          uuid NOT NULL,
    recorded_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trade_facts_seller ON trade_facts (seller_org_id);
