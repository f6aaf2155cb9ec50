-- Exchange rates (ExchangeRateSet, ExchangeRateRemoved on the currency-rates stream) in the
-- catalog view. A variant's set_prices are the prices set on it (ProductPriceSet); its prices
-- are what it sells for: those, and for each currency of the table it has no price in, the
-- price derived from its price in the rate's base (the same rule as ExchangeRate.derive: base
-- amount × rate × 10^exponent(currency) / (10^6 × 10^exponent(base) × increment), rounded half
-- away from zero — numeric's round —, times the increment). Every query keeps reading prices;
-- a rate's change rewrites the prices it changes.
CREATE TABLE catalog_exchange_rates (
    currency text PRIMARY KEY,
    base text NOT NULL,
    rate_per_million bigint NOT NULL,
    rounding_increment integer NOT NULL,
    currency_exponent integer NOT NULL,
    base_exponent integer NOT NULL,
    changed bigint NOT NULL DEFAULT nextval('catalog_changes')
);

ALTER TABLE catalog_variants ADD COLUMN set_prices jsonb NOT NULL DEFAULT '{}';
UPDATE catalog_variants SET set_prices = prices;

CREATE FUNCTION catalog_effective_prices(set_prices jsonb) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT set_prices || coalesce((
        SELECT jsonb_object_agg(derived.currency, derived.amount)
        FROM (
            SELECT r.currency,
                   round((set_prices ->> r.base)::numeric * r.rate_per_million * power(10::numeric, r.currency_exponent)
                         / (1000000 * power(10::numeric, r.base_exponent) * r.rounding_increment)) * r.rounding_increment AS amount
            FROM catalog_exchange_rates r
            WHERE set_prices ? r.base AND NOT set_prices ? r.currency
        ) derived
        WHERE derived.amount <= 9223372036854775807
    ), '{}'::jsonb)
$$;
