CREATE TABLE organisations (
    id                uuid PRIMARY KEY,
    name_th           text NOT NULL,
    name_en           text,
    kind              text NOT NULL,
    subdistrict_code  text NOT NULL,
    place             jsonb NOT NULL,
    centre_id         uuid,
    home_fund_id      uuid,
    demo              boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name_th, subdistrict_code)
);

CREATE TABLE funds (
    id                uuid PRIMARY KEY,
    name_th           text NOT NULL,
    name_en           text,
    subdistrict_code  text NOT NULL,
    place             jsonb NOT NULL,
    centre_id         uuid,
    demo              boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name_th, subdistrict_code)
);
