-- What the HTTP API keeps besides events: accounts, refresh tokens, idempotent responses.
-- Accounts are not an aggregate of the domain: they are credentials, kept as rows.

CREATE TABLE users (
    user_id       text PRIMARY KEY,
    -- Lower-cased at registration; unique.
    email         text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('customer', 'admin')),
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Refresh tokens are stored hashed (SHA-256), never in clear. Each use rotates the token: the
-- used one is marked and a new one of the same family issued. A used token presented again
-- means it leaked, so the whole family is revoked.
CREATE TABLE refresh_tokens (
    token_hash  bytea PRIMARY KEY,
    user_id     text NOT NULL REFERENCES users (user_id),
    family_id   uuid NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- Responses to commands sent with an Idempotency-Key, per caller: the same key and body get
-- the stored response again; the same key with another body is refused.
CREATE TABLE idempotency_keys (
    principal     text NOT NULL,
    key           text NOT NULL,
    request_hash  bytea NOT NULL,
    -- NULL while the first request is still running.
    status        integer,
    response_body text,
    content_type  text,
    etag          text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);

-- Payment webhooks already handled, by the gateway's event id: a redelivered webhook is
-- answered without being applied again.
CREATE TABLE webhook_events (
    event_id    text PRIMARY KEY,
    event_type  text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
