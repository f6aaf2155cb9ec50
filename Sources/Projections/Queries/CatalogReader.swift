import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// Reads the catalog view: published products with their variants, priced in one currency,
/// filtered by text and category, sorted, and paged by an opaque cursor.
public struct CatalogReader: Sendable {
    public enum Sort: String, Sendable, CaseIterable, Codable {
        /// By name, A to Z.
        case name
        /// By lowest variant price, cheapest first.
        case price
        /// By lowest variant price, dearest first.
        case priceDescending = "-price"
        /// Most recently published or changed first.
        case newest
        /// Best average rating first (unrated products last).
        case rating
    }

    public struct Search: Sendable, Equatable {
        /// Words matched with PostgreSQL full text search (`simple` dictionary) against name,
        /// description and category.
        public var text: String?
        /// A category path prefix: `["Apparel"]` matches `["Apparel", "Shirts"]`.
        public var category: [String]
        /// Prices are given in this currency; products without a price in it are not listed.
        public var currency: Currency
        public var sort: Sort
        /// Only products whose shown average (one decimal) is at least this many tenths of a star
        /// (45: 4.5 stars and up); products without approved reviews are left out.
        public var minimumRatingTenths: Int?
        public var limit: Int
        public var cursor: String?

        public init(text: String? = nil, category: [String] = [], currency: Currency = .EUR, sort: Sort = .name, limit: Int = 20, cursor: String? = nil) {
            self.text = text
            self.category = category
            self.currency = currency
            self.sort = sort
            self.limit = limit
            self.cursor = cursor
        }
    }

    public struct Variant: Sendable, Codable, Equatable {
        public let sku: String
        public let attributes: [String: String]
        /// Nil when this variant has no price in the requested currency.
        public let price: Money?
        public let available: Int
    }

    public struct Product: Sendable, Codable, Equatable {
        public let productId: String
        public let name: String
        public let description: String
        public let categoryPath: [String]
        public let status: String
        /// The lowest variant price in the requested currency (nil only for a single product
        /// that has none in it).
        public let fromPrice: Money?
        /// Units available to order across the variants.
        public let available: Int
        public let inStock: Bool
        public let variants: [Variant]
        /// The approved reviews' average, count and distribution (``ReviewsProjection``).
        public let rating: RatingSummary
    }

    public struct Page: Sendable, Codable, Equatable {
        public let items: [Product]
        /// Pass back as `cursor` for the next page; nil on the last page.
        public let nextCursor: String?
    }

    public enum QueryError: Error, Equatable {
        /// The cursor is not one this reader issued for the same sort.
        case invalidCursor
    }

    public static let maximumLimit = 100

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The cursor: the sort, the last row's sort key and its id, so the next page starts strictly
    /// after it (keyset pagination: stable under inserts, no OFFSET scans).
    struct Cursor: Codable {
        let sort: Sort
        let key: String
        let id: String

        func encoded() -> String {
            Base64URL.encode(Data(EventCodec.encodeJSON(self).utf8))
        }

        init(sort: Sort, key: String, id: String) {
            self.sort = sort
            self.key = key
            self.id = id
        }

        init(decoding text: String, sort: Sort) throws(QueryError) {
            guard text.count <= 512, let data = Base64URL.decode(text),
                  let cursor = try? JSONDecoder().decode(Cursor.self, from: data), cursor.sort == sort
            else { throw .invalidCursor }
            if sort != .name, Int64(cursor.key) == nil { throw .invalidCursor }
            self = cursor
        }
    }

