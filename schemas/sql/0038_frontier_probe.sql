-- Every read of $all first reads the sequence's head, then the appending transactions running
-- after that (see SafeFrontier in Sources/EventStore/Reading): two statements, two round trips
-- and two parses before the rows are read. The relay and the projectors read $all hundreds of
-- times a second, and under the lag benchmark at 1,000 events/s those two statements were a
-- third of PostgreSQL's statements, most of their cost parsing and planning. This function does
-- both in one call, in that order (PL/pgSQL runs its statements one after the other), and the
-- store calls it as a prepared statement. Neither read depends on a snapshot: the sequence's
-- value and pg_locks are read as they are when each statement runs.
CREATE FUNCTION events_frontier_probe(OUT head bigint, OUT appenders text[]) LANGUAGE plpgsql AS $$
BEGIN
    SELECT CASE WHEN is_called THEN last_value ELSE 0 END INTO head FROM events_global_position_seq;
    -- The appender lock of append_events: pg_advisory_xact_lock_shared(1668246893, 1), a
    -- two-key advisory lock (objsubid 2), in this database only.
    SELECT coalesce(array_agg(virtualtransaction), '{}') INTO appenders FROM pg_locks
    WHERE locktype = 'advisory' AND granted AND classid = 1668246893 AND objid = 1 AND objsubid = 2
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database());
END
$$;
