-- Notifications: mails about orders and carts, customers' preferences, outbound webhooks.

-- Notification mails share the outbox with account mails. The notifier writes each (event, kind,
-- recipient) once: its delivery key is unique, and a row is written in the same transaction as
-- the consumer offsets of the event that caused it. Account mails have no key.
ALTER TABLE mail_outbox ADD COLUMN delivery_key text UNIQUE;
ALTER TABLE mail_outbox ADD COLUMN event_id uuid;
-- 'skipped': decided but not sent, with the reason in last_error (an event too old to mail about).
ALTER TABLE mail_outbox DROP CONSTRAINT mail_outbox_status_check;
ALTER TABLE mail_outbox ADD CONSTRAINT mail_outbox_status_check CHECK (status IN ('pending', 'sent', 'failed', 'skipped'));
CREATE INDEX mail_outbox_created ON mail_outbox (created_at DESC);

-- What a customer wants to receive and in which language. Transactional mails always go out;
-- marketing kinds are sent only when listed here (opt-in). No row: English, no marketing.
CREATE TABLE notification_preferences (
    user_id        text        PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    locale         text        NOT NULL DEFAULT 'en',
    marketing      text[]      NOT NULL DEFAULT '{}',
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Endpoints admins registered for outbound webhooks. A deleted endpoint stays (its delivery log
-- with it) but receives nothing more.
CREATE TABLE webhook_endpoints (
    endpoint_id  uuid        PRIMARY KEY,
    url          text        NOT NULL,
    event_types  text[]      NOT NULL,
    secret       text        NOT NULL,
    description  text        NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz
);

-- One row per (endpoint, event): the CloudEvent to post, and where its delivery stands. Only the
-- oldest pending delivery of an endpoint's stream is sent, so each aggregate's events arrive in
-- order; a dead one (given up on) no longer holds the next back.
CREATE TABLE webhook_deliveries (
    delivery_id     uuid        PRIMARY KEY,
    endpoint_id     uuid        NOT NULL REFERENCES webhook_endpoints (endpoint_id),
    event_id        uuid        NOT NULL,
    event_type      text        NOT NULL,
    stream          text        NOT NULL,
    position        bigint      NOT NULL,
    body            text        NOT NULL,
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    first_attempt_at timestamptz,
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_stream_order ON webhook_deliveries (endpoint_id, stream, position) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, created_at DESC);

-- Every attempt of a delivery: when, how long, what the receiver answered.
CREATE TABLE webhook_attempts (
    delivery_id  uuid        NOT NULL REFERENCES webhook_deliveries (delivery_id) ON DELETE CASCADE,
    attempt      integer     NOT NULL,
    started_at   timestamptz NOT NULL,
    duration_ms  integer     NOT NULL,
    status_code  integer,
    error        text,
    PRIMARY KEY (delivery_id, attempt)
);
