-- Recovery from lost Kafka topics and stale read models (issue 21).

-- The id the broker gave each topic the relay publishes to. A topic deleted and created again
-- (or lost by a broker that restarted empty) comes back with a new id: the relay compares.
CREATE TABLE relay_topics (
    topic    text        PRIMARY KEY,
    topic_id text        NOT NULL,
    seen_at  timestamptz NOT NULL DEFAULT now()
);

-- A topic the relay found missing after it had published to it: the broker lost it (an
-- in-memory broker restarted, a topic deleted and recreated). The relay recreates the topic,
-- records the loss here and republishes, from the event store, every event of the topic's
-- category up to `lost_through` (its checkpoint then; later events it publishes anyway),
-- advancing `republished_after` page by page, so a crash mid-way resumes where it stopped.
-- Consumers of ours read the newest `id` per topic as the topic's generation: offsets stored
-- for an older generation point into the lost topic and start over from the beginning.
CREATE TABLE relay_topic_losses (
    id                bigserial   PRIMARY KEY,
    topic             text        NOT NULL,
    category          text        NOT NULL,
    lost_through      bigint      NOT NULL,
    republished_after bigint      NOT NULL DEFAULT 0,
    republished       bigint      NOT NULL DEFAULT 0,
    detected_at       timestamptz NOT NULL DEFAULT now(),
    completed_at      timestamptz
);

CREATE INDEX relay_topic_losses_pending ON relay_topic_losses (id) WHERE completed_at IS NULL;

-- The topic generation (relay_topic_losses.id, 0 before any loss) each stored offset counts in.
ALTER TABLE projection_offsets ADD COLUMN topic_generation bigint NOT NULL DEFAULT 0;

-- Each read model's standing against the store, kept by the projector's safety net: every event
-- of its categories at or below `checked_through` is applied (or parked); `heals` counts the
-- times it stayed behind with no progress and was caught up from $all directly.
CREATE TABLE projection_health (
    projection      text        PRIMARY KEY,
    checked_through bigint      NOT NULL DEFAULT 0,
    heals           bigint      NOT NULL DEFAULT 0,
    events_healed   bigint      NOT NULL DEFAULT 0,
    last_heal_at    timestamptz,
    checked_at      timestamptz NOT NULL DEFAULT now()
);
