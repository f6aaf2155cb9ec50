import Foundation
import NIOCore
import PostgresNIO

extension RecordedEvent {
    /// The `events` columns a ``RecordedEvent`` is decoded from, in order.
    static let columns = columns(nil)

    /// The fixed-size fields travel packed into one `bytea` (see ``init(row:)``), then the texts:
    /// six cells a row instead of twelve. Each cell costs postgres-nio a slice of the page's
    /// buffer, a copy of its column's name and their reference counts, and reading a page's rows
    /// was a quarter of the CPU of a recommendations rebuild; packing costs PostgreSQL nothing
    /// measurable (`COPY … (FORMAT binary)` of 200,000 rows: 189–214 ms either way).
    static func columns(_ alias: String?) -> String {
        let prefix = alias.map { "\($0)." } ?? ""
        return #"""
            int8send(\#(prefix)global_position) || int8send(\#(prefix)stream_version) || uuid_send(\#(prefix)event_id) \#
            || int4send(\#(prefix)schema_version) || timestamptz_send(\#(prefix)recorded_at) \#
            || CASE WHEN \#(prefix)correlation_id IS NULL THEN '\x00'::bytea ELSE '\x01'::bytea || uuid_send(\#(prefix)correlation_id) END \#
            || CASE WHEN \#(prefix)causation_id IS NULL THEN '\x00'::bytea ELSE '\x01'::bytea || uuid_send(\#(prefix)causation_id) END, \#
            \#(prefix)stream_name, \#(prefix)event_type, \#(prefix)data::text, \#(prefix)metadata::text, \#(prefix)actor
            """#
    }

    /// Decodes the cells of ``columns``; nil when they are NULL (an outer join that found no
    /// event). The first cell holds, big-endian: the global position and the stream version
    /// (8 bytes each), the event id (16), the schema version (4), the recording time (8:
    /// microseconds since 2000-01-01, as PostgreSQL sends a `timestamptz`), then the correlation
    /// and the causation id, each a byte 0 (none) or 1 followed by the id. The cells are taken in
    /// order from the row's iterator and read straight from their bytes: a random-access row
    /// copies every cell into an array first, and postgres-nio's tuple decoding runs unspecialised.
    init?(row: PostgresRow) throws {
        var cells = row.makeIterator()
        guard let head = cells.next(), var fixed = head.bytes else { return nil }
        guard let position = fixed.readInteger(as: Int64.self),
              let version = fixed.readInteger(as: Int64.self),
              let id = fixed.readUUID(),
              let schemaVersion = fixed.readInteger(as: Int32.self),
              let microseconds = fixed.readInteger(as: Int64.self),
              let correlationID = fixed.readOptionalUUID(),
              let causationID = fixed.readOptionalUUID(),
              fixed.readableBytes == 0
        else { throw Self.malformed }
        // Every statement that decodes events selects all six of ``columns``.
        func text() throws -> String {
            guard let bytes = cells.next()!.bytes else { throw Self.malformed }
            return String(buffer: bytes)
        }
        let stream = try text()
        let type = try text()
        let data = try text()
        let metadataJSON = try text()
        let actor = cells.next()!.bytes.map { String(buffer: $0) }
        self.init(
            position: position,
            stream: StreamName(trusted: stream),
            version: version,
            id: id,
            type: type,
            schemaVersion: schemaVersion,
            data: data,
            metadata: EventMetadata(correlationID: correlationID, causationID: causationID, actor: actor, extraJSON: metadataJSON),
            // The same arithmetic as postgres-nio's decoding of a `timestamptz`.
            recordedAt: Date(timeInterval: Double(microseconds) / 1_000_000, since: Self.postgresEpoch)
        )
    }

    private static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)

    private static var malformed: EventStoreError {
        EventStoreError(.database, "an event row is not in the shape RecordedEvent.columns selects")
    }

    static func decodeAll(_ rows: some AsyncSequence<PostgresRow, any Error> & Sendable) async throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        for try await row in rows {
            if let event = try RecordedEvent(row: row) { events.append(event) }
        }
        return events
    }
}

extension ByteBuffer {
    /// Reads 16 bytes as a UUID (the byte order PostgreSQL sends a `uuid` in).
    fileprivate mutating func readUUID() -> UUID? {
        guard readableBytes >= 16 else { return nil }
        let uuid = withUnsafeReadableBytes { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
        moveReaderIndex(forwardBy: 16)
        return uuid
    }

    /// Reads a byte 0 (nil) or 1 followed by a UUID; nil (the outer optional) when malformed.
    fileprivate mutating func readOptionalUUID() -> UUID?? {
        switch readInteger(as: UInt8.self) {
        case 0: return .some(nil)
        case 1: return readUUID().map { .some($0) }
        default: return nil
        }
    }
}