    public func products(_ search: Search) async throws -> Page {
        let limit = max(1, min(search.limit, Self.maximumLimit))
        let cursor = try search.cursor.map { cursorText throws(QueryError) in try Cursor(decoding: cursorText, sort: search.sort) }
        let currency = search.currency.code
        let text = search.text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        // The sort key as text for the cursor, its SQL expression, and the keyset comparison.
        let (keyExpression, order, comparison): (String, String, String) = switch search.sort {
        case .name: ("name", "name ASC, product_id ASC", "(name, product_id) > ($6, $7)")
        case .price: ("from_price", "from_price ASC, product_id ASC", "(from_price, product_id) > ($6::bigint, $7)")
        case .priceDescending: ("from_price", "from_price DESC, product_id DESC", "(from_price, product_id) < ($6::bigint, $7)")
        case .newest: ("position", "position DESC, product_id DESC", "(position, product_id) < ($6::bigint, $7)")
        case .rating: ("rating_key", "rating_key DESC, product_id DESC", "(rating_key, product_id) < ($6::bigint, $7)")
        }
        var bindings = PostgresBindings()
        bindings.append(currency)
        bindings.append(text)
        bindings.append(search.category)
        bindings.append(limit + 1)
        bindings.append(cursor == nil)
        bindings.append(cursor?.key ?? "")
        bindings.append(cursor?.id ?? "")
        bindings.append(search.minimumRatingTenths)
        // rating_key orders by the exact average (millionths of a star); the minimum compares
        // the average as shown, rounded half up to tenths: (20·sum + count) ≥ 2·count·tenths.
        let sql = """
            SELECT product_id, name, description, category_path, status, from_price, available, variants::text, \(keyExpression)::text AS sort_key,
                   rating_sum, rating_count, stars
            FROM (
              SELECT p.product_id, p.name, p.description, p.category_path, p.status, p.position,
                     coalesce(max(r.rating_sum), 0) AS rating_sum, coalesce(max(r.rating_count), 0) AS rating_count,
                     coalesce(max(r.rating_sum * 1000000 / nullif(r.rating_count, 0)), 0) AS rating_key,
                     coalesce(max(ARRAY[coalesce(r.stars_1, 0), coalesce(r.stars_2, 0), coalesce(r.stars_3, 0), coalesce(r.stars_4, 0), coalesce(r.stars_5, 0)]), '{}') AS stars,
                     min((v.prices ->> $1)::bigint) AS from_price,
                     coalesce(sum(greatest(v.available, 0)), 0)::bigint AS available,
                     jsonb_agg(jsonb_build_object('sku', v.sku, 'attributes', v.attributes,
                               'price', v.prices -> $1, 'available', v.available) ORDER BY v.sku) AS variants
              FROM catalog_products p JOIN catalog_variants v ON v.product_id = p.product_id
                LEFT JOIN product_ratings r ON r.product_id = p.product_id
              WHERE p.status = 'published'
                AND ($8::integer IS NULL OR (r.rating_count > 0 AND 20 * r.rating_sum + r.rating_count >= 2 * r.rating_count * $8::integer))
                AND ($2 = '' OR p.search @@ plainto_tsquery('simple', $2))
                AND (cardinality($3::text[]) = 0 OR (p.category_path @> $3::text[] AND p.category_path[1:cardinality($3::text[])] = $3::text[]))
              GROUP BY p.product_id
            ) listed
            WHERE from_price IS NOT NULL AND ($5 OR \(comparison))
            ORDER BY \(order)
            LIMIT $4
            """
        let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        var items: [Product] = []
        var lastKey: (key: String, id: String)?
        var more = false
        for try await (id, name, description, path, status, fromPrice, available, variantsJSON, key, ratingSum, ratingCount, stars) in rows.decode(
            (String, String, String, [String], String, Int64, Int64, String, String, Int64, Int64, [Int64]).self
        ) {
            guard items.count < limit else {
                more = true
                continue
            }
            items.append(try Self.product(
                id: id, name: name, description: description, path: path, status: status, fromPrice: fromPrice,
                available: available, variantsJSON: variantsJSON, currency: search.currency,
                rating: RatingSummary(sum: ratingSum, count: ratingCount, stars: stars)
            ))
            lastKey = (key, id)
        }
        let next = more ? lastKey.map { Cursor(sort: search.sort, key: $0.key, id: $0.id).encoded() } : nil
        return Page(items: items, nextCursor: next)
    }

    /// One product with all its variants, whatever its status; nil when there is none.
    public func product(id: String, currency: Currency) async throws -> Product? {
        let rows = try await client.query(
            """
            SELECT p.product_id, p.name, p.description, p.category_path, p.status,
                   min((v.prices ->> \(currency.code))::bigint), coalesce(sum(greatest(v.available, 0)), 0)::bigint,
                   coalesce(jsonb_agg(jsonb_build_object('sku', v.sku, 'attributes', v.attributes, 'price', v.prices -> \(currency.code),
                            'available', v.available) ORDER BY v.sku) FILTER (WHERE v.sku IS NOT NULL), '[]')::text,
                   coalesce(max(r.rating_sum), 0), coalesce(max(r.rating_count), 0),
                   coalesce(max(ARRAY[coalesce(r.stars_1, 0), coalesce(r.stars_2, 0), coalesce(r.stars_3, 0), coalesce(r.stars_4, 0), coalesce(r.stars_5, 0)]), '{}')
            FROM catalog_products p LEFT JOIN catalog_variants v ON v.product_id = p.product_id
              LEFT JOIN product_ratings r ON r.product_id = p.product_id
            WHERE p.product_id = \(id)
            GROUP BY p.product_id
            """,
            logger: logger
        )
        for try await (id, name, description, path, status, fromPrice, available, variantsJSON, ratingSum, ratingCount, stars) in rows.decode(
            (String, String, String, [String], String, Int64?, Int64, String, Int64, Int64, [Int64]).self
        ) {
            return try Self.product(
                id: id, name: name, description: description, path: path, status: status, fromPrice: fromPrice,
                available: available, variantsJSON: variantsJSON, currency: currency,
                rating: RatingSummary(sum: ratingSum, count: ratingCount, stars: stars)
            )
        }
        return nil
    }

