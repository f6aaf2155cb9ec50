import Aggregates

/// A listing's facet counts as the pass over the products adds to them (``CatalogListing``):
/// each product counted once per option it reaches, however many of its variants reach it.
struct FacetCounts {
    private enum Kind {
        case category, brand, price, inStock
        /// Which attribute facet (its place among the attribute facets asked for).
        case attribute(Int)
    }

    /// The counters' memory, owned for as long as the counts live: the pass adds to them for
    /// every variant it reads, and counters in arrays of this value would cost each addition a
    /// uniqueness and a bounds check.
    private final class Counters {
        let base: UnsafeMutablePointer<Int32>
        let lows: UnsafeMutablePointer<Int64>

        init(count: Int, lows: [Int64]) {
            base = .allocate(capacity: max(1, count))
            base.initialize(repeating: 0, count: max(1, count))
            self.lows = .allocate(capacity: max(1, lows.count))
            self.lows.initialize(from: lows, count: lows.count)
        }

        deinit {
            base.deallocate()
            lows.deallocate()
        }
    }

    private let names: [CatalogReader.FacetName]
    private let kinds: [Kind]
    private let snapshot: CatalogSnapshot
    private let currency: Currency
    private let lowBounds: [Int64]
    private let highs: [Int64]
    private let counters: Counters
    // Views into `counters`, laid out one after another:
    /// products per category path (each product has one; none when the facet is not asked for) —
    /// the facet counts every level of each;
    private let pathCount: Int
    private let paths: UnsafeMutablePointer<Int32>
    /// products per brand (none when not asked for);
    private let brandCount: Int
    private let brands: UnsafeMutablePointer<Int32>
    /// products per price range, and in stock;
    private let priceRanges: UnsafeMutablePointer<Int32>
    private let inStock: UnsafeMutablePointer<Int32>
    // the attribute facets, flat (facet by facet): per attribute set the value of the facet's
    // attribute (-1: none); per value the products counted and the last product counted (so a
    // product with several variants of one value counts once); per facet the attribute's place
    // among the chosen ones (-1: not chosen).
    private let attributeFacets: Int
    private let setCount: Int
    private let valueCount: Int
    private let valueOfSet: UnsafeMutablePointer<Int32>
    private let chosenIndex: UnsafeMutablePointer<Int32>
    private let attributeCounts: UnsafeMutablePointer<Int32>
    private let lastCounted: UnsafeMutablePointer<Int32>
    private let lows: UnsafeMutablePointer<Int64>
    private let lowCount: Int

