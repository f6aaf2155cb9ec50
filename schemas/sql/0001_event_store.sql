-- The event store: the source of truth. Events are appended, never updated or deleted.
--
-- Global order. Every event draws its global_position from one sequence, in the order it was
-- appended, not committed. Readers of $all therefore only read up to a *safe frontier*: a
-- position below which no transaction can still commit (see EventStore/Reading/SafeFrontier.swift).
-- That argument needs each appending transaction to announce itself with a shared advisory lock
-- (key 1668246893, 1) before it draws a position, which append_events does. Shared advisory
-- locks never conflict with each other: this is no write lock.
--
-- Streams have no table of their own: a stream's version and last hash are those of its last
-- event, found through the unique (stream_name, stream_version) index, which is also what stops
-- two concurrent writers from both taking the next version.

CREATE SEQUENCE events_global_position_seq AS bigint START 1 CACHE 1;

CREATE TABLE events (
    global_position bigint      PRIMARY KEY,
    stream_name     text        NOT NULL,
    stream_category text        NOT NULL,
    -- The first event of a stream is version 1; a stream's version is its last event's.
    stream_version  bigint      NOT NULL CHECK (stream_version > 0),
    event_id        uuid        NOT NULL,
    event_type      text        NOT NULL,
    schema_version  integer     NOT NULL CHECK (schema_version > 0),
    -- JSON as the producer wrote it (json, not jsonb): the hash covers these exact bytes.
    data            json        NOT NULL,
    metadata        json        NOT NULL DEFAULT '{}',
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

-- The text an event's hash covers: its fields joined by the unit separator (U+001F), JSON
-- exactly as stored, the time as whole microseconds since the epoch. append_events computes
-- the same inline; EventStore/Integrity/PostgresEventStore+Verify.swift recomputes it to verify.
CREATE FUNCTION event_canonical_text(
    stream_name text, stream_version bigint, event_id uuid, event_type text, schema_version integer,
    data text, metadata text, correlation_id uuid, causation_id uuid, actor text, recorded_at timestamptz
) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT concat_ws(chr(31),
        stream_name, stream_version::text, event_id::text, event_type, schema_version::text, data, metadata,
        coalesce(correlation_id::text, ''), coalesce(causation_id::text, ''), coalesce(actor, ''),
        (extract(epoch FROM recorded_at) * 1000000)::bigint::text)
$$;

-- Appends a batch of independent append requests in the caller's transaction.
--
-- A request is one or more streams, each with an expectation, and their events. Each request is
-- all or nothing on its own: its expectations are all checked before any of its events is
-- written, and a request whose expectation fails writes nothing and is reported (failed = true,
-- actual_version) while the requests after it still go ahead. Requests are applied in order, so
-- a later one sees the earlier ones' events. The client batches concurrent callers' appends into
-- one call (one transaction, one commit).
--
-- Arrays, one entry per stream: p_request (1-based request number, non-decreasing), p_streams,
-- p_expected (>= 0 exact version, 0 = no events yet; -1 any; -2 no stream; -3 stream exists),
-- p_stream_event_count. Arrays, one entry per event, stream by stream in the same order:
-- p_event_ids, p_types, p_schema_versions, p_data, p_metadata, p_correlation_ids,
-- p_causation_ids, p_actors ('' = none).
--
-- Re-sent events (an idempotent retry) are not detected here, to keep the common path lean:
-- they fail their expectation or the unique event_id, and the client then asks stored_append().
CREATE FUNCTION append_events(
    p_request              integer[],
    p_streams              text[],
    p_expected             bigint[],
    p_stream_event_count   integer[],
    p_event_ids            uuid[],
    p_types                text[],
    p_schema_versions      integer[],
    p_data                 text[],
    p_metadata             text[],
    p_correlation_ids      text[],
    p_causation_ids        text[],
    p_actors               text[]
) RETURNS TABLE (
    request integer, stream_name text, first_version bigint, last_version bigint,
    first_position bigint, last_position bigint, failed boolean, actual_version bigint
) LANGUAGE plpgsql AS $$
DECLARE
    stream_count integer := coalesce(array_length(p_streams, 1), 0);
    versions bigint[] := '{}';
    hashes bytea[] := '{}';
    first_event integer[] := '{}';
    request_start integer := 1;
    request_end integer;
    request_failed boolean;
    e integer := 1;
    current_version bigint;
    chain_hash bytea;
    expected bigint;
    event_position bigint;
    stream_first_position bigint;
    positions bigint[];
    event_hashes bytea[];
    first_index integer;
    last_index integer;
    now_time timestamptz := now();
    now_micros text := ((extract(epoch FROM now()) * 1000000)::bigint)::text;
BEGIN
    -- Announce this transaction as an appender before drawing any position (see the top).
    PERFORM pg_advisory_xact_lock_shared(1668246893, 1);

    FOR s IN 1 .. stream_count LOOP
        first_event[s] := e;
        e := e + p_stream_event_count[s];
    END LOOP;

    WHILE request_start <= stream_count LOOP
        request_end := request_start;
        WHILE request_end < stream_count AND p_request[request_end + 1] = p_request[request_start] LOOP
            request_end := request_end + 1;
        END LOOP;

        -- Check every expectation of the request before writing any of it.
        request_failed := false;
        FOR s IN request_start .. request_end LOOP
            SELECT ev.stream_version, ev.hash INTO current_version, chain_hash
              FROM events ev WHERE ev.stream_name = p_streams[s] ORDER BY ev.stream_version DESC LIMIT 1;
            IF NOT FOUND THEN
                current_version := 0;
                chain_hash := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
            END IF;
            versions[s] := current_version;
            hashes[s] := chain_hash;
            expected := p_expected[s];
            IF (expected >= 0 AND current_version <> expected) OR (expected = -2 AND current_version > 0)
               OR (expected = -3 AND current_version = 0) THEN
                request_failed := true;
            END IF;
        END LOOP;

        FOR s IN request_start .. request_end LOOP
            request := p_request[s];
            stream_name := p_streams[s];
            actual_version := versions[s];
            failed := request_failed;
            IF request_failed THEN
                first_version := NULL; last_version := NULL; first_position := NULL; last_position := NULL;
            ELSE
                -- Positions and chained hashes event by event, then one INSERT for the stream.
                current_version := versions[s];
                chain_hash := hashes[s];
                positions := '{}';
                event_hashes := '{}';
                first_index := first_event[s];
                last_index := first_event[s] + p_stream_event_count[s] - 1;
                FOR i IN first_index .. last_index LOOP
                    current_version := current_version + 1;
                    positions := positions || nextval('events_global_position_seq');
                    chain_hash := sha256(chain_hash || convert_to(concat_ws(chr(31),
                        p_streams[s], current_version::text, p_event_ids[i]::text, p_types[i], p_schema_versions[i]::text,
                        p_data[i], p_metadata[i], p_correlation_ids[i], p_causation_ids[i], p_actors[i], now_micros), 'UTF8'));
                    event_hashes := event_hashes || chain_hash;
                END LOOP;
                INSERT INTO events (global_position, stream_name, stream_category, stream_version, event_id, event_type,
                                    schema_version, data, metadata, correlation_id, causation_id, actor, recorded_at, hash)
                SELECT u.position, p_streams[s], split_part(p_streams[s], '-', 1), versions[s] + u.n, u.id, u.type,
                       u.schema_version, u.data::json, u.metadata::json, nullif(u.correlation, '')::uuid,
                       nullif(u.causation, '')::uuid, nullif(u.actor, ''), now_time, u.hash
                FROM unnest(positions, p_event_ids[first_index:last_index], p_types[first_index:last_index],
                            p_schema_versions[first_index:last_index], p_data[first_index:last_index],
                            p_metadata[first_index:last_index], p_correlation_ids[first_index:last_index],
                            p_causation_ids[first_index:last_index], p_actors[first_index:last_index], event_hashes)
                     WITH ORDINALITY AS u(position, id, type, schema_version, data, metadata, correlation, causation, actor, hash, n);
                stream_first_position := positions[1];
                event_position := positions[p_stream_event_count[s]];
                first_version := versions[s] + 1;
                last_version := current_version;
                first_position := stream_first_position;
                last_position := event_position;
            END IF;
            RETURN NEXT;
        END LOOP;
        request_start := request_end + 1;
    END LOOP;
END
$$;

-- For an append that failed its expectation or hit an existing event id: are exactly these
-- events stored already, in this order, with this content (an idempotent retry)? Returns one
-- row per stream with the original placement when they are; no rows when none of the ids is
-- stored (a real conflict); raises CE002 when some are stored with other content or elsewhere.
CREATE FUNCTION stored_append(
    p_streams text[], p_stream_event_count integer[], p_event_ids uuid[], p_types text[],
    p_schema_versions integer[], p_data text[]
) RETURNS TABLE (stream_name text, first_version bigint, last_version bigint, first_position bigint, last_position bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
    stored record;
    found_count integer := 0;
    e integer := 1;
    previous_version bigint;
BEGIN
    FOR s IN 1 .. coalesce(array_length(p_streams, 1), 0) LOOP
        previous_version := NULL;
        FOR i IN e .. e + p_stream_event_count[s] - 1 LOOP
            SELECT ev.stream_name, ev.stream_version, ev.event_type, ev.schema_version, ev.data::text AS data
              INTO stored FROM events ev WHERE ev.event_id = p_event_ids[i];
            IF FOUND THEN
                found_count := found_count + 1;
                IF stored.stream_name <> p_streams[s] OR stored.event_type <> p_types[i]
                   OR stored.schema_version <> p_schema_versions[i] OR stored.data <> p_data[i]
                   OR (previous_version IS NOT NULL AND stored.stream_version <> previous_version + 1) THEN
                    RAISE EXCEPTION 'event % is already stored with other content or at another place', p_event_ids[i]
                        USING ERRCODE = 'CE002';
                END IF;
                previous_version := stored.stream_version;
            ELSIF found_count > 0 THEN
                RAISE EXCEPTION 'event % is not stored but others of the same append are', p_event_ids[i] USING ERRCODE = 'CE002';
            END IF;
        END LOOP;
        e := e + p_stream_event_count[s];
    END LOOP;
    IF found_count = 0 THEN
        RETURN;
    ELSIF found_count < e - 1 THEN
        RAISE EXCEPTION 'only some events of the append are stored' USING ERRCODE = 'CE002';
    END IF;
    RETURN QUERY
        SELECT ev.stream_name, min(ev.stream_version), max(ev.stream_version), min(ev.global_position), max(ev.global_position)
        FROM events ev WHERE ev.event_id = ANY (p_event_ids)
        GROUP BY ev.stream_name ORDER BY array_position(p_streams, ev.stream_name);
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
