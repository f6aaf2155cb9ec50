-- append_events writes a batch's events with one INSERT, instead of one per stream. Each
-- per-stream INSERT took slices of the batch's arrays, and PL/pgSQL handed every array over whole
-- (flattened again) to each statement, so a batch of a few dozen checkouts copied all its event
-- texts once per stream: in PostgreSQL's profile under the checkout load, executor start-up was
-- 13 % and array slicing with the memory it faulted in about 20 %.
--
-- Same contract as 0001: requests apply in order, each all or nothing, and a later request sees
-- the versions an earlier one in the batch wrote. Each distinct stream's last version and hash
-- are read once, when the batch first names it, and followed through the batch from there (in
-- the slots of the entry that first names it). A read of all streams in one statement was tried:
-- its planning made a one-stream append 25 % slower.
CREATE OR REPLACE FUNCTION append_events(
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
    -- Per stream entry: the first entry naming the same stream, whose slots in stream_versions
    -- and stream_hashes follow that stream through the batch.
    keeper integer[];
    stream_versions bigint[];
    stream_hashes bytea[];
    first_event integer[] := '{}';
    event_count integer := 0;
    -- Per event, for the one INSERT; events of failed requests keep a NULL position.
    event_positions bigint[];
    event_streams text[];
    event_versions bigint[];
    event_hashes bytea[];
    request_start integer := 1;
    request_end integer;
    request_failed boolean;
    current_version bigint;
    chain_hash bytea;
    expected bigint;
    now_time timestamptz := now();
    now_micros text := ((extract(epoch FROM now()) * 1000000)::bigint)::text;
BEGIN
    -- Announce this transaction as an appender before drawing any position (see 0001).
    PERFORM pg_advisory_xact_lock_shared(1668246893, 1);

    FOR s IN 1 .. stream_count LOOP
        first_event[s] := event_count + 1;
        event_count := event_count + p_stream_event_count[s];
    END LOOP;
    event_positions := array_fill(NULL::bigint, ARRAY[event_count]);
    event_streams := array_fill(NULL::text, ARRAY[event_count]);
    event_versions := array_fill(NULL::bigint, ARRAY[event_count]);
    event_hashes := array_fill(NULL::bytea, ARRAY[event_count]);

    keeper := array_fill(NULL::integer, ARRAY[stream_count]);
    stream_versions := array_fill(NULL::bigint, ARRAY[stream_count]);
    stream_hashes := array_fill(NULL::bytea, ARRAY[stream_count]);
    FOR s IN 1 .. stream_count LOOP
        keeper[s] := array_position(p_streams, p_streams[s]);
        IF keeper[s] = s THEN
            SELECT ev.stream_version, ev.hash INTO current_version, chain_hash
              FROM events ev WHERE ev.stream_name = p_streams[s] ORDER BY ev.stream_version DESC LIMIT 1;
            IF NOT FOUND THEN
                current_version := 0;
                chain_hash := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
            END IF;
            stream_versions[s] := current_version;
            stream_hashes[s] := chain_hash;
        END IF;
    END LOOP;

    WHILE request_start <= stream_count LOOP
        request_end := request_start;
        WHILE request_end < stream_count AND p_request[request_end + 1] = p_request[request_start] LOOP
            request_end := request_end + 1;
        END LOOP;

        -- Check every expectation of the request before writing any of it.
        request_failed := false;
        FOR s IN request_start .. request_end LOOP
            current_version := stream_versions[keeper[s]];
            expected := p_expected[s];
            IF (expected >= 0 AND current_version <> expected) OR (expected = -2 AND current_version > 0)
               OR (expected = -3 AND current_version = 0) THEN
                request_failed := true;
            END IF;
        END LOOP;

        FOR s IN request_start .. request_end LOOP
            request := p_request[s];
            stream_name := p_streams[s];
            current_version := stream_versions[keeper[s]];
            actual_version := current_version;
            failed := request_failed;
            IF request_failed THEN
                first_version := NULL; last_version := NULL; first_position := NULL; last_position := NULL;
            ELSE
                -- Positions and chained hashes event by event; the rows are written at the end.
                chain_hash := stream_hashes[keeper[s]];
                first_version := current_version + 1;
                FOR i IN first_event[s] .. first_event[s] + p_stream_event_count[s] - 1 LOOP
                    current_version := current_version + 1;
                    event_positions[i] := nextval('events_global_position_seq');
                    chain_hash := sha256(chain_hash || convert_to(concat_ws(chr(31),
                        p_streams[s], current_version::text, p_event_ids[i]::text, p_types[i], p_schema_versions[i]::text,
                        p_data[i], p_metadata[i], p_correlation_ids[i], p_causation_ids[i], p_actors[i], now_micros), 'UTF8'));
                    event_streams[i] := p_streams[s];
                    event_versions[i] := current_version;
                    event_hashes[i] := chain_hash;
                END LOOP;
                first_position := event_positions[first_event[s]];
                last_position := event_positions[first_event[s] + p_stream_event_count[s] - 1];
                last_version := current_version;
                stream_versions[keeper[s]] := current_version;
                stream_hashes[keeper[s]] := chain_hash;
            END IF;
            RETURN NEXT;
        END LOOP;
        request_start := request_end + 1;
    END LOOP;

    INSERT INTO events (global_position, stream_name, stream_category, stream_version, event_id, event_type,
                        schema_version, data, metadata, correlation_id, causation_id, actor, recorded_at, hash)
    SELECT u.position, u.stream, split_part(u.stream, '-', 1), u.version, u.id, u.type,
           u.schema_version, u.data::json, u.metadata::json, nullif(u.correlation, '')::uuid,
           nullif(u.causation, '')::uuid, nullif(u.actor, ''), now_time, u.hash
    FROM unnest(event_positions, event_streams, event_versions, p_event_ids, p_types, p_schema_versions, p_data,
                p_metadata, p_correlation_ids, p_causation_ids, p_actors, event_hashes)
         AS u(position, stream, version, id, type, schema_version, data, metadata, correlation, causation, actor, hash)
    WHERE u.position IS NOT NULL;
END
$$;
