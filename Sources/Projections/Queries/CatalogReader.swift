import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// Reads the catalog view: published products with their variants, priced in one currency,
/// filtered by text and category, sorted, and paged by an opaque cursor.
public struct CatalogReader: Sendable {
    public enum Sort: String, Sendable, CaseIterable, Codable {
        /// Best match for the text first (name above category above description); without text,
        /// by id, last first.
        case relevance
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
        /// Most ordered first (orders counted by the recommendations read model).
        case popularity
    }

    /// A price range in minor units of the listing's currency: from inclusive, to exclusive;
    /// either may be open.
    public struct PriceRange: Sendable, Equatable, Codable {
        public let from: Int64?
        public let to: Int64?

        public init(from: Int64?, to: Int64?) {
            self.from = from
            self.to = to
        }
    }

    /// What a facet counts: products by category (every level of their path), by price range,
    /// in stock, or by the value of a variant attribute.
    public enum FacetName: Sendable, Hashable {
        case category, brand, price, inStock
        case attribute(String)

        public init(_ text: String) {
            switch text {
            case "category": self = .category
            case "brand": self = .brand
            case "price": self = .price
            case "inStock": self = .inStock
            default: self = .attribute(text)
            }
        }

        public var text: String {
            switch self {
            case .category: "category"
            case .brand: "brand"
            case .price: "price"
            case .inStock: "inStock"
            case .attribute(let name): name
            }
        }
    }

    public struct Search: Sendable, Equatable {
        /// Words matched with PostgreSQL full text search (`simple` dictionary) against name,
        /// category and description, forgiving typing mistakes (``SearchTerms``); the last word
        /// also as a prefix.
        public var text: String?
        /// Category path prefixes, any of which a product's path may start with:
        /// `[["Apparel"]]` matches `["Apparel", "Shirts"]`.
        public var categories: [[String]]
        /// Brands, any of which a product may have (none: any product, with a brand or without).
        public var brands: [String]
        /// Variant attribute options: one variant must have one of the listed values of every
        /// attribute named (`["size": ["M", "L"], "colour": ["navy"]]`).
        public var attributes: [String: [String]]
        /// That variant's price must lie in one of these (none: any price).
        public var priceRanges: [PriceRange]
        /// Only products with a matching variant in stock.
        public var inStockOnly: Bool
        /// Prices are given in this currency; products without a price in it are not listed.
        public var currency: Currency
        /// Nil: relevance when there is text, else name.
        public var sort: Sort?
        /// Only products whose shown average (one decimal) is at least this many tenths of a star
        /// (45: 4.5 stars and up); products without approved reviews are left out.
        public var minimumRatingTenths: Int?
        public var limit: Int
        public var cursor: String?
        /// The facets to count beside the page.
        public var facets: [FacetName]
        /// Read the catalog's words afresh for correcting the text (else they may be up to
        /// ``CatalogReader/dictionaryAge`` old).
        public var fresh: Bool
        /// The language names and descriptions are shown in (nil: the default texts).
        public var language: LanguagePreference?

        public init(
            text: String? = nil, category: [String] = [], currency: Currency = .EUR, sort: Sort? = nil, limit: Int = 20,
            cursor: String? = nil
        ) {
            self.text = text
            self.categories = category.isEmpty ? [] : [category]
            self.brands = []
            self.attributes = [:]
            self.priceRanges = []
            self.inStockOnly = false
            self.currency = currency
            self.sort = sort
            self.limit = limit
            self.cursor = cursor
            self.facets = []
            self.fresh = false
            self.language = nil
        }

        /// The sort used: the one asked for, else relevance for text and name without.
        public var effectiveSort: Sort {
            sort ?? ((text ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? .name : .relevance)
        }
    }

    /// One option of a facet and how many products choosing it would list.
    public struct FacetValue: Sendable, Codable, Equatable {
        /// The category path ('/'-joined), the attribute value, "true" (in stock), or the price
        /// range as `from-to` in minor units (the form the `price` filter takes).
        public let value: String
        public let count: Int
        /// Price ranges only: the bounds, from inclusive, to exclusive (none: open).
        public let from: Money?
        public let to: Money?
    }

    public struct Facet: Sendable, Codable, Equatable {
        public let name: String
        public let values: [FacetValue]
    }

    public struct Variant: Sendable, Codable, Equatable {
        public let sku: String
        public let attributes: [String: String]
        /// Nil when this variant has no price in the requested currency.
        public let price: Money?
        /// The price is derived from another currency's by the exchange-rate table, not set.
        public let priceDerived: Bool
        public let available: Int
    }

    /// A product image as a storefront shows it: where to load it, and what it shows.
    public struct Image: Sendable, Codable, Equatable {
        public let imageId: String
        /// `/images/<imageId>.<jpg|png|webp>`, served with long-lived caching (the name changes with the content).
        public let url: String
        public let contentType: String
        public let alt: String
        /// The variant shown, when the image is of one.
        public let sku: String?

