-- One-time sign-in links: only the SHA-256 digest of the link's secret is kept.
CREATE TABLE signin_links (
    secret_sha256  text PRIMARY KEY,
    email          text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    used_at        timestamptz
);
CREATE INDEX signin_links_expiry ON signin_links (expires_at);

-- Browser sessions, kept here so that signing out ends them. ``data`` holds the CSRF secret;
-- ``identity`` who signed in (their funds and organisations, with the delegated API tokens the
-- pages use for them); NULL before sign-in.
CREATE TABLE web_sessions (
    id_sha256    text PRIMARY KEY,
    data         jsonb NOT NULL DEFAULT '{}',
    identity     jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ended_at     timestamptz
);
CREATE INDEX web_sessions_expiry ON web_sessions (expires_at);
