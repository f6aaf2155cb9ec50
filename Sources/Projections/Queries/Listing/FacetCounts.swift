import Aggregates

/// A listing's facet counts as the pass over the products adds to them (``CatalogListing``):
/// each product counted once per option it reaches, however many of its variants reach it.
struct FacetCounts {
    private enum Kind {
        case category, brand, price, inStock
        /// Which attribute facet (into `attributes`).
        case attribute(Int)
    }

    /// One attribute facet: per attribute set the value of the facet's attribute (-1: none), the
    /// attribute's place among the chosen ones (-1: not chosen), the count per value, and the
    /// values the current product reached.
    private struct AttributeFacet {
        let valueOfSet: [Int32]
        let chosenIndex: Int32
        var counts: [Int32]
        var reached: [Int32] = []
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
    private var attributes: [AttributeFacet] = []

    init(snapshot: CatalogSnapshot, names: [CatalogReader.FacetName], currency: Currency, chosenAttributes: [(name: String, values: Set<Int32>)]) {
        self.snapshot = snapshot
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
                attributes.append(AttributeFacet(
                    valueOfSet: snapshot.attributeSets.map { set in number.flatMap { set.value(of: $0) } ?? -1 },
                    chosenIndex: chosenAttributes.firstIndex { $0.name == attribute }.map(Int32.init) ?? -1,
                    counts: [Int32](repeating: 0, count: number == nil ? 0 : snapshot.attributeValues.count)
                ))
                kinds.append(.attribute(attributes.count - 1))
            }
        }
        self.kinds = kinds
    }

    /// The price range holding `price`, as a bit (none below the first bound).
    func priceRange(of price: Int64) -> UInt32 {
        for index in lows.indices where price >= lows[index] && price < highs[index] { return 1 << UInt32(index) }
        return 0
    }

    mutating func startProduct() {
        for index in attributes.indices where !attributes[index].reached.isEmpty { attributes[index].reached.removeAll(keepingCapacity: true) }
    }

    /// A variant passing the price and stock filters, with `missing` chosen attributes unmet
    /// (`onlyMissing` which, when one): each attribute facet whose other chosen attributes it
    /// meets reaches its value.
    mutating func addAttributes(of set: Int, missing: Int32, onlyMissing: Int32) {
        for index in attributes.indices {
            guard missing == 0 || (missing == 1 && onlyMissing == attributes[index].chosenIndex) else { continue }
            let value = attributes[index].valueOfSet[set]
            if value >= 0, !attributes[index].reached.contains(value) { attributes[index].reached.append(value) }
        }
    }

    /// Counts the attribute values the product reached.
    mutating func endProduct() {
        for index in attributes.indices {
            for value in attributes[index].reached { attributes[index].counts[Int(value)] += 1 }
        }
    }

    mutating func addCategory(_ path: Int32) {
        if !paths.isEmpty { paths[Int(path)] += 1 }
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
            case .attribute(let index): add(attributes[index].counts) { snapshot.attributeValues[Int32($0)] }
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
