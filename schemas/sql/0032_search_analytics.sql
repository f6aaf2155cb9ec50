-- Search analytics (SearchPerformed v2 on the activity streams): searches and searches that
-- found nothing per UTC day and query text, per filter option, and in total. A text is known
-- only by its keyed digest (search_digest_key, made here once and never leaving the database:
-- the events on Kafka carry digests nobody outside can compute for a guess); each searcher's
-- copy of it stays sealed with their key. The report shows a text only once enough different
-- searchers typed it, opening one of their copies (an erased searcher's copy no longer opens).
CREATE TABLE search_digest_key (key bytea NOT NULL);
INSERT INTO search_digest_key SELECT decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex');

CREATE TABLE search_days (
    day date PRIMARY KEY,
    searches bigint NOT NULL,
    zero_results bigint NOT NULL,
    with_text bigint NOT NULL
);

CREATE TABLE search_queries (
    day date NOT NULL,
    query_digest text NOT NULL,
    searches bigint NOT NULL,
    zero_results bigint NOT NULL,
    PRIMARY KEY (day, query_digest)
);

CREATE TABLE search_query_searchers (
    query_digest text NOT NULL,
    -- The searcher's activity stream (a customer id or a guest session's hash).
    searcher text NOT NULL,
    sealed_query text NOT NULL,
    last_day date NOT NULL,
    PRIMARY KEY (query_digest, searcher)
);

CREATE TABLE search_filters (
    day date NOT NULL,
    filter text NOT NULL,
    searches bigint NOT NULL,
    zero_results bigint NOT NULL,
    PRIMARY KEY (day, filter)
);
