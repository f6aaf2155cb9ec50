-- The event store: the source of truth. Events are appended, never updated or deleted.
--
-- Global order. Every event draws its global_position from one sequence, in the order it was
-- appended, not committed. Readers of $all therefore only read up to a *safe frontier*: a
-- position below which no transaction can still commit (see EventStore/Reading/SafeFrontier.swift).
-- That argument needs each appending transaction to announce itself with a shared advisory lock
-- (key 1668246893, 1) and to hold a transaction id before it draws a position, which
-- append_events guarantees. Shared advisory locks never conflict: this is no write lock.

CREATE SEQUENCE events_global_position_seq AS bigint START 1 CACHE 1;

CREATE TABLE streams (
    stream_name text        PRIMARY KEY,
    category    text        NOT NULL,
    -- The number of events in the stream = the version of its last event (the first is 1).
    version     bigint      NOT NULL CHECK (version > 0),
    -- The hash of the stream's last event, so an append can chain to it without a lookup.
    last_hash   bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE events (
    global_position bigint      PRIMARY KEY,
    stream_name     text        NOT NULL,
    stream_category text        NOT NULL,
    stream_version  bigint      NOT NULL CHECK (stream_version > 0),
    event_id        uuid        NOT NULL,
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL CHECK (schema_version > 0),
    data            jsonb       NOT NULL,
    metadata        jsonb       NOT NULL DEFAULT '{}',
    correlation_id  uuid,
    causation_id    uuid,
    actor           text,
    recorded_at     timestamptz NOT NULL,
    -- sha256(previous event's hash in this stream || event_canonical_text(...)), the first
    -- event chaining to 32 zero bytes.
    hash            bytea       NOT NULL,
    CONSTRAINT events_event_id_key UNIQUE (event_id),
    CONSTRAINT events_stream_version_key UNIQUE (stream_name, stream_version)
);

CREATE INDEX events_category_position ON events (stream_category, global_position);
CREATE INDEX events_type_position ON events (event_type, global_position);

-- Stored events are immutable: the database itself refuses changes.
CREATE FUNCTION events_are_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are immutable: % on events is not allowed', TG_OP USING ERRCODE = 'CE010';
END
$$;
CREATE TRIGGER events_no_update_or_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_immutable();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_immutable();

-- The bytes an event's hash covers: its fields joined by the unit separator (U+001F). JSON is
-- in jsonb's own text form, which is deterministic; the time is whole microseconds since the epoch.
-- EventStore/Integrity/HashChain.swift recomputes exactly this to verify a stream.
CREATE FUNCTION event_canonical_text(
    stream_name text, stream_version bigint, event_id uuid, event_type text, schema_version integer,
    data jsonb, metadata jsonb, correlation_id uuid, causation_id uuid, actor text, recorded_at timestamptz
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT concat_ws(chr(31),
        stream_name, stream_version::text, event_id::text, event_type, schema_version::text,
        data::text, metadata::text,
        coalesce(correlation_id::text, ''), coalesce(causation_id::text, ''), coalesce(actor, ''),
        (extract(epoch FROM recorded_at) * 1000000)::bigint::text)
$$;

-- Appends events to one or more streams in the caller's transaction, all or nothing.
--
-- p_expected per stream: >= 0 exact version (0 = no events yet), -1 any, -2 no stream, -3 stream exists.
-- Events are given stream by stream: p_event_stream[i] is the 1-based index into p_streams of
-- event i, and the events of one stream are contiguous and in order.
--
-- Errors (SQLSTATE): CE001 wrong expected version, DETAIL = {"stream","expected","actual"};
-- CE002 event ids already stored with other content or at another place, DETAIL = {"eventId"}.
-- Re-sending events whose ids are all stored, with the same content at the same place, returns
-- the original result with already_stored = true.
CREATE FUNCTION append_events(
    p_streams         text[],
    p_expected        bigint[],
    p_event_stream    integer[],
    p_event_ids       uuid[],
    p_types           text[],
    p_schema_versions integer[],
    p_data            text[],
    p_metadata        text[],
    p_correlation_ids text[],
    p_causation_ids   text[],
    p_actors          text[]
) RETURNS TABLE (
    stream_name text, first_version bigint, last_version bigint,
    first_position bigint, last_position bigint, already_stored boolean
) LANGUAGE plpgsql AS $$
DECLARE
    event_count integer := coalesce(array_length(p_event_ids, 1), 0);
    stored_count integer;
    e integer := 1;
    current_version bigint;
    chain_hash bytea;
    stream_exists boolean;
    expected bigint;
    event_position bigint;
    stream_first_position bigint;
    stream_first_version bigint;
    event_data jsonb;
    event_metadata jsonb;
    event_correlation uuid;
    event_causation uuid;
    event_actor text;
    stored record;
    now_time timestamptz := now();
BEGIN
    SELECT count(*) INTO stored_count FROM events WHERE events.event_id = ANY (p_event_ids);
    IF stored_count > 0 THEN
        -- A retry must match what was stored exactly: every id, same stream, same order, same content.
        FOR i IN 1 .. event_count LOOP
            SELECT ev.stream_name, ev.stream_version, ev.event_type, ev.schema_version, ev.data
              INTO stored FROM events ev WHERE ev.event_id = p_event_ids[i];
            IF NOT FOUND
               OR stored.stream_name <> p_streams[p_event_stream[i]]
               OR stored.event_type <> p_types[i]
               OR stored.schema_version <> p_schema_versions[i]
               OR stored.data <> p_data[i]::jsonb
               OR (i > 1 AND p_event_stream[i] = p_event_stream[i - 1] AND stored.stream_version <> current_version + 1) THEN
                RAISE EXCEPTION 'event % is already stored with other content or at another place', p_event_ids[i]
                    USING ERRCODE = 'CE002', DETAIL = json_build_object('eventId', p_event_ids[i])::text;
            END IF;
            current_version := stored.stream_version;
        END LOOP;
        RETURN QUERY
            SELECT ev.stream_name, min(ev.stream_version), max(ev.stream_version),
                   min(ev.global_position), max(ev.global_position), true
            FROM events ev WHERE ev.event_id = ANY (p_event_ids)
            GROUP BY ev.stream_name
            ORDER BY array_position(p_streams, ev.stream_name);
        RETURN;
    END IF;

    -- Announce this transaction as an appender, then take a transaction id, before drawing any
    -- position: the $all reader's safe frontier relies on both (see the comment at the top).
    PERFORM pg_advisory_xact_lock_shared(1668246893, 1);
    PERFORM pg_current_xact_id();

    FOR s IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
        SELECT st.version, st.last_hash INTO current_version, chain_hash
          FROM streams st WHERE st.stream_name = p_streams[s] FOR UPDATE;
        stream_exists := FOUND;
        IF NOT stream_exists THEN
            current_version := 0;
            chain_hash := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
        END IF;

        expected := p_expected[s];
        IF (expected >= 0 AND current_version <> expected)
           OR (expected = -2 AND stream_exists)
           OR (expected = -3 AND NOT stream_exists) THEN
            RAISE EXCEPTION 'stream % is at version %, expected %', p_streams[s], current_version, expected
                USING ERRCODE = 'CE001',
                      DETAIL = json_build_object('stream', p_streams[s], 'expected', expected, 'actual', current_version)::text;
        END IF;

        stream_first_version := current_version + 1;
        stream_first_position := NULL;
        WHILE e <= event_count AND p_event_stream[e] = s LOOP
            current_version := current_version + 1;
            event_position := nextval('events_global_position_seq');
            stream_first_position := coalesce(stream_first_position, event_position);
            event_data := p_data[e]::jsonb;
            event_metadata := coalesce(p_metadata[e], '{}')::jsonb;
            event_correlation := nullif(p_correlation_ids[e], '')::uuid;
            event_causation := nullif(p_causation_ids[e], '')::uuid;
            event_actor := nullif(p_actors[e], '');
            chain_hash := sha256(chain_hash || convert_to(event_canonical_text(
                p_streams[s], current_version, p_event_ids[e], p_types[e], p_schema_versions[e],
                event_data, event_metadata, event_correlation, event_causation, event_actor, now_time), 'UTF8'));
            INSERT INTO events (global_position, stream_name, stream_category, stream_version, event_id,
                                event_type, schema_version, data, metadata, correlation_id, causation_id,
                                actor, recorded_at, hash)
            VALUES (event_position, p_streams[s], split_part(p_streams[s], '-', 1), current_version, p_event_ids[e],
                    p_types[e], p_schema_versions[e], event_data, event_metadata, event_correlation,
                    event_causation, event_actor, now_time, chain_hash);
            e := e + 1;
        END LOOP;

        IF stream_first_position IS NULL THEN
            RAISE EXCEPTION 'no events given for stream %', p_streams[s] USING ERRCODE = 'CE003';
        END IF;
        -- A stream created concurrently by another transaction makes this INSERT (or the events'
        -- unique (stream_name, stream_version)) fail with 23505; the client reports it as a conflict.
        IF stream_exists THEN
            UPDATE streams SET version = current_version, last_hash = chain_hash, updated_at = now_time
             WHERE streams.stream_name = p_streams[s];
        ELSE
            INSERT INTO streams (stream_name, category, version, last_hash, created_at, updated_at)
            VALUES (p_streams[s], split_part(p_streams[s], '-', 1), current_version, chain_hash, now_time, now_time);
        END IF;

        stream_name := p_streams[s];
        first_version := stream_first_version;
        last_version := current_version;
        first_position := stream_first_position;
        last_position := event_position;
        already_stored := false;
        RETURN NEXT;
    END LOOP;

    IF e <= event_count THEN
        RAISE EXCEPTION 'events are not grouped by stream in order' USING ERRCODE = 'CE003';
    END IF;
END
$$;

-- Aggregate snapshots: the state at a version, so loading need not replay the whole stream.
CREATE TABLE snapshots (
    stream_name    text        NOT NULL,
    stream_version bigint      NOT NULL,
    snapshot_type  text        NOT NULL,
    schema_version integer     NOT NULL,
    data           jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (stream_name, stream_version)
);

-- Where named subscriptions of $all have got to, so they resume after a restart.
CREATE TABLE subscription_checkpoints (
    subscription_name text        PRIMARY KEY,
    position          bigint      NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
