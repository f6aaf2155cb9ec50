-- Analytics: reporting tables built by the analytics projection from order, cart, inventory and
-- product events. Figures count by each event's business time (its `occurredAt` metadata, else
-- when it was stored).
--
-- Rollups are kept in four tiers of UTC buckets (`tier`: 0 quarter hours, 1 hours, 2 days,
-- 3 months; `bucket`: the bucket's start), each event counted once in each tier. Every IANA
-- zone in use since 1972 is a whole number of quarter hours from UTC, so any zone's days, weeks
-- and months are unions of whole buckets; a report sums the fewest rows that cover its period
-- (see RollupTier.swift). Rollup rows only ever grow by deltas (`col = col + excluded.col`):
-- the projector's dedupe makes each event count once.

-- Sales per quarter hour and currency, in minor units. Placement figures count when the order
-- was placed; payments, refunds and cancellations when they happened.
CREATE TABLE analytics_sales (
    tier             smallint    NOT NULL,
    bucket           timestamptz NOT NULL,
    currency         text        NOT NULL,
    orders_placed    integer     NOT NULL DEFAULT 0,
    -- Sum of the placed orders' subtotals (gross merchandise value), discounts, tax and shipping.
    gross            bigint      NOT NULL DEFAULT 0,
    discounts        bigint      NOT NULL DEFAULT 0,
    tax              bigint      NOT NULL DEFAULT 0,
    shipping         bigint      NOT NULL DEFAULT 0,
    orders_paid      integer     NOT NULL DEFAULT 0,
    paid             bigint      NOT NULL DEFAULT 0,
    refunds          bigint      NOT NULL DEFAULT 0,
    orders_cancelled integer     NOT NULL DEFAULT 0,
    cancelled_value  bigint      NOT NULL DEFAULT 0,
    -- Units of paid orders, less those of paid orders cancelled later.
    units_sold       integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (tier, bucket, currency)
);

-- Sales per quarter hour, SKU and currency: units and line revenue when paid (less a later
-- cancellation), units and line value returned when the return was recorded.
CREATE TABLE analytics_sku_sales (
    tier           smallint    NOT NULL,
    bucket         timestamptz NOT NULL,
    sku            text        NOT NULL,
    currency       text        NOT NULL,
    product_id     text        NOT NULL,
    units_sold     integer     NOT NULL DEFAULT 0,
    revenue        bigint      NOT NULL DEFAULT 0,
    units_returned integer     NOT NULL DEFAULT 0,
    returned_value bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (tier, bucket, sku, currency)
);

-- The funnel and abandonment per quarter hour and currency, each step counted when it happened.
CREATE TABLE analytics_funnel (
    tier            smallint    NOT NULL,
    bucket          timestamptz NOT NULL,
    currency        text        NOT NULL,
    carts_created   integer     NOT NULL DEFAULT 0,
    -- Carts getting their first line.
    carts_with_line integer     NOT NULL DEFAULT 0,
    checkouts       integer     NOT NULL DEFAULT 0,
    orders_paid     integer     NOT NULL DEFAULT 0,
    orders_shipped  integer     NOT NULL DEFAULT 0,
    carts_abandoned integer     NOT NULL DEFAULT 0,
    abandoned_value bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (tier, bucket, currency)
);

-- Orders as analytics needs them: who, when, how much, and whether paid or cancelled.
CREATE TABLE analytics_orders (
    order_id      text        PRIMARY KEY,
    customer_kind text        NOT NULL,
    customer_id   text        NOT NULL,
    currency      text        NOT NULL,
    placed_at     timestamptz NOT NULL,
    total         bigint      NOT NULL,
    paid          boolean     NOT NULL DEFAULT false,
    cancelled     boolean     NOT NULL DEFAULT false
);
-- Covering: the orders-per-customer report reads these columns for a range of placed_at.
CREATE INDEX analytics_orders_placed ON analytics_orders (placed_at) INCLUDE (customer_kind, customer_id, currency);

CREATE TABLE analytics_order_lines (
    order_id   text    NOT NULL,
    sku        text    NOT NULL,
    product_id text    NOT NULL,
    quantity   integer NOT NULL,
    unit_price bigint  NOT NULL,
    PRIMARY KEY (order_id, sku)
);

-- Signed-in customers with at least one order: when they first ordered (business time).
CREATE TABLE analytics_customers (
    customer_id    text        PRIMARY KEY,
    first_order_at timestamptz NOT NULL
);
CREATE INDEX analytics_customers_first ON analytics_customers (first_order_at);

-- Carts with their lines (for the value of an abandoned cart and the recovery list).
CREATE TABLE analytics_carts (
    cart_id       text        PRIMARY KEY,
    owner_kind    text        NOT NULL,
    owner_id      text        NOT NULL,
    currency      text        NOT NULL,
    -- [{"sku", "name", "quantity", "unitPrice"}], unit prices in minor units of `currency`
    lines         jsonb       NOT NULL DEFAULT '[]',
    status        text        NOT NULL,
    -- Whether the cart ever had a line (the funnel's second step counts once per cart).
    got_line      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    abandoned_at  timestamptz
);
CREATE INDEX analytics_carts_abandoned ON analytics_carts (abandoned_at) WHERE abandoned_at IS NOT NULL;

CREATE TABLE analytics_products (
    product_id    text PRIMARY KEY,
    name          text NOT NULL,
    -- The category path joined with '/', e.g. 'Apparel/Shirts': a prefix filter is a LIKE.
    category_path text NOT NULL
);

-- Current stock per SKU, with its low-stock threshold (NULL: none set).
CREATE TABLE analytics_stock (
    sku        text    PRIMARY KEY,
    product_id text,
    on_hand    integer NOT NULL DEFAULT 0,
    reserved   integer NOT NULL DEFAULT 0,
    threshold  integer
);
