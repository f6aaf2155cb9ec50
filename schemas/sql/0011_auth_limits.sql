-- Sign-in and registration limits, shared by every server on this database (issue 15).

-- Attempts per bucket (what is limited, and for whom: 'login-address:203.0.113.7') in fixed
-- windows. Rows of windows long past are deleted by the server's housekeeping.
CREATE TABLE auth_attempts (
    bucket       text NOT NULL,
    window_start timestamptz NOT NULL,
    attempts     integer NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX auth_attempts_window_start ON auth_attempts (window_start);

-- Failed sign-ins in a row per e-mail address (known or not, so that a lock does not tell
-- which addresses have accounts), and the lock they led to.
CREATE TABLE account_lockouts (
    email          text PRIMARY KEY,
    failures       integer NOT NULL,
    last_failed_at timestamptz NOT NULL,
    locked_until   timestamptz
);

-- Idempotency keys expire (housekeeping deletes them after 24 hours).
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
