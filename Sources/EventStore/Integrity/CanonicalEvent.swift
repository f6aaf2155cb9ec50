import Crypto
import Foundation
import PostgresNIO

/// A stored event exactly as its hash covers it: every field of the canonical text, as text.
///
/// The canonical text joins, with the unit separator U+001F: stream name, stream version, event
/// id, event type, schema version, data (JSON exactly as stored), metadata (likewise), correlation
/// id, causation id, actor (each empty when absent), recorded time in whole microseconds since
/// the Unix epoch. An event's hash is SHA-256(previous event's hash in its stream ‖ canonical
/// text), the first event of a stream chaining to 32 zero bytes. `event_canonical_text()` and
/// `append_events()` compute the same in SQL; `scripts/verify_export.py` in Python.
public struct CanonicalEvent: Sendable, Equatable {
    public static let genesisHash = [UInt8](repeating: 0, count: 32)

    public var position: Int64
    public var stream: String
    public var version: Int64
    public var eventID: String
    public var type: String
    public var schemaVersion: String
    public var data: String
    public var metadata: String
    public var correlationID: String
    public var causationID: String
    public var actor: String
    public var recordedMicros: String
    /// The hash stored with the event.
    public var storedHash: [UInt8]

    public var category: Substring { stream.prefix { $0 != "-" } }

    /// The fields in canonical order.
    public var canonicalFields: [String] {
        [stream, String(version), eventID, type, schemaVersion, data, metadata, correlationID, causationID, actor, recordedMicros]
    }

    /// What the hash should be when the stream's previous event has `previousHash`.
    public func expectedHash(after previousHash: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: previousHash)
        var first = true
        for field in canonicalFields {
            if !first { hasher.update(data: [0x1F]) }
            first = false
            var field = field
            field.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        return Array(hasher.finalize())
    }

    /// The `events` columns, in the order ``init(row:)`` reads them.
    static let columns = """
        global_position, stream_name, stream_version, event_id::text, event_type, schema_version::text,
        data::text, metadata::text, coalesce(correlation_id::text, ''), coalesce(causation_id::text, ''),
        coalesce(actor, ''), ((extract(epoch FROM recorded_at) * 1000000)::bigint)::text, hash
        """

    init(row: PostgresRandomAccessRow) throws {
        position = try row[0].decode(Int64.self)
        stream = try row[1].decode(String.self)
        version = try row[2].decode(Int64.self)
        eventID = try row[3].decode(String.self)
        type = try row[4].decode(String.self)
        schemaVersion = try row[5].decode(String.self)
        data = try row[6].decode(String.self)
        metadata = try row[7].decode(String.self)
        correlationID = try row[8].decode(String.self)
        causationID = try row[9].decode(String.self)
        actor = try row[10].decode(String.self)
        recordedMicros = try row[11].decode(String.self)
        storedHash = Array(try row[12].decode(ByteBuffer.self).readableBytesView)
    }
}
