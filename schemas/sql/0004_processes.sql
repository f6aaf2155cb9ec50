-- What the process managers and projections keep besides their checkpoints: refusals they
-- recorded and moved past, events a read model could not apply, and the write side's own
-- schedules (payment deadlines of orders, cart activity), written in the transaction of the
-- checkpoint of the process that follows their events.

-- A process manager's command that the domain refused: recorded with the event that caused it,
-- in the same transaction as the manager's checkpoint moving past that event. Shown by
-- `commerce processes failures` and GET /admin/processes/failures.
CREATE TABLE process_failures (
    failure_id    bigserial   PRIMARY KEY,
    process       text        NOT NULL,
    -- The event that caused the command (NULL for a timer: expiry, abandonment).
    event_id      uuid,
    position      bigint,
    stream_name   text        NOT NULL,
    event_type    text,
    command       text        NOT NULL,
    code          text        NOT NULL,
    message       text        NOT NULL,
    failed_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX process_failures_process ON process_failures (process, failure_id);

-- Events a projection could not apply (an unknown schema version, a payload that does not
-- decode), and the later events of the same stream held behind them so the stream's order is
-- kept. `commerce projections retry-parked <name>` applies them again after a fix.
CREATE TABLE parked_events (
    projection     text        NOT NULL,
    position       bigint      NOT NULL,
    stream_name    text        NOT NULL,
    stream_version bigint      NOT NULL,
    event_type     text        NOT NULL,
    error          text        NOT NULL,
    parked_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, position)
);
CREATE INDEX parked_events_stream ON parked_events (projection, stream_name);

-- When an order's reservations run out (the earliest of them): kept by the order-deadlines
-- process from the inventory streams' StockReserved events, in the transaction of its
-- checkpoint, so expiry reads the write side and never a read model. A row goes when expiry
-- finds the order no longer waiting for its payment.
CREATE TABLE order_deadlines (
    order_id   text        PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX order_deadlines_due ON order_deadlines (expires_at);

-- Open carts with lines and when they last changed, kept by the abandonment process from the
-- cart events (in the transaction of its checkpoint); a cart closes out of this table.
CREATE TABLE cart_activity (
    cart_id       text        PRIMARY KEY,
    last_activity timestamptz NOT NULL
);
CREATE INDEX cart_activity_idle ON cart_activity (last_activity);
