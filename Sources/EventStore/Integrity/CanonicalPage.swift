import Foundation
import PostgresNIO

/// A page of stored events exactly as their hashes cover them, packed: every event's canonical
/// text back to back in one buffer, with where each field ends. Reading a million events this
/// way allocates per page and per stream name, not per field.
///
/// The canonical text joins, with the unit separator U+001F: stream name, stream version, event
/// id (lower-case UUID), event type, schema version, data (JSON exactly as stored), metadata
/// (likewise), correlation id, causation id, actor (each empty when absent), recorded time in
/// whole microseconds since the Unix epoch. An event's hash is SHA-256(previous event's hash in
/// its stream ‖ canonical text), a stream's first event chaining to 32 zero bytes.
/// `event_canonical_text()` and `append_events()` compute the same in SQL;
/// `scripts/verify_export.py` in Python.
struct CanonicalPage {
    static let fieldCount = 11
    /// Field numbers, in canonical order.
    enum Field: Int, CaseIterable {
        case stream, version, eventID, type, schemaVersion, data, metadata, correlationID, causationID, actor, recordedMicros
    }

    /// The `events` columns read, raw (binary): the text is made here, not by the server.
    static let columns = """
        global_position, stream_name, stream_version, event_id, event_type, schema_version, data, metadata,
        correlation_id, causation_id, actor, recorded_at, hash
        """

    private(set) var text: [UInt8] = []
    /// Per event, the end of each field in `text` (its start is the previous end + 1).
    private var fieldEnds: [Int32] = []
    private(set) var streams: [String] = []
    private(set) var versions: [Int64] = []
    private(set) var positions: [Int64] = []
    private(set) var storedHashes: [ChainHash] = []
    /// Rows whose stored hash is not 32 bytes long (recorded as the genesis hash, which then
    /// fails verification).
    private(set) var malformedHashes: Set<Int> = []

    var count: Int { positions.count }
    var isEmpty: Bool { positions.isEmpty }

    init(capacity: Int) {
        text.reserveCapacity(capacity * 512)
        fieldEnds.reserveCapacity(capacity * Self.fieldCount)
        streams.reserveCapacity(capacity)
        versions.reserveCapacity(capacity)
        positions.reserveCapacity(capacity)
        storedHashes.reserveCapacity(capacity)
    }

    /// The event's canonical text.
    func withCanonicalText<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let range = span(index)
        return text.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[range])) }
    }

    /// One field of an event, as text.
    func field(_ index: Int, _ field: Field) -> String {
        let end = Int(fieldEnds[index * Self.fieldCount + field.rawValue])
        let start = field.rawValue == 0 ? span(index).lowerBound : Int(fieldEnds[index * Self.fieldCount + field.rawValue - 1]) + 1
        return String(decoding: text[start..<end], as: UTF8.self)
    }

    private func span(_ index: Int) -> Range<Int> {
        let start = index == 0 ? 0 : Int(fieldEnds[index * Self.fieldCount - 1]) + 1
        return start..<Int(fieldEnds[index * Self.fieldCount + Self.fieldCount - 1])
    }

    /// Appends one row of ``columns``.
    mutating func append(_ row: PostgresRow) throws {
        if !text.isEmpty { text.append(0x1F) }
        var position: Int64 = 0
        var version: Int64 = 0
        var columns = 0
        // One pass over the cells, in column order (a random-access row would cost an array).
        for cell in row {
            switch columns {
            case 0: position = try Self.integer(cell.bytes, width: 8)
            case 1:
                let stream = cell.bytes ?? ByteBuffer()
                streams.append(String(buffer: stream))
                appendBytes(stream)
            case 2:
                version = try Self.integer(cell.bytes, width: 8)
                appendDecimal(version)
            case 3, 8, 9: appendUUID(cell.bytes)
            case 4, 6, 7, 10: appendBytes(cell.bytes ?? ByteBuffer())
            case 5: appendDecimal(try Self.integer(cell.bytes, width: 4))
            // timestamptz: microseconds since 2000-01-01 UTC; the text counts from 1970.
            case 11: appendDecimal(try Self.integer(cell.bytes, width: 8) + 946_684_800_000_000, last: true)
            case 12:
                if let stored = cell.bytes.flatMap({ ChainHash($0.readableBytesView) }) {
                    storedHashes.append(stored)
                } else {
                    malformedHashes.insert(positions.count)
                    storedHashes.append(.genesis)
                }
            default: break
            }
            columns += 1
        }
        guard columns == 13 else { throw PageError.missingColumn }
        positions.append(position)
        versions.append(version)
    }

    private mutating func appendBytes(_ buffer: ByteBuffer) {
        text.append(contentsOf: buffer.readableBytesView)
        closeField(last: false)
    }

    private mutating func appendDecimal(_ value: Int64, last: Bool = false) {
        text.append(contentsOf: String(value).utf8)
        closeField(last: last)
    }

    /// A UUID as lower-case text, empty for NULL.
    private mutating func appendUUID(_ buffer: ByteBuffer?) {
        if let buffer, buffer.readableBytes == 16 {
            for (index, byte) in buffer.readableBytesView.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
                text.append(Self.hexDigits[Int(byte >> 4)])
                text.append(Self.hexDigits[Int(byte & 0x0F)])
            }
        }
        closeField(last: false)
    }

    private mutating func closeField(last: Bool) {
        fieldEnds.append(Int32(text.count))
        if !last { text.append(0x1F) }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func integer(_ buffer: ByteBuffer?, width: Int) throws -> Int64 {
        guard var buffer, buffer.readableBytes == width else { throw PageError.malformedInteger }
        return width == 8 ? buffer.readInteger(as: Int64.self)! : Int64(buffer.readInteger(as: Int32.self)!)
    }

    enum PageError: Error {
        case missingColumn, malformedInteger
    }
}