        init(_ image: ProductImage) {
            imageId = image.imageId
            url = "/images/\(image.imageId).\(ProductImage.fileExtension(of: image.contentType))"
            contentType = image.contentType
            alt = image.alt
            sku = image.sku?.rawValue
        }
    }

    public struct Product: Sendable, Codable, Equatable {
        public let productId: String
        /// In the language asked for when the product has a text in it, else the default.
        public let name: String
        public let description: String
        /// The language of `name` and `description`; nil when they are the default texts.
        public let locale: String?
        public let categoryPath: [String]
        /// The category of the tree the product is in; nil for a free path.
        public let categoryId: String?
        public let brand: String?
        /// In the order shown.
        public let images: [Image]
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
        /// Typed values by key (``SpecificationCatalog``).
        public let specifications: [ProductSpecification]
        public let seo: ProductSEO
    }

    public struct Page: Sendable, Codable, Equatable {
        public let items: [Product]
        /// Pass back as `cursor` for the next page; nil on the last page.
        public let nextCursor: String?
        /// The facets asked for, in the order asked (nil when none were).
        public var facets: [Facet]?
        /// Words of the text the catalog lacks, each with the words searched instead (nil when
        /// every word was found as typed).
        public var corrections: [String: [String]]?
    }

    public enum QueryError: Error, Equatable {
        /// The cursor is not one this reader issued for the same sort.
        case invalidCursor
    }

    public static let maximumLimit = 100

    /// How old the catalog's words used for corrections may be.
    public static let dictionaryAge = Duration.seconds(30)

    let client: PostgresClient
    let logger: Logger
    /// The words of the published products, for correcting search text.
    private let dictionary: SharedRead<SearchDictionary>
    /// Published products per category path (every level), for suggestions.
    let categoryCounts: SharedRead<[(path: String, products: Int)]>
    /// The published products' names by popularity, for suggestions.
    let suggestionIndex: SharedRead<SuggestionIndex>
    /// Published products per brand, for suggestions.
    let brandCounts: SharedRead<[(name: String, products: Int)]>
    /// What listings filter, count and sort by, in memory.
    private let index: CatalogIndex
    /// The details of the products listings showed.
    private let pageDetails = PageDetails()
    /// The products search texts matched.
    private let textMatches = TextMatches()

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
        index = CatalogIndex(client: client, logger: logger)
        // The words and the counts change only with product rows: made again only then.
        let words = KeptWhileUnchanged<SearchDictionary>(client: client, logger: logger)
        let categories = KeptWhileUnchanged<[(path: String, products: Int)]>(client: client, logger: logger)
        let brands = KeptWhileUnchanged<[(name: String, products: Int)]>(client: client, logger: logger)
        dictionary = SharedRead(maximumAge: Self.dictionaryAge) { try await words.value {
            let rows = try await client.query(
                "SELECT word FROM ts_stat('SELECT search FROM catalog_products WHERE status = ''published''')", logger: logger
            )
            // Only words as SearchTerms makes them (letters and digits, not only digits): the
            // parser also keeps compounds such as "t-shirt", which a query never holds, and
            // numbers are not corrected.
            var words: [String] = []
            for try await word in rows.decode(String.self)
            where word.contains(where: \.isLetter) && word.allSatisfy({ $0.isLetter || $0.isNumber }) {
                words.append(word)
            }
            return SearchDictionary(words)
        } }
        categoryCounts = SharedRead(maximumAge: Self.dictionaryAge) { try await categories.value {
            let rows = try await client.query(
                """
                SELECT array_to_string(p.category_path[1:depth], '/'), count(*)::bigint
                FROM catalog_products p CROSS JOIN LATERAL generate_series(1, cardinality(p.category_path)) AS depth
                WHERE p.status = 'published'
                GROUP BY 1
                """,
                logger: logger
            )
            var counts: [(path: String, products: Int)] = []
            for try await (path, products) in rows.decode((String, Int64).self) { counts.append((path, Int(products))) }
            return counts
        } }
        suggestionIndex = SharedRead(maximumAge: Self.dictionaryAge) {
            let rows = try await client.query(
                """
                SELECT p.product_id, p.name, coalesce(popular.orders, 0)
                FROM catalog_products p LEFT JOIN rec_products popular ON popular.product_id = p.product_id
                WHERE p.status = 'published'
                """,
                logger: logger
            )
            var products: [(productId: String, name: String, orders: Int64)] = []
            for try await (id, name, orders) in rows.decode((String, String, Int64).self) { products.append((id, name, orders)) }
            return SuggestionIndex(products)
        }
        brandCounts = SharedRead(maximumAge: Self.dictionaryAge) { try await brands.value {
            let rows = try await client.query(
                "SELECT brand, count(*)::bigint FROM catalog_products WHERE status = 'published' AND brand IS NOT NULL GROUP BY brand",
                logger: logger
            )
            var counts: [(name: String, products: Int)] = []
            for try await (name, products) in rows.decode((String, Int64).self) { counts.append((name, Int(products))) }
            return counts
        } }
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
        try await listing(search, encoded: false).page
    }

