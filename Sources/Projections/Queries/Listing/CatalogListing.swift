import Aggregates

/// One listing over a ``CatalogSnapshot``: the products that pass the filters, one page of them in
/// the sort's order after the cursor, and the facets' counts — in one pass over the products (the
/// text's matches only, when there is text).
///
/// The rules: product filters (text, categories, brands, rating) hold for the product; variant
/// filters (attributes, price ranges, in stock) must all hold for one and the same variant,
/// priced in the currency. Within a filter the options are alternatives (size M or L; either
/// price range); the filters combine with AND. A facet counts, for each option, the products the
/// listing would hold with that option chosen in place of the facet's own filter, every other
/// filter kept — so options of one facet are alternatives, and choosing one lists exactly its
/// count.
struct CatalogListing {
    let snapshot: CatalogSnapshot
    let search: CatalogReader.Search
    let sort: CatalogReader.Sort
    /// For a search with text: the matching products (by number) and their relevance keys
    /// (`ts_rank` in millionths). Nil without text.
    let matches: [TextMatches.Match]?

    /// At most this many options per facet, the most products first.
    static let maximumValues = 100
    /// Price range bounds in major units; each range runs to the next bound, the last is open.
    static let priceBounds: [Int64] = [0, 10, 25, 50, 100, 250, 500, 1000]

    struct Result {
        /// The page's products and their sort keys as cursors carry them.
        var page: [(id: String, key: String)]
        /// More products follow the page.
        var more: Bool
        /// The facets asked for, in the order asked.
        var facets: [CatalogReader.Facet]
    }

