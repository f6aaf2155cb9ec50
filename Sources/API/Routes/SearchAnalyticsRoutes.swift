import Aggregates
import EventStore
import Foundation
import Hummingbird
import Projections

/// `GET /admin/analytics/search`: what shoppers searched for over a period of UTC days — the
/// texts most searched and those that found nothing, the filter options most chosen — shown
/// only for texts typed by at least ``minimumSearchers`` different searchers (k-anonymity:
/// a text one shopper typed, perhaps their own name, is never shown; it counts in the totals).
struct SearchAnalyticsRoutes {
    static let minimumSearchers = 3

    let reader: SearchAnalyticsReader
    /// For the period's parameters, as the other reports take them.
    let analytics: AnalyticsReader
    /// Opens a searcher's sealed copy of a text.
    let vault: PersonalDataVault
    let readYourWrites: ReadYourWrites

    struct Query: Codable, Sendable {
        let query: String
        let searches: Int64
        let zeroResults: Int64
        let searchers: Int64
    }

    struct Report: Codable, Sendable {
        let from: String
        let to: String
        let minimumSearchers: Int
        let totals: SearchAnalyticsReader.Totals
        let topQueries: [Query]
        let zeroResultQueries: [Query]
        let popularFilters: [SearchAnalyticsReader.Filter]
        /// Texts searched in the period but not shown: too few searchers typed them, or every
        /// searcher's copy was erased.
        let withheldQueries: Int64
    }

    func addRoutes(admin: RouterGroup<CommerceRequestContext>) {
        admin.get("analytics/search") { request, _ -> JSONBody<Report> in
            try await readYourWrites.wait(request, projection: SearchAnalyticsProjection())
            let query = request.uri.queryParameters
            if query["tz"] != nil {
                throw Problem.badRequest("invalid_parameter", "search analytics counts UTC days: tz is not taken", field: "tz")
            }
            let period = try await ReportPeriod.parse(query, reader: analytics)
            let limit = try QueryParameters.limit(query["limit"])
            let figures = try await reader.figures(from: period.from, to: period.to, limit: limit, minimumSearchers: Self.minimumSearchers)
            var erased: Set<String> = []
            func shown(_ rows: [SearchAnalyticsReader.Query]) async throws -> [Query] {
                var shown: [Query] = []
                for row in rows {
                    guard let text = try await open(row.sealedCopies) else {
                        erased.insert(row.digest)
                        continue
                    }
                    shown.append(Query(query: text, searches: row.searches, zeroResults: row.zeroResults, searchers: row.searchers))
                }
                return shown
            }
            let top = try await shown(figures.queries)
            let zero = try await shown(figures.zeroResultQueries)
            return JSONBody(Report(
                from: period.from, to: period.to, minimumSearchers: Self.minimumSearchers, totals: figures.totals, topQueries: top,
                zeroResultQueries: zero, popularFilters: figures.filters, withheldQueries: figures.withheldQueries + Int64(erased.count)
            ))
        }
    }

    /// The text of the first copy that opens; nil when every searcher's key was erased.
    private func open(_ copies: [String]) async throws -> String? {
        for copy in copies {
            guard copy.hasPrefix(PersonalDataVault.sealedPrefix) else { return copy }
            let text = try await vault.open(copy)
            if text != PersonalDataVault.erased, text != PersonalDataVault.unreadable { return SearchQuery.normalized(text) }
        }
        return nil
    }
}
