-- Incubation centres (ศูนย์บ่มเพาะเศรษฐกิจและทุนชุมชน), registration numbers of organisations,
-- and the folded search key of every name (written by the application: chassis.thai.search_key).
CREATE TABLE centres (
    id                uuid PRIMARY KEY,
    name_th           text NOT NULL,
    name_en           text,
    name_key          text NOT NULL,
    subdistrict_code  text NOT NULL,
    place             jsonb NOT NULL,
    intake_year_be    integer NOT NULL,
    focus_areas       text[] NOT NULL,
    contacts          jsonb NOT NULL DEFAULT '[]',
    partner_agencies  jsonb NOT NULL DEFAULT '[]',
    demo              boolean NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name_key, subdistrict_code)
);
CREATE INDEX centres_province ON centres ((place->>'province_code'));
CREATE INDEX centres_focus_areas ON centres USING gin (focus_areas);

-- Rows registered before this migration get an approximate key (spaces removed, lower case);
-- registering or updating them again writes the exact one.
ALTER TABLE organisations
    ADD COLUMN name_key text,
    ADD COLUMN juristic_id text,
    ADD COLUMN tax_id text;
UPDATE organisations SET name_key = lower(regexp_replace(name_th, '\s', '', 'g'));
ALTER TABLE organisations ALTER COLUMN name_key SET NOT NULL;
CREATE UNIQUE INDEX organisations_juristic_id ON organisations (juristic_id) WHERE juristic_id IS NOT NULL;
CREATE UNIQUE INDEX organisations_tax_id ON organisations (tax_id) WHERE tax_id IS NOT NULL;
CREATE INDEX organisations_province ON organisations ((place->>'province_code'));

ALTER TABLE funds ADD COLUMN name_key text;
UPDATE funds SET name_key = lower(regexp_replace(name_th, '\s', '', 'g'));
ALTER TABLE funds ALTER COLUMN name_key SET NOT NULL;
CREATE INDEX funds_province ON funds ((place->>'province_code'));
