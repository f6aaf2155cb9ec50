-- Catalog search: relevance, and listings by name.
--
-- Relevance: the search vector weighs where a word stands — the name (A) above the category (C)
-- above the description (D) — so that ts_rank puts a product named after the words first. (B is
-- kept for the brand once products have one.) CatalogProjection writes it through this function,
-- so that the projection, this migration and the catalog benchmark's rows agree.
CREATE FUNCTION catalog_search_vector(name text, category_path text[], description text) RETURNS tsvector
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('simple', name), 'A')
        || setweight(to_tsvector('simple', array_to_string(category_path, ' ')), 'C')
        || setweight(to_tsvector('simple', description), 'D')
$$;

UPDATE catalog_products SET search = catalog_search_vector(name, category_path, description);

-- Listings sorted by name take the first rows of this index that pass the filters.
CREATE INDEX catalog_products_name ON catalog_products (name, product_id);
