-- How many orders each signed-in customer has placed, for the recommendations read model:
-- for-you weighs a product they own by the share of their orders that held it. A count added
-- onto on write, like the pair counts; erasing a customer's data deletes their row.
CREATE TABLE rec_customer_orders (
    customer_id text   PRIMARY KEY,
    orders      bigint NOT NULL
);
