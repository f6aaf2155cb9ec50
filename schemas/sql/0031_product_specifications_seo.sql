-- Product specifications (ProductSpecificationsSet: typed values with their labels and units)
-- and search-engine fields (ProductSEOChanged) in the catalog view; the SEO slug finds a product
-- (GET /catalog/products/by-slug/{slug}). Slugs are checked unique by the API against this
-- table, not by a constraint here: a projector batch never fails on a race between two admins.
ALTER TABLE catalog_products ADD COLUMN specifications jsonb NOT NULL DEFAULT '[]';
ALTER TABLE catalog_products ADD COLUMN seo jsonb NOT NULL DEFAULT '{}';
ALTER TABLE catalog_products ADD COLUMN slug text;
CREATE INDEX catalog_products_slug ON catalog_products (slug) WHERE slug IS NOT NULL;
