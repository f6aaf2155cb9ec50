-- Analytics: a checked-out or merged cart keeps no lines (issue 11, rebuild speed). Only open and
-- abandoned carts' lines are ever read (the value of an abandoned cart, the recovery list); a
-- checked-out cart's lines are its order's, a merged cart's moved to the customer's cart. They
-- were three quarters of the table's JSON, written and parsed on every rebuild for nothing.
UPDATE analytics_carts SET lines = '[]' WHERE status IN ('checkedOut', 'merged') AND lines <> '[]';
