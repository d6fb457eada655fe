-- Three kinds of listing (issue 17): a sale (every listing until now), a share (surplus given away)
-- and an exchange (goods for goods). Shares and exchanges move no money: their listings carry no
-- price (0). Backward compatible with the release before it (docs/operations.md): a new column
-- with a default and new tables only.

ALTER TABLE products ADD COLUMN listing_kind text NOT NULL DEFAULT 'sale'
    CHECK (listing_kind IN ('sale', 'share', 'exchange'));
ALTER TABLE products ADD CONSTRAINT only_a_sale_has_a_price
    CHECK (listing_kind = 'sale' OR unit_price_satang = 0);

-- A share: a receiver asks the giver for a quantity of a share listing, reserved from its stock
-- until it is declined or withdrawn.
CREATE TABLE shares (
    id            uuid PRIMARY KEY,
    listing_id    uuid NOT NULL REFERENCES products (id),
    giver_id      uuid NOT NULL,
    receiver_id   uuid NOT NULL,
    status        text NOT NULL CHECK (status IN ('requested', 'approved', 'declined', 'withdrawn',
                                                  'shipped', 'received')),
    quantity      integer NOT NULL CHECK (quantity > 0),
    goods         jsonb NOT NULL,   -- contracts.marketplace.TradeGoods, frozen at the request
    ship_to       jsonb NOT NULL,
    route         jsonb NOT NULL,
    shipment      jsonb,
    receipt       jsonb,
    requested_at  timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (giver_id <> receiver_id)
);
CREATE INDEX shares_giver ON shares (giver_id, requested_at DESC);
CREATE INDEX shares_receiver ON shares (receiver_id, requested_at DESC);

-- An exchange: the offerer offers a quantity of its own listing for a quantity of the owner's
-- exchange listing; both are reserved from the offer until it is declined or withdrawn.
CREATE TABLE exchanges (
    id             uuid PRIMARY KEY,
    owner_id       uuid NOT NULL,
    offerer_id     uuid NOT NULL,
    status         text NOT NULL CHECK (status IN ('offered', 'accepted', 'declined', 'withdrawn',
                                                   'completed')),
    owner_leg      jsonb NOT NULL,  -- contracts.marketplace.ExchangeLeg: the listing's goods
    offerer_leg    jsonb NOT NULL,  -- the offered goods
    offered_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (owner_id <> offerer_id)
);
CREATE INDEX exchanges_owner ON exchanges (owner_id, offered_at DESC);
CREATE INDEX exchanges_offerer ON exchanges (offerer_id, offered_at DESC);
