-- Which rows changed since a reader last looked. A reader that keeps a copy of every product on
-- sale in memory (the recommendations' ProductsOnSale) reads again only the products whose rows
-- changed since its copy, rather than unpacking every variant's prices and attributes each time.
--
-- `changed` takes the next value of its projection's sequence whenever the row is written
-- (inserted: the column's default; updated: the upsert sets it from the default of the proposed
-- row). Each projection writes its tables one batch after another, so a value read means every
-- smaller value of the same sequence is committed or never will be. It is bookkeeping, not
-- content: a read model rebuilt side by side compares without it (ReadModelDiff).
CREATE SEQUENCE catalog_changes;
ALTER TABLE catalog_products ADD COLUMN changed bigint NOT NULL DEFAULT nextval('catalog_changes');
ALTER TABLE catalog_variants ADD COLUMN changed bigint NOT NULL DEFAULT nextval('catalog_changes');
CREATE INDEX catalog_products_changed ON catalog_products (changed);
CREATE INDEX catalog_variants_changed ON catalog_variants (changed);

CREATE SEQUENCE rec_products_changes;
ALTER TABLE rec_products ADD COLUMN changed bigint NOT NULL DEFAULT nextval('rec_products_changes');
CREATE INDEX rec_products_changed ON rec_products (changed);
