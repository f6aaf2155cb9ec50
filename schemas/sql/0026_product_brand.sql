-- Products may have a brand (ProductCreated v3, ProductDetailsChanged): a column of the catalog
-- view, a filter and a facet, and the search vector's weight B — between the name (A) and the
-- category (C), as shoppers type brands more often than category names.
ALTER TABLE catalog_products ADD COLUMN brand text;

CREATE FUNCTION catalog_search_vector(name text, brand text, category_path text[], description text) RETURNS tsvector
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('simple', name), 'A')
        || setweight(to_tsvector('simple', coalesce(brand, '')), 'B')
        || setweight(to_tsvector('simple', array_to_string(category_path, ' ')), 'C')
        || setweight(to_tsvector('simple', description), 'D')
$$;

CREATE INDEX catalog_products_brand ON catalog_products (brand) WHERE brand IS NOT NULL;
