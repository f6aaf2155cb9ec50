-- Promotions read model (projection "promotions", Sources/Projections/Promotions): the admin's
-- list of promotions and codes, which automatic promotions pricing should look at, and every
-- order's use of a promotion with the money involved (per-promotion figures). Each promotion's
-- and code's authoritative state stays in its stream; checkout reads that, not these tables.

CREATE TABLE promotions (
    promotion_id text PRIMARY KEY,
    name text NOT NULL,
    automatic boolean NOT NULL,
    -- draft | active | inactive | archived
    status text NOT NULL,
    priority integer NOT NULL,
    valid_from timestamptz,
    valid_until timestamptz,
    -- PromotionDefinition as the events carry it
    definition jsonb NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    position bigint NOT NULL
);
-- Pricing asks for the automatic promotions that may run.
CREATE INDEX promotions_automatic ON promotions (promotion_id) WHERE automatic AND status IN ('draft', 'active');
CREATE INDEX promotions_listing ON promotions (created_at DESC, promotion_id);

CREATE TABLE promotion_codes (
    code text PRIMARY KEY,
    promotion_id text NOT NULL,
    usage_limit integer,
    per_customer_limit integer,
    disabled boolean NOT NULL,
    issued_at timestamptz NOT NULL
);
CREATE INDEX promotion_codes_promotion ON promotion_codes (promotion_id, code);

-- One row per (promotion, order) that used it, from OrderPlaced's discounts; a cancelled order
-- keeps its row with cancelled_at set (its use may have been given back: see
-- PROMOTION_USES_ON_CANCEL).
CREATE TABLE promotion_redemptions (
    promotion_id text NOT NULL,
    order_id text NOT NULL,
    code text,
    customer_kind text NOT NULL,
    customer_id text NOT NULL,
    -- minor units of `currency`
    discount bigint NOT NULL,
    order_total bigint NOT NULL,
    currency text NOT NULL,
    placed_at timestamptz NOT NULL,
    cancelled_at timestamptz,
    PRIMARY KEY (promotion_id, order_id)
);
CREATE INDEX promotion_redemptions_order ON promotion_redemptions (order_id);
CREATE INDEX promotion_redemptions_listing ON promotion_redemptions (promotion_id, placed_at DESC, order_id);

-- The order history shows each promotion's discount (OrderPlaced v2 `discounts`).
ALTER TABLE order_history ADD COLUMN discounts jsonb NOT NULL DEFAULT '[]';
