import Foundation

/// Every published product of the catalog view as listings filter, count and sort it — category
/// path, brand, variants' attributes, prices and stock, rating, orders, position — numbered
/// compactly (strings interned, a product's variants in one array), so that a listing with its
/// facets runs over memory rather than over the tables (``CatalogListing``). Texts and pages'
/// details stay in PostgreSQL. Kept up to date by ``CatalogIndex``.
struct CatalogSnapshot: Sendable {
    // Per product, by its number (ordinal), column by column: a listing's pass reads a few
    // numbers of each product, and a row of strings and arrays per product would cost it a
    // reference count per field read.
    private(set) var ids: [String] = []
    /// The default names: the `name` sort's key…
    private(set) var names: [String] = []
    /// …and their first bytes as numbers (``ListingOrder/namePrefix(_:)``).
    private(set) var namePrefixes: [UInt64] = []
    /// Published with at least one variant (an unpublished product keeps its number).
    private(set) var listed: [Bool] = []
    /// Into ``categoryPaths``.
    private(set) var paths: [Int32] = []
    /// Into ``brandNames``; -1: none.
    private(set) var brands: [Int32] = []
    private(set) var positions: [Int64] = []
    private(set) var ratingSums: [Int64] = []
    private(set) var ratingCounts: [Int64] = []
    /// Orders counted by the recommendations read model: the `popularity` sort's key.
    private(set) var orders: [Int64] = []
    /// The greatest change number of the product's row and its variants' rows, and its rating
    /// row's (0: none): how fresh a kept copy of its details must be (``PageDetails``).
    private(set) var catalogChanges: [Int64] = []
    private(set) var ratingChanges: [Int64] = []
    /// Per product, a bit per currency (of the first 32) that a variant has a price in: whether a
    /// product passes no variant filter but the currency, without reading its variants.
    private(set) var pricedIn: [UInt32] = []
    /// Where the product's variants start in ``variants`` and how many it has.
    private(set) var variantStarts: [Int] = []
    private(set) var variantCounts: [Int] = []
    /// Every product's variants, ``stride`` numbers each: its attribute set (into
    /// ``attributeSets``), its units available, then its price in each of ``currencies``
    /// (``noPrice``: none). A product read again with another number of variants gets new
    /// room at the end; the old room is reclaimed when half the array is unused.
    private(set) var variants: [Int64] = []
    private var unused = 0

    /// A category path as the filters match it and the category facet counts it.
    struct CategoryPath: Sendable {
        /// The segments '/'-joined, with a '/' after: a prefix test on these matches whole
        /// segments ("Home/" holds "Home/Kitchen/", not "Homeware/").
        let prefixText: String
        /// Every level of the path ("Home", "Home/Kitchen"), into ``levels``.
        let levels: [Int32]
    }

    /// A variant's attributes: names and values (into ``attributeNames`` and ``attributeValues``),
    /// by name.
    struct AttributeSet: Sendable {
        let names: [Int32]
        let values: [Int32]

        func value(of name: Int32) -> Int32? {
            names.firstIndex(of: name).map { values[$0] }
        }
    }

    /// A variant price's place for "none".
    static let noPrice = Int64.min

    /// The change numbers and tables this snapshot has read (``CatalogIndex``).
    struct ChangesSeen: Sendable, Equatable {
        /// Of the product rows and the variant rows (one sequence)…
        var catalog: Int64 = 0
        /// …and of the product rows alone: what the text's matches depend on (``TextMatches``).
        var products: Int64 = 0
        var orders: Int64 = 0
        var ratings: Int64 = 0
        /// The tables' object ids: a rebuild puts new tables in place, read whole again.
        var tables: [Int64] = []
    }

    private(set) var ordinals: [String: Int32] = [:]
    /// The currency codes of the variants' prices, in order.
    let currencies: [String]
    let stride: Int
    private(set) var categoryPaths: [CategoryPath] = []
    private var pathNumbers: [[String]: Int32] = [:]
    private(set) var levels = Interner()
    private(set) var brandNames = Interner()
    private(set) var attributeNames = Interner()
    private(set) var attributeValues = Interner()
    private(set) var attributeSets: [AttributeSet] = []
    /// By the attributes' JSON text as the database writes it (the same object, the same text).
    private var attributeSetNumbers: [String: Int32] = [:]
    var seen: ChangesSeen

    /// Which snapshot read whole this one comes from: a product's number holds within it.
    let generation: Int

    init(currencies: [String], seen: ChangesSeen, generation: Int) {
        self.generation = generation
        self.currencies = currencies
        stride = 2 + currencies.count
        self.seen = seen
    }

