-- A review's title, body and flags are shown, never searched, filtered or sorted on: the planner
-- has no use for statistics on them. ANALYZE of product_reviews spent about a quarter of its time
-- on them (the text is long, and an array's statistics count its elements), and a rebuild of the
-- reviews analyzes its fresh table before it serves. The rebuild gives its fresh tables the
-- live ones' statistics targets (ProjectionRebuilder), so this holds after a rebuild too.
ALTER TABLE product_reviews
    ALTER COLUMN title SET STATISTICS 0,
    ALTER COLUMN body SET STATISTICS 0,
    ALTER COLUMN flags SET STATISTICS 0;
