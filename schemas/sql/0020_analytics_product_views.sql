-- Product views (ProductViewed on the activity streams) per product, by business time, in the
-- same tiers as per-SKU sales (quarter hours, days, months; see RollupTier.perSKU): the top
-- products report sets views beside units sold. Views recorded before this migration count once
-- the analytics read model is rebuilt (`commerce projections rebuild analytics`).
CREATE TABLE analytics_product_views (
    tier       smallint    NOT NULL,
    bucket     timestamptz NOT NULL,
    product_id text        NOT NULL,
    views      integer     NOT NULL DEFAULT 0,
    PRIMARY KEY (tier, bucket, product_id)
);
