-- Sessions (issue 15): a refresh-token family, with when and from where it began and was last
-- renewed, so a customer can see their sessions and sign one out. Access tokens name their
-- session (`sid`); revoking a session revokes its refresh tokens at once.
CREATE TABLE sessions (
    session_id   uuid PRIMARY KEY,
    user_id      text NOT NULL REFERENCES users (user_id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz NOT NULL DEFAULT now(),
    -- The client address and User-Agent of the sign-in, then of the latest renewal.
    address      text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT '',
    revoked_at   timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id, created_at);

-- Families issued before sessions were kept.
INSERT INTO sessions (session_id, user_id, created_at, last_used_at, revoked_at)
SELECT family_id, min(user_id), min(created_at), max(created_at),
       CASE WHEN bool_and(revoked_at IS NOT NULL) THEN max(revoked_at) END
FROM refresh_tokens GROUP BY family_id;
