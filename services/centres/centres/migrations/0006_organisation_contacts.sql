-- Issue 18: an organisation's contacts (as a centre's), so the website can sign its people in by email.
-- Kept in the registry only: organisation.registered and .updated do not carry them.
ALTER TABLE organisations ADD COLUMN contacts jsonb NOT NULL DEFAULT '[]';