    /// Of `ids`, the products a shopper can buy now in `currency` — published, with a variant in
    /// stock and priced in it — by id. What recommendation lists are made of.
    public func availableProducts(ids: [String], currency: Currency) async throws -> [String: Product] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await client.query(
            """
            SELECT p.product_id, p.name, p.description, p.category_path, p.status,
                   min((v.prices ->> \(currency.code))::bigint), coalesce(sum(greatest(v.available, 0)), 0)::bigint,
                   jsonb_agg(jsonb_build_object('sku', v.sku, 'attributes', v.attributes, 'price', v.prices -> \(currency.code),
                             'available', v.available) ORDER BY v.sku)::text,
                   coalesce(max(r.rating_sum), 0), coalesce(max(r.rating_count), 0),
                   coalesce(max(ARRAY[coalesce(r.stars_1, 0), coalesce(r.stars_2, 0), coalesce(r.stars_3, 0), coalesce(r.stars_4, 0), coalesce(r.stars_5, 0)]), '{}')
            FROM catalog_products p JOIN catalog_variants v ON v.product_id = p.product_id
              LEFT JOIN product_ratings r ON r.product_id = p.product_id
            WHERE p.product_id = ANY(\(ids)) AND p.status = 'published'
            GROUP BY p.product_id
            HAVING bool_or(v.available > 0 AND v.prices ? \(currency.code))
            """,
            logger: logger
        )
        var found: [String: Product] = [:]
        for try await (id, name, description, path, status, fromPrice, available, variantsJSON, ratingSum, ratingCount, stars) in rows.decode(
            (String, String, String, [String], String, Int64?, Int64, String, Int64, Int64, [Int64]).self
        ) {
            found[id] = try Self.product(
                id: id, name: name, description: description, path: path, status: status, fromPrice: fromPrice,
                available: available, variantsJSON: variantsJSON, currency: currency,
                rating: RatingSummary(sum: ratingSum, count: ratingCount, stars: stars)
            )
        }
        return found
    }

    /// A variant as a wish list shows it: its product's name and status, its prices in every
    /// currency (minor units by code) and the units available.
    public struct VariantListing: Sendable, Equatable {
        public let sku: String
        public let productId: String
        public let productName: String
        public let productStatus: String
        public let prices: [String: Int64]
        public let available: Int
    }

    /// The variants of `skus` the catalog knows, by SKU.
    public func variants(skus: [String]) async throws -> [String: VariantListing] {
        guard !skus.isEmpty else { return [:] }
        let rows = try await client.query(
            """
            SELECT v.sku, p.product_id, p.name, p.status, v.prices::text, v.available
            FROM catalog_variants v JOIN catalog_products p ON p.product_id = v.product_id
            WHERE v.sku = ANY(\(skus))
            """,
            logger: logger
        )
        var found: [String: VariantListing] = [:]
        for try await (sku, product, name, status, prices, available) in rows.decode((String, String, String, String, String, Int).self) {
            let decoded = try JSONDecoder().decode([String: Int64].self, from: Data(prices.utf8))
            found[sku] = VariantListing(sku: sku, productId: product, productName: name, productStatus: status, prices: decoded, available: max(0, available))
        }
        return found
    }

    /// A product from a row of either query; the variants come as JSON from `jsonb_agg`.
    private static func product(
        id: String, name: String, description: String, path: [String], status: String, fromPrice: Int64?,
        available: Int64, variantsJSON: String, currency: Currency, rating: RatingSummary
    ) throws -> Product {
        let variants = try JSONDecoder().decode([StoredVariant].self, from: Data(variantsJSON.utf8)).map {
            Variant(sku: $0.sku, attributes: $0.attributes, price: $0.price.map { Money($0, currency) }, available: max(0, $0.available))
        }
        return Product(
            productId: id, name: name, description: description, categoryPath: path, status: status,
            fromPrice: fromPrice.map { Money($0, currency) }, available: Int(available), inStock: available > 0, variants: variants,
            rating: rating
        )
    }

    private struct StoredVariant: Decodable {
        let sku: String
        let attributes: [String: String]
        let price: Int64?
        let available: Int
    }
}
