import Foundation

/// A W3C Trace Context `traceparent` header, version 00: `00-<trace id: 32 hex>-<parent id: 16
/// hex>-<flags: 2 hex>`. A trace id is 16 bytes, as a UUID is: a request's trace id becomes the
/// correlation id of every event it leads to (process managers pass correlation ids on), and the
/// relay sends it back out as each message's `ce_traceparent`, so one checkout can be followed
/// from the request through the relay, the projector and the process managers.
public struct TraceParent: Sendable, Equatable {
    public let traceID: UUID
    public let parentID: UInt64
    public let sampled: Bool

    /// Parses a header; nil for anything malformed, another version's extra fields aside, or an
    /// all-zero id (which W3C says to treat as absent: the trace starts again).
    public init?(header: String) {
        let parts = header.trimmingCharacters(in: .whitespaces).split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0].count == 2, parts[0] != "ff", let version = UInt8(parts[0], radix: 16),
              version == 0 ? parts.count == 4 : true,
              parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
              [parts[0], parts[1], parts[2], parts[3]].allSatisfy({ $0.allSatisfy { $0.isHexDigit && !$0.isUppercase } }),
              let high = UInt64(parts[1].prefix(16), radix: 16), let low = UInt64(parts[1].suffix(16), radix: 16), high != 0 || low != 0,
              let parent = UInt64(parts[2], radix: 16), parent != 0, let flags = UInt8(parts[3], radix: 16)
        else { return nil }
        traceID = Self.uuid(high: high, low: low)
        parentID = parent
        sampled = flags & 1 == 1
    }

    public init(traceID: UUID, parentID: UInt64, sampled: Bool = true) {
        self.traceID = traceID
        self.parentID = parentID
        self.sampled = sampled
    }

    /// The header's text.
    public var header: String {
        "00-\(Self.hex(traceID))-\(String(format: "%016llx", parentID))-\(sampled ? "01" : "00")"
    }

    /// The span an event stands for in its trace: its id's first 8 bytes (never zero).
    public static func spanID(of eventID: UUID) -> UInt64 {
        let bytes = withUnsafeBytes(of: eventID.uuid) { Array($0) }
        let id = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return id == 0 ? 1 : id
    }

    /// A UUID's 16 bytes as 32 lower-case hex digits: a trace id.
    public static func hex(_ id: UUID) -> String {
        withUnsafeBytes(of: id.uuid) { $0.map { String(format: "%02x", $0) }.joined() }
    }

    private static func uuid(high: UInt64, low: UInt64) -> UUID {
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 {
            bytes[index] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(index)))
            bytes[8 + index] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(index)))
        }
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
