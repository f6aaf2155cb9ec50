import Aggregates

/// A listing's facet counts as the pass over the products adds to them (``CatalogListing``):
/// each product counted once per option it reaches, however many of its variants reach it.
struct FacetCounts {
    private enum Kind {
        case category, brand, price, inStock
        /// Which attribute facet (its place among the attribute facets asked for).
        case attribute(Int)
    }

    private let names: [CatalogReader.FacetName]
    private let kinds: [Kind]
    private let snapshot: CatalogSnapshot
    private let currency: Currency
    private let lows: [Int64]
    private let highs: [Int64]
    /// Products per category path (each product has one); the facet counts every level of each.
    private var paths: [Int32]
    private var brands: [Int32]
    private var priceRanges: [Int32]
    private var inStock = 0
    // The attribute facets, flat (facet by facet): per attribute set the value of the facet's
    // attribute (-1: none); per value the products counted and the last product counted (so a
    // product with several variants of one value counts once); per facet the attribute's place
    // among the chosen ones (-1: not chosen).
    private var attributeFacets = 0
    private let setCount: Int
    private let valueCount: Int
    private var valueOfSet: [Int32] = []
    private var chosenIndex: [Int32] = []
    private var attributeCounts: [Int32] = []
    private var lastCounted: [Int32] = []

    init(snapshot: CatalogSnapshot, names: [CatalogReader.FacetName], currency: Currency, chosenAttributes: [(name: String, values: Set<Int32>)]) {
        self.snapshot = snapshot
        setCount = snapshot.attributeSets.count
        valueCount = snapshot.attributeValues.count
        self.names = names
        self.currency = currency
        var unit: Int64 = 1
        for _ in 0..<currency.exponent { unit *= 10 }
        lows = CatalogListing.priceBounds.map { $0 * unit }
        highs = CatalogListing.priceBounds.dropFirst().map { $0 * unit } + [Int64.max]
        let wanted = Set(names)
        paths = [Int32](repeating: 0, count: wanted.contains(.category) ? snapshot.categoryPaths.count : 0)
        brands = [Int32](repeating: 0, count: wanted.contains(.brand) ? snapshot.brandNames.count : 0)
        priceRanges = [Int32](repeating: 0, count: lows.count)
        var kinds: [Kind] = []
        for name in names {
            switch name {
            case .category: kinds.append(.category)
            case .brand: kinds.append(.brand)
            case .price: kinds.append(.price)
            case .inStock: kinds.append(.inStock)
            case .attribute(let attribute):
                let number = snapshot.attributeNames.existing(attribute)
                valueOfSet += snapshot.attributeSets.map { set in number.flatMap { set.value(of: $0) } ?? -1 }
                chosenIndex.append(chosenAttributes.firstIndex { $0.name == attribute }.map(Int32.init) ?? -1)
                kinds.append(.attribute(attributeFacets))
                attributeFacets += 1
            }
        }
        self.kinds = kinds
        attributeCounts = [Int32](repeating: 0, count: attributeFacets * valueCount)
        lastCounted = [Int32](repeating: -1, count: attributeFacets * valueCount)
    }

    /// The price range holding `price`, as a bit (none below the first bound).
    func priceRange(of price: Int64) -> UInt32 {
        // The ranges run on from one another: the range is the last whose lower bound is reached.
        var reached = 0
        for low in lows where price >= low { reached += 1 }
        return reached == 0 ? 0 : 1 << UInt32(reached - 1)
    }

    /// A variant of product `ordinal` passing the price and stock filters, with `missing` chosen
    /// attributes unmet (`onlyMissing` which, when one): each attribute facet whose other chosen
    /// attributes it meets counts the product for its value, once.
    mutating func addAttributes(of set: Int, missing: Int32, onlyMissing: Int32, product ordinal: Int) {
        for facet in 0..<attributeFacets {
            guard missing == 0 || (missing == 1 && onlyMissing == chosenIndex[facet]) else { continue }
            let value = valueOfSet[facet * setCount + set]
            guard value >= 0 else { continue }
            let slot = facet * valueCount + Int(value)
            if lastCounted[slot] != Int32(truncatingIfNeeded: ordinal) {
                lastCounted[slot] = Int32(truncatingIfNeeded: ordinal)
                attributeCounts[slot] += 1
            }
        }
    }

    /// Whether the category facet was asked for.
    var countsCategories: Bool { !paths.isEmpty }

    mutating func addCategory(_ path: Int32, products: Int32 = 1) {
        if !paths.isEmpty { paths[Int(path)] += products }
    }

    mutating func addBrand(_ brand: Int32) {
        if !brands.isEmpty { brands[Int(brand)] += 1 }
    }

    mutating func addPriceRanges(_ ranges: UInt32) {
        var bits = ranges
        while bits != 0 {
            priceRanges[bits.trailingZeroBitCount] += 1
            bits &= bits - 1
        }
    }

    mutating func addInStock() { inStock += 1 }

    /// The facets in the order asked: options with products, the most first (price ranges in
    /// their order), at most ``CatalogListing/maximumValues`` each.
    func facets() -> [CatalogReader.Facet] {
        zip(names, kinds).map { name, kind in
            var values: [CatalogReader.FacetValue] = []
            func add(_ counts: [Int32], _ label: (Int) -> String) {
                for (index, count) in counts.enumerated() where count > 0 {
                    values.append(CatalogReader.FacetValue(value: label(index), count: Int(count), from: nil, to: nil))
                }
            }
            switch kind {
            case .category:
                var levels = [Int32](repeating: 0, count: snapshot.levels.count)
                for (path, count) in paths.enumerated() where count > 0 {
                    for level in snapshot.categoryPaths[path].levels { levels[Int(level)] += count }
                }
                add(levels) { snapshot.levels[Int32($0)] }
            case .brand: add(brands) { snapshot.brandNames[Int32($0)] }
            case .inStock: if inStock > 0 { values.append(CatalogReader.FacetValue(value: "true", count: inStock, from: nil, to: nil)) }
            case .attribute(let facet):
                let counts = Array(attributeCounts[(facet * valueCount)..<((facet + 1) * valueCount)])
                add(counts) { snapshot.attributeValues[Int32($0)] }
            case .price:
                for (index, count) in priceRanges.enumerated() where count > 0 {
                    let high = highs[index] == Int64.max ? nil : highs[index]
                    values.append(CatalogReader.FacetValue(
                        value: "\(lows[index])-\(high.map(String.init) ?? "")", count: Int(count),
                        from: Money(lows[index], currency), to: high.map { Money($0, currency) }
                    ))
                }
                return CatalogReader.Facet(name: name.text, values: Array(values.prefix(CatalogListing.maximumValues)))
            }
            values.sort { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
            return CatalogReader.Facet(name: name.text, values: Array(values.prefix(CatalogListing.maximumValues)))
        }
    }
}
