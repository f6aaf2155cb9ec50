-- The category tree (CategoryCreated, CategoryRenamed, CategoryMoved, CategoryDeleted on the
-- category-tree stream) in the catalog view: each category with its place among its siblings,
-- its names by locale and its path of names from the top. A product in a category of the tree
-- (ProductCreated v4, ProductDetailsChanged v2: category_id) shows that path as its
-- category_path, so that listings, filters, facets and search follow renames and moves.
--
-- Slugs are unique in the tree (the aggregate decides it); not a constraint here, where a batch
-- that swaps two slugs writes its rows one after the other.
CREATE TABLE catalog_categories (
    category_id text PRIMARY KEY,
    parent_id text,
    position integer NOT NULL,
    slug text NOT NULL,
    name text NOT NULL,
    localized_names jsonb NOT NULL DEFAULT '{}',
    path text[] NOT NULL,
    changed bigint NOT NULL DEFAULT nextval('catalog_changes')
);
CREATE INDEX catalog_categories_slug ON catalog_categories (slug);

ALTER TABLE catalog_products ADD COLUMN category_id text;
CREATE INDEX catalog_products_category_id ON catalog_products (category_id) WHERE category_id IS NOT NULL;
