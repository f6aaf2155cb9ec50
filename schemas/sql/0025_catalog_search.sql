-- Catalog search with relevance, typo tolerance and suggestions.
--
-- Relevance: the search vector weighs where a word stands — the name (A) above the category (C)
-- above the description (D) — so that ts_rank puts a product named after the words first. (B is
-- kept for the brand once products have one.) CatalogProjection writes the same expression.
--
-- Suggestions and typo tolerance need words and prefixes found fast: trigram indexes (pg_trgm,
-- a trusted extension: the database owner may create it) on the lower-cased name, which serve
-- LIKE 'prefix%' and '% prefix%' as well as similarity.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

UPDATE catalog_products SET search =
    setweight(to_tsvector('simple', name), 'A')
    || setweight(to_tsvector('simple', array_to_string(category_path, ' ')), 'C')
    || setweight(to_tsvector('simple', description), 'D');

CREATE INDEX catalog_products_name_trigrams ON catalog_products USING gin (lower(name) gin_trgm_ops);
