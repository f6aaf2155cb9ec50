-- Recommendations read model (RecommendationsProjection, read by RecommendationsReader): counts
-- kept up to date event by event — which products are bought in the same order, viewed in the
-- same browsing session, how popular each is lately, and what each customer bought and viewed.
-- Lists are ranked from these counts when they are read, so a new order moves them within the
-- projection's lag and a rebuild gives the same lists.

-- Per product: orders containing it, distinct signed-in buyers and those of them who bought it
-- again (its repeat rate), and browsing sessions that viewed it.
CREATE TABLE rec_products (
    product_id     text PRIMARY KEY,
    orders         bigint NOT NULL DEFAULT 0,
    units          bigint NOT NULL DEFAULT 0,
    buyers         bigint NOT NULL DEFAULT 0,
    repeat_buyers  bigint NOT NULL DEFAULT 0,
    view_sessions  bigint NOT NULL DEFAULT 0
);

-- Orders and views per product and hour (business time), from which the trend score is computed
-- when read: whole counts add up the same in any order, so the projector's batches and a
-- rebuild agree exactly, and the half-life can change without a rebuild.
CREATE TABLE rec_trend_hours (
    product_id text        NOT NULL,
    hour       timestamptz NOT NULL,
    orders     bigint      NOT NULL DEFAULT 0,
    views      bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (product_id, hour)
);
CREATE INDEX rec_trend_hours_hour ON rec_trend_hours (hour);

-- Orders containing both products; each pair is stored both ways round.
CREATE TABLE rec_co_purchases (
    product_id text   NOT NULL,
    other_id   text   NOT NULL,
    orders     bigint NOT NULL,
    PRIMARY KEY (product_id, other_id)
);

-- Browsing sessions that viewed both products; each pair both ways round.
CREATE TABLE rec_co_views (
    product_id text   NOT NULL,
    other_id   text   NOT NULL,
    sessions   bigint NOT NULL,
    PRIMARY KEY (product_id, other_id)
);

-- A signed-in customer's own products: orders and units, views, and when last.
CREATE TABLE rec_customer_products (
    customer_id     text        NOT NULL,
    product_id      text        NOT NULL,
    orders          integer     NOT NULL DEFAULT 0,
    units           integer     NOT NULL DEFAULT 0,
    last_ordered_at timestamptz,
    views           integer     NOT NULL DEFAULT 0,
    last_viewed_at  timestamptz,
    PRIMARY KEY (customer_id, product_id)
);

-- Each shopper's current browsing session (views less than 30 minutes apart): the products
-- viewed in it so far, so that a new view pairs with each of them once.
CREATE TABLE rec_view_sessions (
    viewer      text        PRIMARY KEY,
    started_at  timestamptz NOT NULL,
    last_at     timestamptz NOT NULL,
    products    text[]      NOT NULL
);
