-- Customer accounts, continued (issue 15): verified e-mail addresses, single-use tokens sent by
-- e-mail, profiles, address books, and the outbox account e-mails leave through.
--
-- Personal fields of profiles and addresses are stored sealed with the customer's key (the
-- personal data vault, 0009): erasing the customer deletes the key and these rows.

-- When the address was proven to be the account holder's (NULL: not yet).
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

-- Verification and password-reset tokens, stored hashed (SHA-256) like refresh tokens. A token
-- is used once; issuing a new one of a purpose removes the account's earlier ones.
CREATE TABLE account_tokens (
    token_hash bytea       PRIMARY KEY,
    user_id    text        NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    purpose    text        NOT NULL CHECK (purpose IN ('verify_email', 'reset_password')),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_expires ON account_tokens (expires_at);

-- Name, phone, locale and preferred currency. `sealed` is a JSON object whose personal members
-- (name, phone) are sealed; locale and currency are not personal.
CREATE TABLE customer_profiles (
    user_id    text        PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    sealed     text        NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- The address book: addresses as carts take them, sealed like the carts' own; at most one
-- default shipping and one default billing address per customer.
CREATE TABLE customer_addresses (
    address_id       text        PRIMARY KEY,
    user_id          text        NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    label            text        NOT NULL DEFAULT '',
    sealed           text        NOT NULL,
    default_shipping boolean     NOT NULL DEFAULT false,
    default_billing  boolean     NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_addresses_user ON customer_addresses (user_id, created_at, address_id);
CREATE UNIQUE INDEX customer_addresses_one_default_shipping ON customer_addresses (user_id) WHERE default_shipping;
CREATE UNIQUE INDEX customer_addresses_one_default_billing ON customer_addresses (user_id) WHERE default_billing;

-- Account e-mails, written in the transaction that decides to send them and delivered by the
-- mail sender (Sources/API/Mail/MailOutboxSender.swift), retried with backoff. Once sent (or
-- given up on) the message is wiped: it may hold a token. A closed account's mails go with it.
CREATE TABLE mail_outbox (
    mail_id         uuid        PRIMARY KEY,
    user_id         text        REFERENCES users (user_id) ON DELETE CASCADE,
    kind            text        NOT NULL,
    recipient       text        NOT NULL,
    -- The whole RFC 5322 message; NULL once sent or given up on.
    message         text,
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'pending';
