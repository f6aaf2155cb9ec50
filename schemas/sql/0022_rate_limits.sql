-- Request limits per client address and route class, shared by every server on this database
-- (issue 19). Each row is one bucket's window ('queries:203.0.113.7', window 29,000,000 of 60 s):
-- what servers have leased of its budget so far, and the size of the last lease (read back by
-- the lease itself). Unlogged: a crash that loses the counts only resets the current windows.
-- Rows of ended windows are deleted by the server's housekeeping.
CREATE UNLOGGED TABLE rate_limit_windows (
    bucket       text NOT NULL,
    window_index bigint NOT NULL,
    window_ends  timestamptz NOT NULL,
    granted      integer NOT NULL,
    last_grant   integer NOT NULL,
    PRIMARY KEY (bucket, window_index)
);
CREATE INDEX rate_limit_windows_window_ends ON rate_limit_windows (window_ends);
