import Foundation
import PostgresNIO

extension PostgresEventStore {
    /// The `events` columns an audit reads (raw: their text is made client-side), for
    /// benchmarks measuring what merely reading them costs.
    public static var auditColumns: String { CanonicalPage.columns }

    /// Reads the events of `scope` in global order, as their hashes cover them, a page at a time;
    /// the next page is read while `body` works on this one.
    /// - Returns: the last position the scope covered (the head when it had no upper bound).
    @discardableResult
    func scanCanonical(_ scope: AuditScope, pageSize: Int = 10_000, _ body: (CanonicalPage) async throws -> Void) async throws -> Int64 {
        let end = try await lastPosition(of: scope)
        guard scope.fromPosition <= end else { return end }
        var page = try await canonicalPage(scope, after: scope.fromPosition - 1, upTo: end, limit: pageSize)
        while !page.isEmpty {
            let full = page.count == pageSize
            let after = page.positions[page.count - 1]
            async let next = full ? canonicalPage(scope, after: after, upTo: end, limit: pageSize) : CanonicalPage(capacity: 0)
            try await body(page)
            page = try await next
        }
        return end
    }

    private func canonicalPage(_ scope: AuditScope, after: Int64, upTo upper: Int64, limit: Int) async throws -> CanonicalPage {
        var bindings = PostgresBindings()
        var conditions = ["global_position > $1", "global_position <= $2"]
        bindings.append(after)
        bindings.append(upper)
        if let stream = scope.stream {
            bindings.append(stream.rawValue)
            conditions.append("stream_name = $\(bindings.count)")
        } else if let category = scope.category {
            bindings.append(category)
            conditions.append("stream_category = $\(bindings.count)")
        }
        if let fromTime = scope.fromTime {
            bindings.append(fromTime)
            conditions.append("recorded_at >= $\(bindings.count)")
        }
        if let toTime = scope.toTime {
            bindings.append(toTime)
            conditions.append("recorded_at <= $\(bindings.count)")
        }
        let sql = "SELECT \(CanonicalPage.columns) FROM events WHERE \(conditions.joined(separator: " AND ")) ORDER BY global_position LIMIT \(limit)"
        var page = CanonicalPage(capacity: limit)
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger) {
            try page.append(row)
        }
        return page
    }

    /// Where a scope ends: its upper bound, else the newest position handed out (committed or not).
    func lastPosition(of scope: AuditScope) async throws -> Int64 {
        if let last = scope.toPosition { return last }
        return try await client.withWatchedConnection { try await Self.sequenceHead($0, logger: self.logger) }
    }

    /// Each stream's last event before a version: the link a scope starting mid-log chains to.
    /// A stream without one (its start, or its earlier events deleted) is left out.
    func links(before streams: [(stream: String, version: Int64)]) async throws -> [String: ChainWalker.Link] {
        guard !streams.isEmpty else { return [:] }
        let rows = try await client.query(
            """
            SELECT s.name, p.stream_version, p.hash
            FROM unnest(\(streams.map(\.stream))::text[], \(streams.map(\.version))::bigint[]) AS s(name, version)
            CROSS JOIN LATERAL (
                SELECT stream_version, hash FROM events
                WHERE stream_name = s.name AND stream_version < s.version ORDER BY stream_version DESC LIMIT 1
            ) p
            """,
            logger: logger
        )
        var links: [String: ChainWalker.Link] = [:]
        for try await (name, version, hash) in rows.decode((String, Int64, ByteBuffer).self) {
            links[name] = .init(version: version, hash: ChainHash(hash.readableBytesView) ?? .genesis)
        }
        return links
    }
}