    /// The listing after `cursor` (the last row's sort key as text and its id), `limit` at a time.
    func run(limit: Int, after cursor: (key: String, id: String)?) -> Result {
        guard let column = snapshot.currencies.firstIndex(of: search.currency.code) else {
            // No variant has a price in the currency: nothing is listed or counted.
            return Result(page: [], more: false, facets: search.facets.map { CatalogReader.Facet(name: $0.text, values: []) })
        }
        let priceOffset = 2 + column
        let stride = snapshot.stride
        let filters = ListingFilters(snapshot: snapshot, search: search)
        let facets = FacetCounts(snapshot: snapshot, names: search.facets, currency: search.currency, chosenAttributes: filters.chosenAttributes)
        let counting = !search.facets.isEmpty
        var order = ListingOrder(sort: sort, limit: limit + 1, cursor: cursor, snapshot: snapshot)
        let inStockOnly = search.inStockOnly, rated = filters.minimumRatingTenths != nil
        let noBrandHolds = filters.noBrandHolds
        let byName = sort == .name, namePrefixes = snapshot.namePrefixes
        let pricedIn = snapshot.pricedIn, currencyBit: UInt32 = column < 32 ? 1 << UInt32(column) : 0
        let onlyCurrency = column < 32 && filters.chosenAttributes.isEmpty && filters.priceRanges.isEmpty && !search.inStockOnly
        let visited = productsToVisit(filters: filters, column: column, priceOffset: priceOffset, onlyCurrency: onlyCurrency, facets: facets)
        // The columns through unchecked pointers: the pass reads a few numbers of every product
        // and every variant, and bounds checks and reference counts would cost more than that.
        withUnsafeBuffers(
            snapshot.summaries, snapshot.variants, filters.pathHolds, filters.brandHolds, filters.missing, filters.onlyMissing
        ) { summaries, variants, pathHolds, brandHolds, missingOfSet, onlyMissingOfSet in
            // One loop, no nested function: the counts and the page are updated in place, not
            // through a closure's captured box (each access of which is checked at run time).
            let matched = matches ?? [], texted = matches != nil
            let chosenProducts = visited ?? [], visitsChosen = visited != nil
            if texted {
                // A search's matches lie anywhere in the catalog: each one's summary and variants
                // are cache misses, which the loop below, with its counting between them, would
                // wait for one at a time. A loop that only reads them lets the processor fetch
                // many at once, and the loop below then finds them in cache.
                var read: Int64 = 0
                for match in matched {
                    let product = summaries[Int(match.ordinal)]
                    var at = Int(product.variantStart) * stride
                    let end = at + Int(product.variantCount) * stride
                    while at < end {
                        read &+= variants[at]
                        at += 8  // one read per 64-byte line
                    }
                }
                keep(read)
            }
            for position in 0..<(texted ? matched.count : visitsChosen ? chosenProducts.count : snapshot.count) {
                let ordinal = texted ? Int(matched[position].ordinal) : visitsChosen ? Int(chosenProducts[position]) : position
                let relevance = texted ? matched[position].relevance : 0
                let product = summaries[ordinal]
                guard product.listed else { continue }
                guard !rated || filters.ratingHolds(sum: snapshot.ratingSums[ordinal], count: snapshot.ratingCounts[ordinal]) else { continue }
                let categoryHolds = pathHolds[Int(product.path)]
                let brand = product.brand
                let brandHolds = brand < 0 ? noBrandHolds : brandHolds[Int(brand)]
                guard counting || (categoryHolds && brandHolds) else { continue }
                // Only a product that passes the category and brand filters counts its variants'
                // options; any other needs just whether one variant passes.
                let countsVariants = counting && categoryHolds && brandHolds
                // Whether a variant passes every variant filter; whether one also in stock does.
                var variantHolds = false, variantInStock = false
                var priceRanges: UInt32 = 0
                let first = Int(product.variantStart), end = first + Int(product.variantCount)
                if !countsVariants, onlyCurrency {
                    // No variant filter but the currency: the product's summary says, without
                    // reading its variants (the memory they take is what this pass costs).
                    variantHolds = pricedIn[ordinal] & currencyBit != 0
                } else if !countsVariants {
                    // Only whether one variant passes: the cheapest test first, the first pass ends it.
                    for variant in first..<end where missingOfSet[Int(variants[variant * stride])] == 0 {
                        let base = variant * stride
                        let price = variants[base + priceOffset]
                        if price != CatalogSnapshot.noPrice, !inStockOnly || variants[base + 1] > 0, filters.priceHolds(price) {
                            variantHolds = true
                            break
                        }
                    }
                } else {
                    for variant in first..<end {
                        let base = variant * stride
                        let price = variants[base + priceOffset]
                        if price != CatalogSnapshot.noPrice {
                            let set = Int(variants[base]), available = variants[base + 1]
                            let missing = missingOfSet[set]
                            let priceHolds = filters.priceHolds(price)
                            let stockHolds = !inStockOnly || available > 0
                            if missing == 0, priceHolds {
                                if stockHolds { variantHolds = true }
                                if available > 0 { variantInStock = true }
                            }
                            if missing == 0, stockHolds { priceRanges |= facets.priceRange(of: price) }
                            if priceHolds, stockHolds { facets.addAttributes(of: set, missing: missing, onlyMissing: onlyMissingOfSet[set], product: ordinal) }
                        }
                    }
                }
                if counting {
                    if brandHolds, variantHolds { facets.addCategory(product.path) }
                    if categoryHolds, variantHolds, brand >= 0 { facets.addBrand(brand) }
                    if countsVariants {
                        facets.addPriceRanges(priceRanges)
                        if variantInStock { facets.addInStock() }
                    }
                }
                if categoryHolds, brandHolds, variantHolds {
                    if byName {
                        // Most names are placed, or turned away, by their first bytes alone.
                        let prefix = namePrefixes[ordinal]
                        if !order.rejects(namePrefix: prefix) { order.offer(ordinal, key: Int64(bitPattern: prefix)) }
                    } else {
                        order.offer(ordinal, key: key(of: ordinal, relevance: relevance, priceOffset: priceOffset))
                    }
                }
            }
        }
        let chosen = order.chosen
        let page = chosen.prefix(limit).map { (id: snapshot.ids[Int($0.ordinal)], key: order.keyText(of: $0)) }
        return Result(page: page, more: chosen.count > limit, facets: counting ? facets.facets() : [])
    }

