import Aggregates
import Foundation
import Hummingbird
import Projections

/// `GET /catalog/products`' query string as a ``CatalogReader/Search``, each bad value refused
/// with a problem naming its parameter. Options of one filter are given by repeating it
/// (`category=Home&category=Garden`); the filters combine with AND.
enum CatalogListingQuery {
    static let maximumOptions = 20
    static let maximumFacets = 10

    static func search(_ query: Parameters) throws -> CatalogReader.Search {
        var search = CatalogReader.Search()
        search.text = try QueryParameters.text(query["q"], "q")
        // A path of names joined by '/'; one with no name (just slashes) filters nothing.
        search.categories = try options(query, "category").compactMap { path in
            let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
            return segments.isEmpty ? nil : segments
        }
        search.brands = try options(query, "brand")
        for option in try options(query, "attribute") {
            guard let colon = option.firstIndex(of: ":"), colon != option.startIndex, option.index(after: colon) != option.endIndex else {
                throw Problem.badRequest("invalid_parameter", "attribute is name:value (size:M); repeat it for more options", field: "attribute")
            }
            search.attributes[String(option[..<colon]), default: []].append(String(option[option.index(after: colon)...]))
        }
        search.priceRanges = try options(query, "price").map(priceRange)
        search.inStockOnly = try QueryParameters.flag(query["inStock"], "inStock")
        search.currency = try QueryParameters.currency(query["currency"])
        if let sort = query["sort"] {
            guard let value = CatalogReader.Sort(rawValue: String(sort)) else {
                throw Problem.badRequest("invalid_parameter", "sort must be one of \(CatalogReader.Sort.allCases.map(\.rawValue).joined(separator: ", "))", field: "sort")
            }
            search.sort = value
        }
        if let text = query["minRating"] {
            // One decimal at most, 0 to 5: compared with the average as shown.
            guard let value = Decimal(string: String(text)), value >= 0, value <= 5, text.count <= 4,
                  let tenths = Int(exactly: NSDecimalNumber(decimal: value * 10)) else {
                throw Problem.badRequest("invalid_parameter", "minRating is a rating from 0 to 5 with at most one decimal (4.5)", field: "minRating")
            }
            search.minimumRatingTenths = tenths
        }
        if let facets = try QueryParameters.text(query["facets"], "facets") {
            let names = facets.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard names.count <= maximumFacets, names.allSatisfy({ !$0.isEmpty && $0.count <= 100 }) else {
                throw Problem.badRequest(
                    "invalid_parameter", "facets is a comma-separated list of up to \(maximumFacets) names: category, brand, price, inStock or a variant attribute",
                    field: "facets"
                )
            }
            var seen = Set<String>()
            search.facets = names.filter { seen.insert($0).inserted }.map(CatalogReader.FacetName.init)
        }
        search.limit = try QueryParameters.limit(query["limit"])
        search.cursor = try QueryParameters.text(query["cursor"], "cursor")
        // A client waiting for its own write also gets the catalog's words read afresh.
        search.fresh = query["minPosition"] != nil
        return search
    }

    /// The values of a repeatable parameter, each checked as text.
    /// The filter options a search chose, as search analytics counts them (``SearchPerformed/filters``).
    static func filterOptions(_ search: CatalogReader.Search) -> [String] {
        var options = search.categories.map { "category:\($0.joined(separator: "/"))" } + search.brands.map { "brand:\($0)" }
        options += search.attributes.sorted { $0.key < $1.key }.flatMap { name, values in values.map { "\(name):\($0)" } }
        options += search.priceRanges.map { "price:\(search.currency.code):\($0.from.map(String.init) ?? "")-\($0.to.map(String.init) ?? "")" }
        if search.inStockOnly { options.append("inStock") }
        if let tenths = search.minimumRatingTenths { options.append("minRating:\(tenths / 10).\(tenths % 10)") }
        return Array(options.prefix(50))
    }

    static func options(_ query: Parameters, _ name: String) throws -> [String] {
        let values = query.getAll(name)
        guard values.count <= maximumOptions else {
            throw Problem.badRequest("invalid_parameter", "at most \(maximumOptions) \(name) options", field: name)
        }
        return try values.map { try QueryParameters.text(Substring($0), name, maxLength: 200)! }
    }

    /// `from-to` in minor units, to exclusive; either side may be left open (`-1000`, `5000-`).
    /// Each bound is 1 to 15 digits; a range whose end is not past its start holds no price.
    private static func priceRange(_ text: String) throws -> CatalogReader.PriceRange {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        func bound(_ part: Substring) -> Int64?? {
            if part.isEmpty { return .some(nil) }
            guard part.count <= 15, part.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(part) else { return nil }
            return .some(value)
        }
        guard parts.count == 2, let from = bound(parts[0]), let to = bound(parts[1]), from != nil || to != nil else {
            throw Problem.badRequest(
                "invalid_parameter", "price is a range of minor units from-to (to excluded; either may be left out: 1000-2500, 5000-)", field: "price"
            )
        }
        return CatalogReader.PriceRange(from: from, to: to)
    }
}
