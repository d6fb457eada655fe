-- Issue 17: shipping lines, trades without money (shares, exchanges) and the routes goods take.

-- An agreement levies an order's shipping line only when it says so, and the kinds of trade it lists.
ALTER TABLE levy_agreements ADD COLUMN levies_shipping boolean NOT NULL DEFAULT false;
ALTER TABLE levy_agreements ADD COLUMN trade_kinds text[] NOT NULL DEFAULT '{sale}'
    CHECK (cardinality(trade_kinds) > 0 AND trade_kinds <@ ARRAY['sale', 'share', 'exchange']);
ALTER TABLE levy_agreements ADD CONSTRAINT moneyless_trades_not_in_basis_points
    CHECK (basis <> 'basis_points' OR trade_kinds <@ ARRAY['sale']);

-- A credit's trade (order_id is the order's, the share's or the exchange's id) and its route as
-- told (NULL for credits frozen before routes were told), with the route's provinces and groups
-- derived from it for the routes report.
ALTER TABLE credits ADD COLUMN trade_kind text NOT NULL DEFAULT 'sale'
    CHECK (trade_kind IN ('sale', 'share', 'exchange'));
ALTER TABLE credits ADD COLUMN route jsonb;
ALTER TABLE credits ADD COLUMN origin_province_code text
    GENERATED ALWAYS AS (route -> 'origin' ->> 'province_code') STORED;
ALTER TABLE credits ADD COLUMN origin_province_group integer
    GENERATED ALWAYS AS ((route -> 'origin' ->> 'province_group')::integer) STORED;
ALTER TABLE credits ADD COLUMN destination_province_code text
    GENERATED ALWAYS AS (route -> 'destination' ->> 'province_code') STORED;
ALTER TABLE credits ADD COLUMN destination_province_group integer
    GENERATED ALWAYS AS ((route -> 'destination' ->> 'province_group')::integer) STORED;
CREATE INDEX credits_routes ON credits (trade_kind, origin_province_code, destination_province_code);