    /// Without text, when some categories are chosen: the products of those categories only —
    /// every other product counts in the category facet alone, which is found without visiting
    /// each: when nothing else is filtered but the currency, from the index's count of priced
    /// products per category; when the chosen attributes are met by few variants, from those
    /// variants (``CatalogSnapshot/setMembers``). Nil: visit every product (or the text's matches).
    private func productsToVisit(filters: ListingFilters, column: Int, priceOffset: Int, onlyCurrency: Bool, facets: FacetCounts) -> [Int32]? {
        guard matches == nil, filters.pathHolds.contains(false) else { return nil }
        let chosenPaths = snapshot.pathMembers.indices.filter { filters.pathHolds[$0] }
        if facets.countsCategories {
            if onlyCurrency, search.brands.isEmpty, filters.minimumRatingTenths == nil {
                let counts = snapshot.pricedPathCounts[column]
                for path in counts.indices where !filters.pathHolds[path] { facets.addCategory(Int32(path), products: counts[path]) }
            } else {
                guard !filters.chosenAttributes.isEmpty else { return nil }
                let sets = filters.missing.indices.filter { filters.missing[$0] == 0 && $0 < snapshot.setMembers.count }
                let variants = sets.reduce(0) { $0 + snapshot.setMembers[$1].count }
                let chosen = chosenPaths.reduce(0) { $0 + snapshot.pathMembers[$1].count }
                // Worth it when those variants are fewer than the other products (each of which a
                // visit would read at least one variant of).
                guard variants < snapshot.count - chosen else { return nil }
                countOtherCategories(variantsOf: sets, filters: filters, priceOffset: priceOffset, facets: facets)
            }
        }
        return chosenPaths.flatMap { snapshot.pathMembers[$0] }
    }

    /// The category facet's counts of the categories not chosen, from the variants of `sets` (the
    /// attribute sets meeting every chosen attribute): each product with such a variant that
    /// passes the other filters, once.
    private func countOtherCategories(variantsOf sets: [Int], filters: ListingFilters, priceOffset: Int, facets: FacetCounts) {
        var counted = [UInt64](repeating: 0, count: (snapshot.count + 63) / 64)
        let stride = snapshot.stride, inStockOnly = search.inStockOnly
        for set in sets {
            for variant in snapshot.setMembers[set] {
                let ordinal = Int(snapshot.variantProducts[Int(variant)])
                guard ordinal >= 0, snapshot.summaries[ordinal].listed, counted[ordinal >> 6] & (1 << UInt64(ordinal & 63)) == 0 else { continue }
                let path = snapshot.summaries[ordinal].path, brand = snapshot.summaries[ordinal].brand
                guard !filters.pathHolds[Int(path)], brand < 0 ? filters.noBrandHolds : filters.brandHolds[Int(brand)],
                      filters.ratingHolds(sum: snapshot.ratingSums[ordinal], count: snapshot.ratingCounts[ordinal]) else { continue }
                let base = Int(variant) * stride
                let price = snapshot.variants[base + priceOffset]
                guard price != CatalogSnapshot.noPrice, !inStockOnly || snapshot.variants[base + 1] > 0, filters.priceHolds(price) else { continue }
                counted[ordinal >> 6] |= 1 << UInt64(ordinal & 63)
                facets.addCategory(path)
            }
        }
    }

    /// The product's sort key: the text's relevance, its lowest price in the currency (any
    /// variant), its position, its average rating in millionths of a star, or its orders (the
    /// name sort's is its name's prefix).
    private func key(of ordinal: Int, relevance: Int64, priceOffset: Int) -> Int64 {
        switch sort {
        case .relevance: return relevance
        case .name: return Int64(bitPattern: snapshot.namePrefixes[ordinal])
        case .price, .priceDescending:
            var lowest = Int64.max
            let start = Int(snapshot.summaries[ordinal].variantStart)
            for variant in start..<(start + Int(snapshot.summaries[ordinal].variantCount)) {
                let price = snapshot.variants[variant * snapshot.stride + priceOffset]
                if price != CatalogSnapshot.noPrice { lowest = min(lowest, price) }
            }
            return lowest
        case .newest: return snapshot.positions[ordinal]
        case .rating:
            let count = snapshot.ratingCounts[ordinal]
            return count > 0 ? snapshot.ratingSums[ordinal] * 1_000_000 / count : 0
        case .popularity: return snapshot.orders[ordinal]
        }
    }
}

/// Uses a value the optimizer must then compute: the reads ahead of the listing's pass.
@_optimize(none)
private func keep(_ value: Int64) {}

/// Runs `body` with unchecked views of six arrays (the listing's columns).
private func withUnsafeBuffers<A, B, C, D, E, F>(
    _ a: [A], _ b: [B], _ c: [C], _ d: [D], _ e: [E], _ f: [F],
    _ body: (UnsafeBufferPointer<A>, UnsafeBufferPointer<B>, UnsafeBufferPointer<C>, UnsafeBufferPointer<D>, UnsafeBufferPointer<E>, UnsafeBufferPointer<F>) -> Void
) {
    a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeBufferPointer { c in
        d.withUnsafeBufferPointer { d in e.withUnsafeBufferPointer { e in f.withUnsafeBufferPointer { f in body(a, b, c, d, e, f) } } }
    } } }
}
