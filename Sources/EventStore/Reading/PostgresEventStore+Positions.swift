import PostgresNIO

extension PostgresEventStore {
    /// The events at these global positions, in global order (positions with no event are left
    /// out): how parked events are fetched again for a retry.
    public func events(at positions: [Int64]) async throws -> [RecordedEvent] {
        guard !positions.isEmpty else { return [] }
        let rows = try await client.query(
            "SELECT \(unescaped: RecordedEvent.columns) FROM events WHERE global_position = ANY(\(positions)) ORDER BY global_position",
            logger: logger
        )
        return try await RecordedEvent.decodeAll(rows)
    }
}