    /// A product as read from the tables, with its variants.
    struct ProductRow: Sendable {
        let id: String
        let name: String
        let categoryPath: [String]
        let brand: String?
        let position: Int64
        let published: Bool
        let ratingSum: Int64
        let ratingCount: Int64
        let orders: Int64
        let ratingChange: Int64
        var catalogChange: Int64
        var variants: [VariantRow] = []
    }

    struct VariantRow: Sendable {
        let available: Int64
        let attributesJSON: String
        /// Per currency of the snapshot, in its order.
        let prices: [Int64?]
    }

    var count: Int { ids.count }

    /// Puts a product in as read now, replacing what the snapshot had of it.
    mutating func put(_ row: ProductRow) {
        let ordinal: Int
        if let known = ordinals[row.id] {
            ordinal = Int(known)
        } else {
            ordinal = ids.count
            ordinals[row.id] = Int32(ordinal)
            ids.append(row.id)
            names.append("")
            namePrefixes.append(0)
            listed.append(false)
            paths.append(0)
            brands.append(-1)
            positions.append(0)
            ratingSums.append(0)
            ratingCounts.append(0)
            orders.append(0)
            catalogChanges.append(0)
            pricedIn.append(0)
            ratingChanges.append(0)
            variantStarts.append(variants.count)
            variantCounts.append(0)
        }
        names[ordinal] = row.name
        namePrefixes[ordinal] = ListingOrder.namePrefix(row.name)
        listed[ordinal] = row.published && !row.variants.isEmpty
        paths[ordinal] = path(row.categoryPath)
        brands[ordinal] = row.brand.map { brandNames.number($0) } ?? -1
        positions[ordinal] = row.position
        ratingSums[ordinal] = row.ratingSum
        ratingCounts[ordinal] = row.ratingCount
        orders[ordinal] = row.orders
        catalogChanges[ordinal] = row.catalogChange
        ratingChanges[ordinal] = row.ratingChange
        setVariants(of: ordinal, row.variants)
    }

    /// Leaves a product out of listings.
    mutating func remove(_ id: String) {
        guard let ordinal = ordinals[id].map(Int.init) else { return }
        listed[ordinal] = false
        setVariants(of: ordinal, [])
    }

    private mutating func setVariants(of ordinal: Int, _ rows: [VariantRow]) {
        var start = variantStarts[ordinal]
        if rows.count != variantCounts[ordinal] {
            unused += variantCounts[ordinal] * stride
            start = variants.count
            variants.append(contentsOf: repeatElement(0, count: rows.count * stride))
            variantStarts[ordinal] = start
            variantCounts[ordinal] = rows.count
        }
        var priced: UInt32 = 0
        for (index, row) in rows.enumerated() {
            let base = start + index * stride
            variants[base] = Int64(attributeSet(row.attributesJSON))
            variants[base + 1] = row.available
            for (column, price) in row.prices.enumerated() {
                variants[base + 2 + column] = price ?? Self.noPrice
                if price != nil, column < 32 { priced |= 1 << UInt32(column) }
            }
        }
        pricedIn[ordinal] = priced
        if unused > 1 << 16, unused * 2 > variants.count { compact() }
    }

    /// The variants again without the unused room, product by product.
    private mutating func compact() {
        var packed: [Int64] = []
        packed.reserveCapacity(variants.count - unused)
        for ordinal in ids.indices {
            let start = variantStarts[ordinal], length = variantCounts[ordinal] * stride
            variantStarts[ordinal] = packed.count
            packed.append(contentsOf: variants[start..<(start + length)])
        }
        variants = packed
        unused = 0
    }

    private mutating func path(_ segments: [String]) -> Int32 {
        if let number = pathNumbers[segments] { return number }
        let number = Int32(categoryPaths.count)
        let levels = segments.indices.map { depth in self.levels.number(segments[...depth].joined(separator: "/")) }
        categoryPaths.append(CategoryPath(prefixText: segments.joined(separator: "/") + "/", levels: levels))
        pathNumbers[segments] = number
        return number
    }

    private mutating func attributeSet(_ json: String) -> Int32 {
        if let number = attributeSetNumbers[json] { return number }
        // The text comes from a jsonb column holding an object, so it always parses as one.
        let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        // As `->>` reads them: a string as it is, anything else as its JSON text.
        let pairs = object.map { name, value -> (Int32, Int32) in
            let text = value as? String ?? String(decoding: (try? JSONSerialization.data(withJSONObject: value, options: .fragmentsAllowed)) ?? Data(), as: UTF8.self)
            return (attributeNames.number(name), attributeValues.number(text))
        }
        let number = Int32(attributeSets.count)
        attributeSets.append(AttributeSet(names: pairs.map(\.0), values: pairs.map(\.1)))
        attributeSetNumbers[json] = number
        return number
    }
}
