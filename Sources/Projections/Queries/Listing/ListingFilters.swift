/// A listing's filters worked out once per request over a snapshot's small tables — which
/// category paths, brands and attribute sets pass — so that the pass over the products compares
/// numbers (``CatalogListing``).
struct ListingFilters {
    /// Per category path of the snapshot: under one of the chosen categories (all, with none chosen).
    let pathHolds: [Bool]
    /// Per brand of the snapshot: one of those chosen (all, with none chosen).
    let brandHolds: [Bool]
    /// Products without a brand pass only when no brand is chosen.
    let noBrandHolds: Bool
    /// The chosen attributes, by name, each with the numbers of its chosen values (a value no
    /// variant has is left out: it matches nothing).
    let chosenAttributes: [(name: String, values: Set<Int32>)]
    /// Per attribute set: how many chosen attributes it lacks or has another value of…
    let missing: [Int32]
    /// …and when that is one, which (its place in ``chosenAttributes``; else -1).
    let onlyMissing: [Int32]
    /// Lower (inclusive) and upper (exclusive) bounds in minor units.
    let priceRanges: [(low: Int64, high: Int64)]
    let minimumRatingTenths: Int64?

    init(snapshot: CatalogSnapshot, search: CatalogReader.Search) {
        let chosenPaths = search.categories.map { $0.joined(separator: "/") + "/" }
        pathHolds = snapshot.categoryPaths.map { path in chosenPaths.isEmpty || chosenPaths.contains { path.prefixText.hasPrefix($0) } }
        let chosenBrands = Set(search.brands)
        brandHolds = snapshot.brandNames.strings.map { chosenBrands.isEmpty || chosenBrands.contains($0) }
        noBrandHolds = chosenBrands.isEmpty
        let chosen = search.attributes.sorted { $0.key < $1.key }.map { name, values in
            (name: name, values: Set(values.compactMap { snapshot.attributeValues.existing($0) }))
        }
        chosenAttributes = chosen
        let chosenNames = chosen.map { snapshot.attributeNames.existing($0.name) }
        var missing: [Int32] = [], onlyMissing: [Int32] = []
        for set in snapshot.attributeSets {
            var count: Int32 = 0, which: Int32 = -1
            for (index, attribute) in chosen.enumerated() {
                let value = chosenNames[index].flatMap { set.value(of: $0) }
                if value.map({ !attribute.values.contains($0) }) ?? true {
                    count += 1
                    which = Int32(index)
                }
            }
            missing.append(count)
            onlyMissing.append(count == 1 ? which : -1)
        }
        self.missing = missing
        self.onlyMissing = onlyMissing
        priceRanges = search.priceRanges.map { (low: $0.from ?? 0, high: $0.to ?? .max) }
        minimumRatingTenths = search.minimumRatingTenths.map(Int64.init)
    }

    @inline(__always)
    func priceHolds(_ price: Int64) -> Bool {
        if priceRanges.isEmpty { return true }
        for range in priceRanges where price >= range.low && price < range.high { return true }
        return false
    }

    /// An average shown rounded half up to tenths of a star, at least the minimum:
    /// (20·sum + count) ≥ 2·count·tenths; products without ratings pass only without a minimum.
    func ratingHolds(sum: Int64, count: Int64) -> Bool {
        guard let tenths = minimumRatingTenths else { return true }
        return count > 0 && 20 * sum + count >= 2 * count * tenths
    }
}
