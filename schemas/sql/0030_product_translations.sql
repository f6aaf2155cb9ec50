-- Product texts in other languages (ProductTranslated, ProductTranslationRemoved): the catalog
-- view keeps them by language tag ({"de": {"name": …, "description": …}}) for readers in that
-- language, and searches them too — a name in any language weighs as a name (A), a description
-- as a description (D). Without translations the vector is the one 0026's function makes.
ALTER TABLE catalog_products ADD COLUMN translations jsonb NOT NULL DEFAULT '{}';

CREATE FUNCTION catalog_search_vector(name text, brand text, category_path text[], description text, translations jsonb) RETURNS tsvector
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT setweight(to_tsvector('simple', name || ' '
               || coalesce((SELECT string_agg(t.value ->> 'name', ' ' ORDER BY t.key) FROM jsonb_each(translations) t), '')), 'A')
        || setweight(to_tsvector('simple', coalesce(brand, '')), 'B')
        || setweight(to_tsvector('simple', array_to_string(category_path, ' ')), 'C')
        || setweight(to_tsvector('simple', description || ' '
               || coalesce((SELECT string_agg(t.value ->> 'description', ' ' ORDER BY t.key) FROM jsonb_each(translations) t), '')), 'D')
$$;