    /// A listing's page and its JSON as the API answers it (the products' parts written ahead and
    /// kept with their details, ``PageDetails``).
    public struct EncodedPage: Sendable {
        public let page: Page
        public let json: [UInt8]
    }

    public func encodedProducts(_ search: Search) async throws -> EncodedPage {
        let (page, products) = try await listing(search, encoded: true)
        // Page's keys in the order the answer's encoder sorts them; nil ones left out, as it does.
        let encoder = AnswerJSON.encoder
        var json: [UInt8] = [UInt8(ascii: "{")]
        func key(_ name: String) {
            if json.count > 1 { json.append(UInt8(ascii: ",")) }
            json += Array("\"\(name)\":".utf8)
        }
        if let corrections = page.corrections {
            key("corrections")
            json += try encoder.encode(corrections)
        }
        if let facets = page.facets {
            key("facets")
            try FacetJSON.write(facets, into: &json)
        }
        key("items")
        json.append(UInt8(ascii: "["))
        for (index, product) in products.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            json += product
        }
        json.append(UInt8(ascii: "]"))
        if let next = page.nextCursor {
            key("nextCursor")
            json += try encoder.encode(next)
        }
        json.append(UInt8(ascii: "}"))
        return EncodedPage(page: page, json: json)
    }

    /// The page, and when `encoded` each of its products' JSON in its order.
    private func listing(_ search: Search, encoded: Bool) async throws -> (page: Page, products: [[UInt8]]) {
        let limit = max(1, min(search.limit, Self.maximumLimit))
        let sort = search.effectiveSort
        let cursor = try search.cursor.map { cursorText throws(QueryError) in try Cursor(decoding: cursorText, sort: sort) }
        let text = search.text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let terms = text.isEmpty ? nil : SearchTerms(text, dictionary: try await dictionary.value(fresh: search.fresh))
        // The text's matches from the search index, every filter, facet and the page's order
        // from this process's copy of the listings' columns (as fresh as the tables).
        let textQuery = terms?.textQuery ?? ""
        let snapshot = try await index.current()
        // Read after the snapshot, so that matches kept for it are at least as fresh.
        let matches = textQuery.isEmpty ? nil : try await textMatches.matches(textQuery, ranked: sort == .relevance, snapshot: snapshot) {
            try await self.matches($0, ranked: $1)
        }
        let listing = CatalogListing(snapshot: snapshot, search: search, sort: sort, matches: matches)
            .run(limit: limit, after: cursor.map { (key: $0.key, id: $0.id) })
        let listed = listing.page
        // A product changed between the two reads (unpublished, repriced) is shown as read now.
        let details = try await pageDetails.products(
            listed.map(\.id), snapshot: snapshot, currency: search.currency, language: search.language, encoded: encoded
        ) {
            try await storedProducts(ids: $0)
        }
        let shown = listed.compactMap { details[$0.id] }
        let lastKey = listed.last.map { (key: $0.key, id: $0.id) }
        let next = listing.more ? lastKey.map { Cursor(sort: sort, key: $0.key, id: $0.id).encoded() } : nil
        var page = Page(items: shown.map(\.product), nextCursor: next)
        if !search.facets.isEmpty { page.facets = listing.facets }
        if let corrections = terms?.corrections, !corrections.isEmpty { page.corrections = corrections }
        return (page, shown.compactMap(\.json))
    }

    /// The published products matching a text query (`to_tsquery('simple', …)`), each with its
    /// relevance as the `relevance` sort keys it — `ts_rank` in millionths, a whole number so that
    /// cursors compare exactly — when `ranked`, else 0.
    private func matches(_ textQuery: String, ranked: Bool) async throws -> [String: Int64] {
        let rows = try await client.query(
            """
            SELECT product_id, CASE WHEN \(ranked) THEN round(ts_rank(search, to_tsquery('simple', \(textQuery))) * 1000000)::bigint ELSE 0 END
            FROM catalog_products WHERE status = 'published' AND search @@ to_tsquery('simple', \(textQuery))
            """,
            logger: logger
        )
        var matches: [String: Int64] = [:]
        for try await (id, relevance) in rows.decode((String, Int64).self) { matches[id] = relevance }
        return matches
    }

    /// One product with all its variants, whatever its status; nil when there is none.
    public func product(id: String, currency: Currency, language: LanguagePreference? = nil) async throws -> Product? {
        try await products(ids: [id], currency: currency, language: language)[id]
    }

    /// The products of `ids` with all their variants, whatever their status, by id.
    func products(ids: [String], currency: Currency, language: LanguagePreference? = nil) async throws -> [String: Product] {
        try await storedProducts(ids: ids).mapValues { $0.product(currency: currency, language: language) }
    }

    /// Of `ids`, the products a shopper can buy now in `currency` — published, with a variant in
    /// stock and priced in it — by id. What recommendation lists are made of.
    public func availableProducts(ids: [String], currency: Currency) async throws -> [String: Product] {
        try await storedProducts(ids: ids).filter { $0.value.isAvailable(in: currency) }.mapValues { $0.product(currency: currency, language: nil) }
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

}
