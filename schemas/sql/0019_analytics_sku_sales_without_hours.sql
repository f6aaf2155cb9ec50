-- Per SKU, sales are sparse enough that an hour's rollup row repeats its one quarter hour's row
-- nearly every time; analytics_sku_sales keeps quarter hours, days and months only (see
-- RollupTier.perSKU), and reports cover a partial day with quarter hours.
DELETE FROM analytics_sku_sales WHERE tier = 1;
