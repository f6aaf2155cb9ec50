import Logging
import PostgresNIO

/// The rows in which a read model built side by side (``ProjectionRebuilder/build(_:into:upTo:)``)
/// differs from the live one, table by table: what new code, or history up to a position, would
/// change. Rows compare as wholes (every column, as JSON).
public struct ReadModelDiff: Sendable {
    public struct TableDifference: Sendable {
        public let table: String
        /// Rows only the live table has, and only the side build has.
        public let onlyLive: Int
        public let onlyReplay: Int
        /// Up to a few of each, as JSON objects.
        public let liveSamples: [String]
        public let replaySamples: [String]

        public var isEmpty: Bool { onlyLive == 0 && onlyReplay == 0 }
    }

    public let tables: [TableDifference]
    public var isEmpty: Bool { tables.allSatisfy(\.isEmpty) }

    /// Whether `name` may hold a side build: a plain lower-case identifier, not a system schema.
    public static func isValidSchemaName(_ name: String) -> Bool {
        let characters = Array(name.utf8)
        guard (1...63).contains(characters.count), let first = characters.first,
              first == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first),
              characters.allSatisfy({ $0 == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return false }
        return name != "public" && name != "information_schema" && !name.hasPrefix("pg_")
    }

    public static func compare(
        _ projection: any Projection, schema: String, samples: Int = 5, client: PostgresClient, logger: Logger
    ) async throws -> ReadModelDiff {
        precondition(isValidSchemaName(schema), "schema names are checked by the caller")
        var tables: [TableDifference] = []
        for table in projection.tables {
            let differing = """
                WITH live AS (SELECT to_jsonb(t) - 'changed' AS row FROM public.\(table) t),
                     side AS (SELECT to_jsonb(t) - 'changed' AS row FROM \(schema).\(table) t),
                     only_live AS (SELECT row FROM live EXCEPT ALL SELECT row FROM side),
                     only_side AS (SELECT row FROM side EXCEPT ALL SELECT row FROM live)
                """
            let counts = try await client.query(
                PostgresQuery(unsafeSQL: "\(differing) SELECT (SELECT count(*) FROM only_live), (SELECT count(*) FROM only_side)"), logger: logger
            ).decode((Int64, Int64).self).collectAll()
            let (onlyLive, onlyReplay) = counts.first ?? (0, 0)
            var liveSamples: [String] = []
            var replaySamples: [String] = []
            if onlyLive + onlyReplay > 0 {
                let rows = try await client.query(
                    PostgresQuery(unsafeSQL: """
                        \(differing)
                        (SELECT true, row::text FROM only_live ORDER BY 2 LIMIT \(samples))
                        UNION ALL (SELECT false, row::text FROM only_side ORDER BY 2 LIMIT \(samples))
                        """),
                    logger: logger
                ).decode((Bool, String).self).collectAll()
                liveSamples = rows.filter(\.0).map(\.1)
                replaySamples = rows.filter { !$0.0 }.map(\.1)
            }
            tables.append(TableDifference(table: table, onlyLive: Int(onlyLive), onlyReplay: Int(onlyReplay), liveSamples: liveSamples, replaySamples: replaySamples))
        }
        return ReadModelDiff(tables: tables)
    }
}
