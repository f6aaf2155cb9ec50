import Foundation
import PostgresNIO

extension RecordedEvent {
    /// The `events` columns a ``RecordedEvent`` is decoded from, in order.
    static let columns = columns(nil)

    static func columns(_ alias: String?) -> String {
        let prefix = alias.map { "\($0)." } ?? ""
        return ["global_position", "stream_name", "stream_version", "event_id", "event_type", "schema_version",
                "data::text", "metadata::text", "correlation_id", "causation_id", "actor", "recorded_at"]
            .map { prefix + $0 }.joined(separator: ", ")
    }

    /// Decodes the columns listed in ``columns`` starting at `offset`; nil when they are NULL
    /// (an outer join that found no event).
    init?(row: PostgresRandomAccessRow, offset: Int = 0) throws {
        guard let position = try row[offset].decode(Int64?.self) else { return nil }
        let metadataJSON = try row[offset + 7].decode(String.self)
        self.init(
            position: position,
            stream: StreamName(trusted: try row[offset + 1].decode(String.self)),
            version: try row[offset + 2].decode(Int64.self),
            id: try row[offset + 3].decode(UUID.self),
            type: try row[offset + 4].decode(String.self),
            schemaVersion: try row[offset + 5].decode(Int32.self),
            data: try row[offset + 6].decode(String.self),
            metadata: EventMetadata(
                correlationID: try row[offset + 8].decode(UUID?.self),
                causationID: try row[offset + 9].decode(UUID?.self),
                actor: try row[offset + 10].decode(String?.self),
                extraJSON: metadataJSON
            ),
            recordedAt: try row[offset + 11].decode(Date.self)
        )
    }

    static func decodeAll(_ rows: some AsyncSequence<PostgresRow, any Error> & Sendable) async throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        for try await row in rows {
            if let event = try RecordedEvent(row: row.makeRandomAccess()) { events.append(event) }
        }
        return events
    }
}
