-- Sellers: a read model of the centres registry, fed by its events.
CREATE TABLE sellers (
    id              uuid PRIMARY KEY,
    name_th         text NOT NULL,
    kind            text NOT NULL,
    province_code   text NOT NULL,
    province_group  integer,
    region          text,
    place           jsonb NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE products (
    id                 uuid PRIMARY KEY,
    seller_id          uuid NOT NULL REFERENCES sellers (id),
    name_th            text NOT NULL,
    name_en            text,
    description        text NOT NULL DEFAULT '',
    unit               text NOT NULL,
    unit_price_satang  bigint NOT NULL CHECK (unit_price_satang >= 0),
    stock              integer NOT NULL CHECK (stock >= 0),
    category           text NOT NULL,
    images             jsonb NOT NULL DEFAULT '[]',
    active             boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_seller ON products (seller_id);

CREATE TABLE orders (
    id                 uuid PRIMARY KEY,
    seller_id          uuid NOT NULL,
    buyer_id           uuid NOT NULL,
    status             text NOT NULL,
    payment_status     text NOT NULL,
    fulfilment_status  text NOT NULL,
    ship_to            jsonb NOT NULL,
    total_satang       bigint NOT NULL CHECK (total_satang >= 0),
    placed_at          timestamptz NOT NULL,
    expires_at         timestamptz NOT NULL,
    paid_at            timestamptz,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_seller ON orders (seller_id);
CREATE INDEX orders_buyer ON orders (buyer_id);

CREATE TABLE order_lines (
    order_id           uuid NOT NULL REFERENCES orders (id),
    line_no            integer NOT NULL,
    product_id         uuid NOT NULL,
    product_name       text NOT NULL,
    category           text NOT NULL,
    unit               text NOT NULL,
    quantity           integer NOT NULL CHECK (quantity > 0),
    unit_price_satang  bigint NOT NULL CHECK (unit_price_satang >= 0),
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE payments (
    id             uuid PRIMARY KEY,
    order_id       uuid NOT NULL UNIQUE REFERENCES orders (id),
    amount_satang  bigint NOT NULL CHECK (amount_satang >= 0),
    reference      text,
    paid_at        timestamptz NOT NULL
);
