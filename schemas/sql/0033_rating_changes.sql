-- The catalog's listing index (CatalogIndex: every published product's filters and sort keys,
-- kept in memory by each server) reads again only the rows changed since it last looked. The
-- rating filter and sort read product_ratings, so its rows say when they changed, like the
-- catalog's and the recommendation counts' do (0024_change_sequences.sql).
CREATE SEQUENCE review_changes;
ALTER TABLE product_ratings ADD COLUMN changed bigint NOT NULL DEFAULT nextval('review_changes');
CREATE INDEX product_ratings_changed ON product_ratings (changed);
