-- Delivery across provinces (issue 17): the registry's distribution centres as its events tell
-- them, what each seller offers (a carrier and its fee, pickup at centres, pickup at its place),
-- disputes, and the time of shipment that the automatic receipt goes by. Backward compatible with
-- the release before it (docs/operations.md): new tables and nullable columns only.

CREATE TABLE distribution_centres (
    id             uuid PRIMARY KEY,
    name_th        text NOT NULL,
    name_en        text,
    place          jsonb NOT NULL,          -- contracts.common.Place, with its province
    address        text NOT NULL,
    opening_hours  jsonb NOT NULL,          -- [{days, opens, closes}]
    time_zone      text NOT NULL,
    contact        jsonb NOT NULL,
    serves_groups  jsonb NOT NULL,          -- province groups 1-18
    status         text NOT NULL,           -- planned | active | closed
    demo           boolean NOT NULL DEFAULT false,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE seller_delivery_options (
    seller_id                uuid PRIMARY KEY,
    carrier_fee_satang       bigint CHECK (carrier_fee_satang >= 0),  -- NULL: no shipping by a carrier
    distribution_centre_ids  uuid[] NOT NULL DEFAULT '{}',
    local_pickup             boolean NOT NULL,
    updated_at               timestamptz NOT NULL DEFAULT now(),
    CHECK (carrier_fee_satang IS NOT NULL OR local_pickup OR cardinality(distribution_centre_ids) > 0)
);

ALTER TABLE orders ADD COLUMN dispute jsonb, ADD COLUMN shipped_at timestamptz;
UPDATE orders SET shipped_at = (shipment ->> 'shipped_at')::timestamptz WHERE shipment IS NOT NULL;
-- the automatic receipt's sweep: shipped, not received, never disputed
CREATE INDEX orders_awaiting_receipt ON orders (shipped_at)
    WHERE fulfilment_status = 'shipped' AND dispute IS NULL;
