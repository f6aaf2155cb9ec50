import Aggregates
import Foundation
import PostgresNIO

/// A listing's filters as SQL over `catalog_products p`, `catalog_variants v` and
/// `product_ratings r`, with their values bound as $1…$10 (queries add their own from $11).
///
/// Product filters (text, categories, brands, rating) hold for the product; variant filters
/// (attributes, price ranges, in stock) must all hold for one and the same variant, priced in
/// the currency. Within a filter the options are alternatives (size M or L; either price range);
/// the filters combine with AND. A facet counts with every filter but its own, so that its
/// options show what choosing each would give (``CatalogReader/facets(_:)``).
struct CatalogFilter {
    let search: CatalogReader.Search
    /// For `to_tsquery('simple', …)`; "" when there is no text.
    let textQuery: String

    /// $1 currency, $2 text query, $3 category paths ('/'-joined), $4 attribute options as a JSON
    /// object of arrays, $5/$6 price ranges' lower (inclusive) and upper (exclusive) bounds in
    /// minor units, $7 in stock only, $8 minimum rating in tenths of a star, $9 '' (no attribute
    /// left out of the attribute filter; facets bind their own, see ``attributesMatch(leavingOut:)``),
    /// $10 brands.
    func bindings() -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(search.currency.code)
        bindings.append(textQuery)
        bindings.append(search.categories.map { $0.joined(separator: "/") })
        bindings.append(EventCodec.encodeJSON(search.attributes))
        bindings.append(search.priceRanges.map { $0.from ?? 0 })
        bindings.append(search.priceRanges.map { $0.to ?? Int64.max })
        bindings.append(search.inStockOnly)
        bindings.append(search.minimumRatingTenths)
        bindings.append("")
        bindings.append(search.brands)
        return bindings
    }

    static let parameterCount = 10

    /// The product filters; `categories: false` and `brands: false` leave those out.
    func productPredicate(categories: Bool = true, brands: Bool = true) -> String {
        var parts = [
            "p.status = 'published'",
            "($2 = '' OR p.search @@ to_tsquery('simple', $2))",
            // rating_key orders by the exact average; the minimum compares the average as shown,
            // rounded half up to tenths: (20·sum + count) ≥ 2·count·tenths.
            "($8::integer IS NULL OR (r.rating_count > 0 AND 20 * r.rating_sum + r.rating_count >= 2 * r.rating_count * $8::integer))",
        ]
        if categories { parts.append(categoryMatches) }
        if brands { parts.append(brandMatches) }
        return parts.joined(separator: "\n AND ")
    }

    var brandMatches: String { "(cardinality($10::text[]) = 0 OR p.brand = ANY($10::text[]))" }

    /// A path prefix, segment by segment: "Home" holds "Home/Kitchen", not "Homeware".
    var categoryMatches: String {
        """
        (cardinality($3::text[]) = 0 OR EXISTS (SELECT 1 FROM unnest($3::text[]) AS chosen(path)
            WHERE starts_with(array_to_string(p.category_path, '/') || '/', chosen.path || '/')))
        """
    }

    /// The variant filters; `price: false` and `stock: false` leave those out, and the attribute
    /// bound as $9 is left out of the attribute filter.
    func variantPredicate(price: Bool = true, stock: Bool = true) -> String {
        var parts = ["v.prices ? $1", attributesMatch(leavingOut: "$9")]
        if price { parts.append(priceMatches) }
        if stock { parts.append(stockMatches) }
        return parts.joined(separator: "\n AND ")
    }

    /// Every chosen attribute but the one named by `parameter` ('' for none) has one of its
    /// chosen values on variant `v`.
    func attributesMatch(leavingOut parameter: String) -> String {
        """
        NOT EXISTS (SELECT 1 FROM jsonb_each($4::jsonb) AS chosen(name, options)
            WHERE chosen.name <> \(parameter) AND ((v.attributes ->> chosen.name) IS NULL OR NOT chosen.options ? (v.attributes ->> chosen.name)))
        """
    }

    var priceMatches: String {
        """
        (cardinality($5::bigint[]) = 0 OR EXISTS (SELECT 1 FROM unnest($5::bigint[], $6::bigint[]) AS chosen(low, high)
            WHERE (v.prices ->> $1)::bigint >= chosen.low AND (v.prices ->> $1)::bigint < chosen.high))
        """
    }

    var stockMatches: String { "(NOT $7 OR v.available > 0)" }
}
