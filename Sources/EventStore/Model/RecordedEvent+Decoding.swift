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

    /// Decodes the columns listed in ``columns``; nil when they are NULL (an outer join that
    /// found no event). The cells are taken in order from the row's iterator, each decoded as
    /// its concrete type: a random-access row copies every cell into an array first, and
    /// postgres-nio's tuple decoding runs unspecialised, and either made reading a fifth of the
    /// CPU of a rebuild.
    init?(row: PostgresRow) throws {
        var cells = row.makeIterator()
        guard let first = cells.next(), first.bytes != nil else { return nil }
        func next() -> PostgresCell {
            // Every statement that decodes events selects all twelve of ``columns``.
            cells.next()!
        }
        let position = try first.decode(Int64.self)
        let stream = try next().decode(String.self)
        let version = try next().decode(Int64.self)
        let id = try next().decode(UUID.self)
        let type = try next().decode(String.self)
        let schemaVersion = try next().decode(Int32.self)
        let data = try next().decode(String.self)
        let metadataJSON = try next().decode(String.self)
        let correlationID = try next().decode(UUID?.self)
        let causationID = try next().decode(UUID?.self)
        let actor = try next().decode(String?.self)
        let recordedAt = try next().decode(Date.self)
        self.init(
            position: position,
            stream: StreamName(trusted: stream),
            version: version,
            id: id,
            type: type,
            schemaVersion: schemaVersion,
            data: data,
            metadata: EventMetadata(correlationID: correlationID, causationID: causationID, actor: actor, extraJSON: metadataJSON),
            recordedAt: recordedAt
        )
    }

    static func decodeAll(_ rows: some AsyncSequence<PostgresRow, any Error> & Sendable) async throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        for try await row in rows {
            if let event = try RecordedEvent(row: row) { events.append(event) }
        }
        return events
    }
}
