-- Reviews read model (projection "reviews", Sources/Projections/Reviews): every review as the
-- product page and the moderation queue list it, and per product the exact rating summary of
-- its approved reviews. The review's authoritative state stays in its stream (`review-<id>`).

CREATE TABLE product_reviews (
    review_id text PRIMARY KEY,
    product_id text NOT NULL,
    customer_id text NOT NULL,
    -- the qualifying order; null when the shop lets anyone review (verified = false)
    order_id text,
    verified boolean NOT NULL,
    rating integer NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    -- pending | approved | rejected | deleted
    status text NOT NULL,
    -- what the content filter raised: language | link | repetition | shouting
    flags text[] NOT NULL,
    rejection_reason text,
    helpful integer NOT NULL,
    not_helpful integer NOT NULL,
    reports integer NOT NULL,
    edits integer NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    position bigint NOT NULL
);
CREATE INDEX product_reviews_listing ON product_reviews (product_id, created_at DESC, review_id) WHERE status = 'approved';
CREATE INDEX product_reviews_moderation ON product_reviews (status, updated_at, review_id);

-- Sums and counts, not averages: the average is worked out exactly when read.
CREATE TABLE product_ratings (
    product_id text PRIMARY KEY,
    rating_sum bigint NOT NULL,
    rating_count bigint NOT NULL,
    stars_1 bigint NOT NULL,
    stars_2 bigint NOT NULL,
    stars_3 bigint NOT NULL,
    stars_4 bigint NOT NULL,
    stars_5 bigint NOT NULL
);
CREATE INDEX product_ratings_average ON product_ratings ((rating_sum::numeric / nullif(rating_count, 0)));

-- Share links of wish lists, written in the transaction that shares or unshares the list
-- (Application/Wishlists): the token finds the list's owner.
CREATE TABLE wishlist_shares (
    token text PRIMARY KEY,
    customer_id text NOT NULL,
    wishlist_id text NOT NULL
);

-- Who wishes which SKU: the wishlist-alerts process keeps it from the wishlist events it reads
-- in `$all` order, in the transactions that move its checkpoint, so a stock or price event
-- finds exactly the wishes made before it.
CREATE TABLE wishlist_watches (
    sku text NOT NULL,
    customer_id text NOT NULL,
    wishlist_id text NOT NULL,
    PRIMARY KEY (sku, customer_id, wishlist_id)
);
CREATE INDEX wishlist_watches_list ON wishlist_watches (customer_id, wishlist_id);
