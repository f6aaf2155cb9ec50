import Aggregates
import Foundation
import PostgresNIO

extension CatalogReader {
    /// A product as the catalog view stores it, in no currency or language in particular: an
    /// answer's ``Product`` is made from it for the currency and language asked for, and a server
    /// keeps the ones its listings showed (``PageDetails``).
    struct StoredProduct: Sendable {
        struct Variant: Decodable, Sendable {
            let sku: String
            let attributes: [String: String]
            /// Minor units by currency code: the set prices and the derived ones.
            let prices: [String: Int64]
            /// The currencies it has a set price in (any other price is derived).
            let set: [String: Int64]
            let available: Int
        }

        let id: String
        let name: String
        let description: String
        let translations: [String: ProductTranslation]
        let categoryPath: [String]
        let categoryID: String?
        let brand: String?
        let images: [Image]
        let status: String
        /// By SKU.
        let variants: [Variant]
        let rating: RatingSummary
        let specifications: [ProductSpecification]
        let seo: ProductSEO
        /// The greatest change number of its row and its variants' rows, and its rating row's
        /// (0: none): a kept copy is as fresh as a listing's snapshot when neither is smaller.
        let catalogChange: Int64
        let ratingChange: Int64

        /// As an answer shows it: priced in `currency` (the lowest variant price is the
        /// from-price), its texts in the language asked for when it has them.
        func product(currency: Currency, language: LanguagePreference?) -> Product {
            var (locale, shownName, shownDescription): (String?, String, String) = (nil, name, description)
            if let language, !translations.isEmpty,
               let picked = LocaleTag.pick(translations.mapValues(\.name), preferences: language.preferred, defaultLocale: language.defaultLocale),
               let translation = translations[picked.locale] {
                (locale, shownName, shownDescription) = (picked.locale, translation.name, translation.description)
            }
            let shown = variants.map { variant in
                let price = variant.prices[currency.code]
                return CatalogReader.Variant(
                    sku: variant.sku, attributes: variant.attributes, price: price.map { Money($0, currency) },
                    priceDerived: price != nil && variant.set[currency.code] == nil, available: max(0, variant.available)
                )
            }
            let available = variants.reduce(0) { $0 + max(0, $1.available) }
            return Product(
                productId: id, name: shownName, description: shownDescription, locale: locale, categoryPath: categoryPath, categoryId: categoryID,
                brand: brand, images: images, status: status, fromPrice: variants.compactMap { $0.prices[currency.code] }.min().map { Money($0, currency) },
                available: available, inStock: available > 0, variants: shown, rating: rating, specifications: specifications, seo: seo
            )
        }

        /// Published, with a variant in stock and priced in `currency`.
        func isAvailable(in currency: Currency) -> Bool {
            status == "published" && variants.contains { $0.available > 0 && $0.prices[currency.code] != nil }
        }
    }

    /// The products of `ids` with all their variants, whatever their status, by id.
    func storedProducts(ids: [String]) async throws -> [String: StoredProduct] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await client.query(
            """
            SELECT p.product_id, p.name, p.description, p.translations::text, p.specifications::text, p.seo::text, p.category_path, p.category_id, p.brand,
                   p.images::text, p.status,
                   coalesce(jsonb_agg(jsonb_build_object('sku', v.sku, 'attributes', v.attributes, 'prices', v.prices, 'set', v.set_prices,
                            'available', v.available) ORDER BY v.sku) FILTER (WHERE v.sku IS NOT NULL), '[]')::text,
                   coalesce(max(r.rating_sum), 0), coalesce(max(r.rating_count), 0),
                   coalesce(max(ARRAY[coalesce(r.stars_1, 0), coalesce(r.stars_2, 0), coalesce(r.stars_3, 0), coalesce(r.stars_4, 0), coalesce(r.stars_5, 0)]), '{}'),
                   greatest(p.changed, coalesce(max(v.changed), 0)), coalesce(max(r.changed), 0)
            FROM catalog_products p LEFT JOIN catalog_variants v ON v.product_id = p.product_id
              LEFT JOIN product_ratings r ON r.product_id = p.product_id
            WHERE p.product_id = ANY(\(ids))
            GROUP BY p.product_id
            """,
            logger: logger
        )
        var found: [String: StoredProduct] = [:]
        let decoder = JSONDecoder()
        for try await (id, name, description, translations, specifications, seo, path, categoryID, brand, images, status, variants, ratingSum, ratingCount, stars, catalogChange, ratingChange)
            in rows.decode((String, String, String, String, String, String, [String], String?, String?, String, String, String, Int64, Int64, [Int64], Int64, Int64).self) {
            found[id] = StoredProduct(
                id: id, name: name, description: description,
                translations: translations == "{}" ? [:] : try decoder.decode([String: ProductTranslation].self, from: Data(translations.utf8)),
                categoryPath: path, categoryID: categoryID, brand: brand,
                images: try decoder.decode([ProductImage].self, from: Data(images.utf8)).map(Image.init), status: status,
                variants: try decoder.decode([StoredProduct.Variant].self, from: Data(variants.utf8)),
                rating: RatingSummary(sum: ratingSum, count: ratingCount, stars: stars),
                specifications: try decoder.decode([ProductSpecification].self, from: Data(specifications.utf8)),
                seo: try decoder.decode(ProductSEO.self, from: Data(seo.utf8)),
                catalogChange: catalogChange, ratingChange: ratingChange
            )
        }
        return found
    }
}
