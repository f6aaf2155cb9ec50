import Logging
import PostgresNIO

/// Versions missing from a stream as a reader has it: those after `after` and before `before`.
/// A consumer that receives a stream's event `before` while it last saw `after` (a lost or
/// truncated topic, a partition re-read out of turn) fetches the gap from the store first.
public struct StreamGap: Sendable, Hashable {
    public let stream: String
    public let after: Int64
    public let before: Int64

    public init(stream: String, after: Int64, before: Int64) {
        self.stream = stream
        self.after = after
        self.before = before
    }
}

extension PostgresEventStore {
    /// The events filling `gaps`, those above `position` only, in global order, read on the
    /// caller's connection (inside its transaction).
    public static func events(filling gaps: [StreamGap], above position: Int64, on connection: PostgresConnection, logger: Logger) async throws -> [RecordedEvent] {
        guard !gaps.isEmpty else { return [] }
        let rows = try await connection.query(
            """
            SELECT \(unescaped: RecordedEvent.columns("e"))
            FROM unnest(\(gaps.map(\.stream))::text[], \(gaps.map(\.after))::bigint[], \(gaps.map(\.before))::bigint[]) AS g(stream, after, before)
            JOIN events e ON e.stream_name = g.stream AND e.stream_version > g.after AND e.stream_version < g.before
            WHERE e.global_position > \(position)
            ORDER BY e.global_position
            """,
            logger: logger
        )
        return try await RecordedEvent.decodeAll(rows)
    }
}
