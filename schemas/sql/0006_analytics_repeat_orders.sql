-- Analytics: how many orders each signed-in customer placed in a period, without grouping every
-- order of the period by customer (a year is tens of thousands of rows to aggregate).
--
-- Each customer order carries the times of the customer's four orders before it and of the one
-- after it, in (placed_at, order_id) order: overall, and among the customer's orders in the same
-- currency. In a period [s, e) a customer's last order is the one placed in it whose next order
-- is not (later_at is null or >= e); the customer placed 1 + (the earlier ones >= s) orders
-- in it, which the report caps at 5 ("5+"). So the report reads one row per customer, from an
-- index on later_at.
ALTER TABLE analytics_orders
    ADD COLUMN earlier_1 timestamptz, ADD COLUMN earlier_2 timestamptz, ADD COLUMN earlier_3 timestamptz, ADD COLUMN earlier_4 timestamptz,
    ADD COLUMN later_at timestamptz,
    ADD COLUMN earlier_in_currency_1 timestamptz, ADD COLUMN earlier_in_currency_2 timestamptz,
    ADD COLUMN earlier_in_currency_3 timestamptz, ADD COLUMN earlier_in_currency_4 timestamptz,
    ADD COLUMN later_in_currency_at timestamptz;

-- What the projection would have written for the orders it already holds.
UPDATE analytics_orders o SET
    earlier_1 = c.earlier_1, earlier_2 = c.earlier_2, earlier_3 = c.earlier_3, earlier_4 = c.earlier_4, later_at = c.later_at,
    earlier_in_currency_1 = c.earlier_in_currency_1, earlier_in_currency_2 = c.earlier_in_currency_2,
    earlier_in_currency_3 = c.earlier_in_currency_3, earlier_in_currency_4 = c.earlier_in_currency_4,
    later_in_currency_at = c.later_in_currency_at
FROM (
    SELECT order_id,
           lag(placed_at, 1) OVER customer AS earlier_1, lag(placed_at, 2) OVER customer AS earlier_2,
           lag(placed_at, 3) OVER customer AS earlier_3, lag(placed_at, 4) OVER customer AS earlier_4,
           lead(placed_at) OVER customer AS later_at,
           lag(placed_at, 1) OVER in_currency AS earlier_in_currency_1, lag(placed_at, 2) OVER in_currency AS earlier_in_currency_2,
           lag(placed_at, 3) OVER in_currency AS earlier_in_currency_3, lag(placed_at, 4) OVER in_currency AS earlier_in_currency_4,
           lead(placed_at) OVER in_currency AS later_in_currency_at
    FROM analytics_orders WHERE customer_kind = 'customer'
    WINDOW customer AS (PARTITION BY customer_id ORDER BY placed_at, order_id),
           in_currency AS (PARTITION BY customer_id, currency ORDER BY placed_at, order_id)
) c
WHERE o.order_id = c.order_id;

-- Read by index-only scans: the columns the expression reads are included as well, since the
-- planner looks for them as plain columns.
CREATE INDEX analytics_orders_last_in_period ON analytics_orders ((coalesce(later_at, 'infinity')), placed_at)
    INCLUDE (later_at, earlier_1, earlier_2, earlier_3, earlier_4) WHERE customer_kind = 'customer';
CREATE INDEX analytics_orders_last_in_period_in_currency ON analytics_orders (currency, (coalesce(later_in_currency_at, 'infinity')), placed_at)
    INCLUDE (later_in_currency_at, earlier_in_currency_1, earlier_in_currency_2, earlier_in_currency_3, earlier_in_currency_4)
    WHERE customer_kind = 'customer';
-- A live batch reads back every order of the customers it places orders for.
CREATE INDEX analytics_orders_customer ON analytics_orders (customer_id) WHERE customer_kind = 'customer';
