-- An admin may block an account (issue 15): it cannot sign in or renew its tokens until unblocked.
ALTER TABLE users ADD COLUMN blocked_at timestamptz;
CREATE INDEX users_email_pattern ON users (email text_pattern_ops);
