-- Read models, built by the projector from Kafka (and by rebuilds from the event store).

-- Where each consumer group has got to in each topic partition: written in the same
-- transaction as the read-model changes of those messages, so a crash neither loses a message
-- nor applies one twice.
CREATE TABLE projection_offsets (
    consumer_group text    NOT NULL,
    topic          text    NOT NULL,
    partition      integer NOT NULL,
    next_offset    bigint  NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
);

-- The last stream version each projection applied: Kafka delivers at least once, and a relay
-- restart may publish an event again at a new offset; such a copy is recognised here and skipped.
CREATE TABLE projection_stream_versions (
    projection  text   NOT NULL,
    stream_name text   NOT NULL,
    version     bigint NOT NULL,
    PRIMARY KEY (projection, stream_name)
);

-- Catalog view: products and their variants with prices and availability.
CREATE TABLE catalog_products (
    product_id    text PRIMARY KEY,
    name          text NOT NULL,
    description   text NOT NULL,
    category_path text[] NOT NULL,
    status        text NOT NULL,
    search        tsvector NOT NULL,
    position      bigint NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX catalog_products_search ON catalog_products USING gin (search);
CREATE INDEX catalog_products_category ON catalog_products USING gin (category_path);

CREATE TABLE catalog_variants (
    sku        text PRIMARY KEY,
    -- NULL until the variant's product event arrives (inventory may come first: other topic).
    product_id text,
    attributes jsonb NOT NULL DEFAULT '{}',
    -- currency code -> minor units
    prices     jsonb NOT NULL DEFAULT '{}',
    on_hand    integer NOT NULL DEFAULT 0,
    available  integer NOT NULL DEFAULT 0
);
CREATE INDEX catalog_variants_product ON catalog_variants (product_id);

-- Order history: per customer, orders with lines, totals, status and timeline.
CREATE TABLE order_history (
    order_id         text PRIMARY KEY,
    customer_kind    text NOT NULL,
    customer_id      text NOT NULL,
    status           text NOT NULL,
    lines            jsonb NOT NULL,
    totals           jsonb NOT NULL,
    shipping_address jsonb NOT NULL,
    refunded         jsonb,
    placed_at        timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    position         bigint NOT NULL
);
CREATE INDEX order_history_customer ON order_history (customer_kind, customer_id, placed_at DESC, order_id);

CREATE TABLE order_timeline (
    order_id    text   NOT NULL,
    position    bigint NOT NULL,
    event_type  text   NOT NULL,
    status      text   NOT NULL,
    detail      jsonb  NOT NULL DEFAULT '{}',
    occurred_at timestamptz NOT NULL,
    PRIMARY KEY (order_id, position)
);