    init(snapshot: CatalogSnapshot, names: [CatalogReader.FacetName], currency: Currency, chosenAttributes: [(name: String, values: Set<Int32>)]) {
        self.snapshot = snapshot
        setCount = snapshot.attributeSets.count
        valueCount = snapshot.attributeValues.count
        self.names = names
        self.currency = currency
        var unit: Int64 = 1
        for _ in 0..<currency.exponent { unit *= 10 }
        lowBounds = CatalogListing.priceBounds.map { $0 * unit }
        highs = CatalogListing.priceBounds.dropFirst().map { $0 * unit } + [Int64.max]
        let wanted = Set(names)
        pathCount = wanted.contains(.category) ? snapshot.categoryPaths.count : 0
        brandCount = wanted.contains(.brand) ? snapshot.brandNames.count : 0
        var kinds: [Kind] = []
        var valueOfSet: [Int32] = [], chosenIndex: [Int32] = []
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
                kinds.append(.attribute(chosenIndex.count - 1))
            }
        }
        self.kinds = kinds
        attributeFacets = chosenIndex.count
        lowCount = lowBounds.count
        let slots = attributeFacets * valueCount
        let total = pathCount + brandCount + lowCount + 1 + valueOfSet.count + chosenIndex.count + 2 * slots
        counters = Counters(count: total, lows: lowBounds)
        lows = counters.lows
        paths = counters.base
        brands = paths + pathCount
        priceRanges = brands + brandCount
        inStock = priceRanges + lowCount
        self.valueOfSet = inStock + 1
        self.valueOfSet.update(from: valueOfSet, count: valueOfSet.count)
        self.chosenIndex = self.valueOfSet + valueOfSet.count
        self.chosenIndex.update(from: chosenIndex, count: chosenIndex.count)
        attributeCounts = self.chosenIndex + chosenIndex.count
        lastCounted = attributeCounts + slots
        lastCounted.update(repeating: -1, count: slots)
    }

    /// The price range holding `price`, as a bit (none below the first bound).
    @inline(__always)
    func priceRange(of price: Int64) -> UInt32 {
        // The ranges run on from one another: the range is the last whose lower bound is reached.
        // Counted without a branch per bound: which bounds a price reaches is not predictable.
        var reached: UInt32 = 0
        for index in 0..<lowCount { reached &+= price >= lows[index] ? 1 : 0 }
        return reached == 0 ? 0 : 1 << (reached - 1)
    }

    /// A variant of product `ordinal` passing the price and stock filters, with `missing` chosen
    /// attributes unmet (`onlyMissing` which, when one): each attribute facet whose other chosen
    /// attributes it meets counts the product for its value, once.
    @inline(__always)
    func addAttributes(of set: Int, missing: Int32, onlyMissing: Int32, product ordinal: Int) {
        let stamp = Int32(truncatingIfNeeded: ordinal)
        for facet in 0..<attributeFacets {
            guard missing == 0 || (missing == 1 && onlyMissing == chosenIndex[facet]) else { continue }
            let value = valueOfSet[facet &* setCount &+ set]
            guard value >= 0 else { continue }
            let slot = facet &* valueCount &+ Int(value)
            // Without a branch: whether the product was counted for this value already is not
            // predictable.
            let counted: Int32 = lastCounted[slot] == stamp ? 0 : 1
            lastCounted[slot] = stamp
            attributeCounts[slot] &+= counted
        }
    }

    /// Whether the category facet was asked for.
    var countsCategories: Bool { pathCount > 0 }

    @inline(__always)
    func addCategory(_ path: Int32, products: Int32 = 1) {
        if pathCount > 0 { paths[Int(path)] &+= products }
    }

    @inline(__always)
    func addBrand(_ brand: Int32) {
        if brandCount > 0 { brands[Int(brand)] &+= 1 }
    }

    @inline(__always)
    func addPriceRanges(_ ranges: UInt32) {
        var bits = ranges
        while bits != 0 {
            priceRanges[bits.trailingZeroBitCount] &+= 1
            bits &= bits - 1
        }
    }

    @inline(__always)
    func addInStock() { inStock.pointee &+= 1 }

    /// The facets in the order asked: options with products, the most first (price ranges in
    /// their order), at most ``CatalogListing/maximumValues`` each.
    func facets() -> [CatalogReader.Facet] {
        // The counters are read through views: their owner must outlive every use of them,
        // the pass's included (which comes before this last use).
        withExtendedLifetime(counters) { counts() }
    }

    private func counts() -> [CatalogReader.Facet] {
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
                for (path, count) in UnsafeBufferPointer(start: paths, count: pathCount).enumerated() where count > 0 {
                    for level in snapshot.categoryPaths[path].levels { levels[Int(level)] += count }
                }
                add(levels) { snapshot.levels[Int32($0)] }
            case .brand: add(Array(UnsafeBufferPointer(start: brands, count: brandCount))) { snapshot.brandNames[Int32($0)] }
            case .inStock:
                if inStock.pointee > 0 { values.append(CatalogReader.FacetValue(value: "true", count: Int(inStock.pointee), from: nil, to: nil)) }
            case .attribute(let facet):
                add(Array(UnsafeBufferPointer(start: attributeCounts + facet * valueCount, count: valueCount))) { snapshot.attributeValues[Int32($0)] }
            case .price:
                for (index, count) in UnsafeBufferPointer(start: priceRanges, count: lowCount).enumerated() where count > 0 {
                    let high = highs[index] == Int64.max ? nil : highs[index]
                    values.append(CatalogReader.FacetValue(
                        value: "\(lowBounds[index])-\(high.map(String.init) ?? "")", count: Int(count),
                        from: Money(lowBounds[index], currency), to: high.map { Money($0, currency) }
                    ))
                }
                return CatalogReader.Facet(name: name.text, values: Array(values.prefix(CatalogListing.maximumValues)))
            }
            values.sort { $0.count != $1.count ? $0.count > $1.count : $0.value < $1.value }
            return CatalogReader.Facet(name: name.text, values: Array(values.prefix(CatalogListing.maximumValues)))
        }
    }
}
