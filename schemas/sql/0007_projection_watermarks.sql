-- How far a rebuild folded each projection: every event at or below `position` (of the
-- projection's categories) is in its tables. Deduplication treats such events as seen, so a
-- rebuild need not record a version for each of its streams in projection_stream_versions
-- (hundreds of thousands of rows, written twice on the way in); events after it are recorded
-- there as before.
CREATE TABLE projection_watermarks (
    projection text   PRIMARY KEY,
    position   bigint NOT NULL
);
