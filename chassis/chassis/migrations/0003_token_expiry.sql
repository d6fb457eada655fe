-- Short-lived tokens (POST /v1/tokens: a delegated token for a signed-in person): NULL never expires.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
