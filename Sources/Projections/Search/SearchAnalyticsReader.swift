import Foundation
import Logging
import PostgresNIO

/// The search report's figures (``SearchAnalyticsProjection``) for a period of UTC days. Texts
/// come as their searchers' sealed copies: the caller opens one (it holds the keys), and only
/// for texts typed by at least `minimumSearchers` different searchers.
public struct SearchAnalyticsReader: Sendable {
    public struct Totals: Sendable, Codable, Equatable {
        public let searches: Int64
        public let zeroResults: Int64
        /// Searches with text (the others only filtered).
        public let withText: Int64
    }

    /// One text's figures, and up to five sealed copies of it, most recent searchers first.
    public struct Query: Sendable, Equatable {
        public let digest: String
        public let searches: Int64
        public let zeroResults: Int64
        /// Different searchers who ever typed it.
        public let searchers: Int64
        public let sealedCopies: [String]
    }

    public struct Filter: Sendable, Codable, Equatable {
        public let filter: String
        public let searches: Int64
        public let zeroResults: Int64
    }

    public struct Figures: Sendable, Equatable {
        public let totals: Totals
        /// By searches, most first.
        public let queries: [Query]
        /// Texts that found nothing at least once, by such searches, most first.
        public let zeroResultQueries: [Query]
        public let filters: [Filter]
        /// Texts searched in the period that too few searchers typed to be shown.
        public let withheldQueries: Int64
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// - Parameters: `from` and `to` are UTC days (YYYY-MM-DD), both included.
    public func figures(from: String, to: String, limit: Int, minimumSearchers: Int) async throws -> Figures {
        var totals = Totals(searches: 0, zeroResults: 0, withText: 0)
        let totalRows = try await client.query(
            """
            SELECT coalesce(sum(searches), 0)::bigint, coalesce(sum(zero_results), 0)::bigint, coalesce(sum(with_text), 0)::bigint
            FROM search_days WHERE day BETWEEN \(from)::date AND \(to)::date
            """,
            logger: logger
        )
        for try await (searches, zero, text) in totalRows.decode((Int64, Int64, Int64).self) {
            totals = Totals(searches: searches, zeroResults: zero, withText: text)
        }
        let top = try await queries(from: from, to: to, limit: limit, minimumSearchers: minimumSearchers, zeroResultsOnly: false)
        let zeroResult = try await queries(from: from, to: to, limit: limit, minimumSearchers: minimumSearchers, zeroResultsOnly: true)
        var filters: [Filter] = []
        let filterRows = try await client.query(
            """
            SELECT filter, sum(searches)::bigint, sum(zero_results)::bigint FROM search_filters
            WHERE day BETWEEN \(from)::date AND \(to)::date GROUP BY filter ORDER BY 2 DESC, filter LIMIT \(limit)
            """,
            logger: logger
        )
        for try await (filter, searches, zero) in filterRows.decode((String, Int64, Int64).self) {
            filters.append(Filter(filter: filter, searches: searches, zeroResults: zero))
        }
        var withheld: Int64 = 0
        let withheldRows = try await client.query(
            """
            SELECT count(*)::bigint FROM (SELECT DISTINCT query_digest FROM search_queries WHERE day BETWEEN \(from)::date AND \(to)::date) searched
            WHERE (SELECT count(*) FROM search_query_searchers s WHERE s.query_digest = searched.query_digest) < \(minimumSearchers)
            """,
            logger: logger
        )
        for try await count in withheldRows.decode(Int64.self) { withheld = count }
        return Figures(totals: totals, queries: top, zeroResultQueries: zeroResult, filters: filters, withheldQueries: withheld)
    }

    private func queries(from: String, to: String, limit: Int, minimumSearchers: Int, zeroResultsOnly: Bool) async throws -> [Query] {
        let rows = try await client.query(
            """
            SELECT p.query_digest, p.searches, p.zero_results, p.searchers,
                   ARRAY(SELECT s.sealed_query FROM search_query_searchers s WHERE s.query_digest = p.query_digest
                         ORDER BY s.last_day DESC, s.searcher LIMIT 5)
            FROM (
              SELECT q.query_digest, sum(q.searches)::bigint AS searches, sum(q.zero_results)::bigint AS zero_results,
                     (SELECT count(*) FROM search_query_searchers s WHERE s.query_digest = q.query_digest)::bigint AS searchers
              FROM search_queries q WHERE q.day BETWEEN \(from)::date AND \(to)::date GROUP BY q.query_digest
            ) p
            WHERE p.searchers >= \(minimumSearchers) AND (NOT \(zeroResultsOnly) OR p.zero_results > 0)
            ORDER BY CASE WHEN \(zeroResultsOnly) THEN p.zero_results ELSE p.searches END DESC, p.query_digest
            LIMIT \(limit)
            """,
            logger: logger
        )
        var found: [Query] = []
        for try await (digest, searches, zero, searchers, copies) in rows.decode((String, Int64, Int64, Int64, [String]).self) {
            found.append(Query(digest: digest, searches: searches, zeroResults: zero, searchers: searchers, sealedCopies: copies))
        }
        return found
    }
}
