-- Emails to an address that is no officer's (a sign-in link): no officer, no fund, one per event.
ALTER TABLE deliveries ALTER COLUMN officer_id DROP NOT NULL, ALTER COLUMN fund_id DROP NOT NULL;
CREATE UNIQUE INDEX deliveries_one_per_event_to_an_address ON deliveries (event_id) WHERE officer_id IS NULL;
-- A secret (a sign-in link) is kept apart from the body, put in only when the email is built, and
-- dropped once the email is sent or has failed: the stored body holds a placeholder, never the secret.
ALTER TABLE deliveries ADD COLUMN secret text;
-- One attachment (a monthly statement's CSV).
ALTER TABLE deliveries ADD COLUMN attachment_name text, ADD COLUMN attachment_type text,
    ADD COLUMN attachment text;
