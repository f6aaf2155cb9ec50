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
    /// What every listing reads of a product, together (``Summary``).
    private(set) var summaries: [Summary] = []
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
    /// Every product's variants, ``stride`` numbers each: its attribute set (into
    /// ``attributeSets``), its units available, then its price in each of ``currencies``
    /// (``noPrice``: none) — side by side, as a listing reads them together (kept apart, the
    /// price read after the attributes passed was a cache miss of its own). A product read again
    /// with another number of variants gets new room at the end; the old room is reclaimed when
    /// half of it is unused.
    private(set) var variants: [Int64] = []
    /// Per variant (by number): its product (-1: room no longer used).
    private(set) var variantProducts: [Int32] = []
    /// Per attribute set: the variants that have it (by number). A listing whose chosen
    /// attributes only a few sets meet finds the products with such a variant here, rather than
    /// by reading every product's variants.
    private(set) var setMembers: [[Int32]] = []
    private var unused = 0
    /// Per category path, the products placed in it (ascending numbers): a listing of some
    /// categories visits only their products.
    private(set) var pathMembers: [[Int32]] = []
    /// Per currency (of the first 32), per category path: the listed products with a price in the
    /// currency — what the category facet counts of the categories not chosen when nothing else is
    /// filtered.
    private(set) var pricedPathCounts: [[Int32]] = []
    /// The products by id, byte by byte (UTF-8), and each product's place in that order: ties of
    /// a sort's key are settled by comparing two numbers, not two ids.
    private(set) var idOrder: [Int32] = []
    private(set) var idRanks: [Int32] = []

    /// What every listing reads of each product it visits, in sixteen bytes: a search's matches
    /// lie anywhere in the catalog, and one cache line read per product costs less than one per
    /// column.
    struct Summary: Sendable {
        /// Into ``categoryPaths`` (-1 only before the product is placed).
        var path: Int32 = -1
        /// Into ``brandNames``; -1: none.
        var brand: Int32 = -1
        /// Where the product's variants start (a variant's number: times ``stride`` into
        /// ``variants``) and how many it has (a product has at most 500).
        var variantStart: Int32 = 0
        var variantCount: UInt16 = 0
        /// Published with at least one variant (an unpublished product keeps its number).
        var listed = false
    }

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
        pricedPathCounts = Array(repeating: [], count: currencies.count)
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
        put(contentsOf: [row])
    }

    /// Puts products in as read now, replacing what the snapshot had of them.
    mutating func put(contentsOf rows: [ProductRow]) {
        var added: [Int32] = []
        for row in rows {
            let ordinal: Int
            if let known = ordinals[row.id] {
                ordinal = Int(known)
                count(ordinal, as: -1)
            } else {
                ordinal = ids.count
                ordinals[row.id] = Int32(ordinal)
                added.append(Int32(ordinal))
                ids.append(row.id)
                names.append("")
                namePrefixes.append(0)
                summaries.append(Summary(variantStart: Int32(variants.count / stride)))
                positions.append(0)
                ratingSums.append(0)
                ratingCounts.append(0)
                orders.append(0)
                catalogChanges.append(0)
                pricedIn.append(0)
                ratingChanges.append(0)
                idRanks.append(0)
            }
            names[ordinal] = row.name
            namePrefixes[ordinal] = ListingOrder.namePrefix(row.name)
            summaries[ordinal].listed = row.published && !row.variants.isEmpty
            place(ordinal, in: path(row.categoryPath))
            summaries[ordinal].brand = row.brand.map { brandNames.number($0) } ?? -1
            positions[ordinal] = row.position
            ratingSums[ordinal] = row.ratingSum
            ratingCounts[ordinal] = row.ratingCount
            orders[ordinal] = row.orders
            catalogChanges[ordinal] = row.catalogChange
            ratingChanges[ordinal] = row.ratingChange
            setVariants(of: ordinal, row.variants)
            count(ordinal, as: 1)
        }
        rank(added)
    }

    /// Leaves a product out of listings.
    mutating func remove(_ id: String) {
        guard let ordinal = ordinals[id].map(Int.init) else { return }
        count(ordinal, as: -1)
        summaries[ordinal].listed = false
        setVariants(of: ordinal, [])
    }

    /// The place `id` has, or would have, in the id order, doubled: twice its rank when the
    /// snapshot has it, else one less than twice the rank of the first id after it — so that it
    /// compares with twice any product's rank as the ids compare.
    func doubledRank(of id: String) -> Int {
        if let ordinal = ordinals[id] { return 2 * Int(idRanks[Int(ordinal)]) }
        return 2 * idPlace(of: id) - 1
    }

    /// How many ids of the id order come before `id`, byte by byte.
    private func idPlace(of id: String) -> Int {
        var low = 0, high = idOrder.count
        while low < high {
            let middle = (low + high) / 2
            if ListingOrder.compareBytes(ids[Int(idOrder[middle])], id) < 0 { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Puts new products in the id order: a few one by one, many by sorting them all again.
    private mutating func rank(_ added: [Int32]) {
        if added.isEmpty { return }
        if added.count > 64 {
            idOrder.append(contentsOf: added)
            idOrder.sort { ListingOrder.compareBytes(ids[Int($0)], ids[Int($1)]) < 0 }
            for (rank, ordinal) in idOrder.enumerated() { idRanks[Int(ordinal)] = Int32(rank) }
            return
        }
        for ordinal in added {
            let place = idPlace(of: ids[Int(ordinal)])
            idOrder.insert(ordinal, at: place)
            for rank in place..<idOrder.count { idRanks[Int(idOrder[rank])] = Int32(rank) }
        }
    }

    /// Adds (`as` 1) or takes away (-1) the product in the counts of priced products per path.
    private mutating func count(_ ordinal: Int, as sign: Int32) {
        guard summaries[ordinal].listed, summaries[ordinal].path >= 0 else { return }
        let path = Int(summaries[ordinal].path)
        for column in currencies.indices where column < 32 && pricedIn[ordinal] & 1 << UInt32(column) != 0 {
            if pricedPathCounts[column].count <= path { pricedPathCounts[column] += repeatElement(0, count: path + 1 - pricedPathCounts[column].count) }
            pricedPathCounts[column][path] += sign
        }
    }

    /// Moves the product to the members of `path`.
    private mutating func place(_ ordinal: Int, in path: Int32) {
        let previous = summaries[ordinal].path
        if previous == path { return }
        if previous >= 0, let at = pathMembers[Int(previous)].firstIndex(of: Int32(ordinal)) { pathMembers[Int(previous)].remove(at: at) }
        if pathMembers.count <= Int(path) { pathMembers += repeatElement([], count: Int(path) + 1 - pathMembers.count) }
        // Kept ascending: a new product has the greatest number; one moved back goes in its place.
        let number = Int32(ordinal)
        if let last = pathMembers[Int(path)].last, last > number, let at = pathMembers[Int(path)].firstIndex(where: { $0 > number }) {
            pathMembers[Int(path)].insert(number, at: at)
        } else {
            pathMembers[Int(path)].append(number)
        }
        summaries[ordinal].path = path
    }

    private mutating func setVariants(of ordinal: Int, _ rows: [VariantRow]) {
        var start = Int(summaries[ordinal].variantStart)
        let count = Int(summaries[ordinal].variantCount)
        if rows.count != count {
            for variant in start..<(start + count) {
                leave(set: Int(variants[variant * stride]), variant)
                variantProducts[variant] = -1
            }
            unused += count
            start = variants.count / stride
            variants.append(contentsOf: repeatElement(0, count: rows.count * stride))
            variantProducts.append(contentsOf: repeatElement(Int32(ordinal), count: rows.count))
            summaries[ordinal].variantStart = Int32(start)
            summaries[ordinal].variantCount = UInt16(rows.count)
            // New room: the sets are joined below as if each variant had left set -1.
            for variant in start..<(start + rows.count) { variants[variant * stride] = -1 }
        }
        var priced: UInt32 = 0
        for (index, row) in rows.enumerated() {
            let variant = start + index, base = variant * stride
            let set = attributeSet(row.attributesJSON)
            if variants[base] != Int64(set) {
                leave(set: Int(variants[base]), variant)
                join(set: Int(set), variant)
                variants[base] = Int64(set)
            }
            variants[base + 1] = row.available
            for (column, price) in row.prices.enumerated() {
                variants[base + 2 + column] = price ?? Self.noPrice
                if price != nil, column < 32 { priced |= 1 << UInt32(column) }
            }
        }
        pricedIn[ordinal] = priced
        if unused > 1 << 14, unused * stride * 2 > variants.count { compact() }
    }

    private mutating func leave(set: Int, _ variant: Int) {
        guard set >= 0, let at = setMembers[set].firstIndex(of: Int32(variant)) else { return }
        setMembers[set].remove(at: at)
    }

    private mutating func join(set: Int, _ variant: Int) {
        if setMembers.count <= set { setMembers += repeatElement([], count: set + 1 - setMembers.count) }
        setMembers[set].append(Int32(variant))
    }

    /// The variants again without the unused room, product by product (renumbered, so the sets'
    /// members are made again).
    private mutating func compact() {
        var packed: [Int64] = [], products: [Int32] = []
        packed.reserveCapacity(variants.count - unused * stride)
        for ordinal in ids.indices {
            let start = Int(summaries[ordinal].variantStart), count = Int(summaries[ordinal].variantCount)
            summaries[ordinal].variantStart = Int32(packed.count / stride)
            packed.append(contentsOf: variants[(start * stride)..<((start + count) * stride)])
            products.append(contentsOf: repeatElement(Int32(ordinal), count: count))
        }
        variants = packed
        variantProducts = products
        unused = 0
        setMembers = setMembers.map { _ in [] }
        for variant in variantProducts.indices { setMembers[Int(variants[variant * stride])].append(Int32(variant)) }
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
