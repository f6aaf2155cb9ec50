import Foundation

/// Encodes `Encodable` values to the same text as Foundation's `JSONEncoder` with sorted keys,
/// unescaped slashes and ISO 8601 dates — the events' stored form — in about a third of the
/// time. Encoding a checkout's events with `JSONEncoder` was a fifth of the server's CPU in a
/// checkout: its generic boxing and dictionaries cost more than the JSON.
///
/// The value is first gathered as a tree (a nested container may be written to after its
/// parent's next key, so members are kept until the end), then written with each object's keys
/// sorted. A key written twice keeps its last value, as `JSONEncoder` does.
public enum CanonicalJSONEncoder {
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        let root = try Node.of(value)
        var writer = Writer()
        try writer.write(root)
        return writer.bytes
    }

    /// What an encoded value is, before it is written.
    enum Node {
        case null
        case bool(Bool)
        case signed(Int64)
        case unsigned(UInt64)
        case double(Double)
        case float(Float)
        case string(String)
        /// Number text written as it is (a `Decimal`'s description).
        case number(String)
        case object(Members)
        case array(Elements)
        /// A super-encoder's value, filled in later; empty object if it never asks for a
        /// container, as `JSONEncoder` writes it.
        case pending(Slot)

        /// The node for `value`: the types `JSONEncoder` writes as scalars directly (one cast),
        /// anything else through its `encode(to:)`.
        static func of<Value: Encodable>(_ value: Value) throws -> Node {
            if let scalar = value as? any CanonicalJSONScalar { return scalar.canonicalNode }
            let slot = Slot()
            try value.encode(to: Impl(slot: slot))
            // A value that asked for no container is written as an empty object, as `JSONEncoder` does.
            return slot.hasContainer ? slot.node : .object(Members())
        }
    }

    /// Where one value's encoding lands.
    final class Slot {
        var node: Node = .null
        var hasContainer = false
    }

    final class Members {
        var entries: [(key: String, value: Node)] = []
    }

    final class Elements {
        var values: [Node] = []
    }

    struct Impl: Encoder {
        let slot: Slot
        /// Not kept: it would be an allocation for every nested value, and only error messages
        /// read it.
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy _: Key.Type) -> KeyedEncodingContainer<Key> {
            if case .object(let members) = slot.node { return KeyedEncodingContainer(Keyed(members: members)) }
            let members = Members()
            slot.node = .object(members)
            slot.hasContainer = true
            return KeyedEncodingContainer(Keyed(members: members))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if case .array(let elements) = slot.node { return Unkeyed(elements: elements) }
            let elements = Elements()
            slot.node = .array(elements)
            slot.hasContainer = true
            return Unkeyed(elements: elements)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer {
            slot.hasContainer = true
            return Single(slot: slot)
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let members: Members
        var codingPath: [any CodingKey] { [] }

        private func put(_ node: Node, _ key: Key) { members.entries.append((key.stringValue, node)) }

        mutating func encodeNil(forKey key: Key) throws { put(.null, key) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { put(.bool(value), key) }
        mutating func encode(_ value: String, forKey key: Key) throws { put(.string(value), key) }
        mutating func encode(_ value: Double, forKey key: Key) throws { put(.double(value), key) }
        mutating func encode(_ value: Float, forKey key: Key) throws { put(.float(value), key) }
        mutating func encode(_ value: Int, forKey key: Key) throws { put(.signed(Int64(value)), key) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { put(.signed(Int64(value)), key) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { put(.signed(Int64(value)), key) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { put(.signed(Int64(value)), key) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { put(.signed(value), key) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { put(.unsigned(UInt64(value)), key) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { put(.unsigned(UInt64(value)), key) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { put(.unsigned(UInt64(value)), key) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { put(.unsigned(UInt64(value)), key) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { put(.unsigned(value), key) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { put(try Node.of(value), key) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let nested = Members()
            put(.object(nested), key)
            return KeyedEncodingContainer(Keyed<NestedKey>(members: nested))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let nested = Elements()
            put(.array(nested), key)
            return Unkeyed(elements: nested)
        }

        mutating func superEncoder() -> any Encoder { superEncoder(named: "super") }
        mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue) }

        private func superEncoder(named name: String) -> any Encoder {
            let slot = Slot()
            members.entries.append((name, .pending(slot)))
            return Impl(slot: slot)
        }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let elements: Elements
        var codingPath: [any CodingKey] { [] }
        var count: Int { elements.values.count }

        private func put(_ node: Node) { elements.values.append(node) }

        mutating func encodeNil() throws { put(.null) }
        mutating func encode(_ value: Bool) throws { put(.bool(value)) }
        mutating func encode(_ value: String) throws { put(.string(value)) }
        mutating func encode(_ value: Double) throws { put(.double(value)) }
        mutating func encode(_ value: Float) throws { put(.float(value)) }
        mutating func encode(_ value: Int) throws { put(.signed(Int64(value))) }
        mutating func encode(_ value: Int8) throws { put(.signed(Int64(value))) }
        mutating func encode(_ value: Int16) throws { put(.signed(Int64(value))) }
        mutating func encode(_ value: Int32) throws { put(.signed(Int64(value))) }
        mutating func encode(_ value: Int64) throws { put(.signed(value)) }
        mutating func encode(_ value: UInt) throws { put(.unsigned(UInt64(value))) }
        mutating func encode(_ value: UInt8) throws { put(.unsigned(UInt64(value))) }
        mutating func encode(_ value: UInt16) throws { put(.unsigned(UInt64(value))) }
        mutating func encode(_ value: UInt32) throws { put(.unsigned(UInt64(value))) }
        mutating func encode(_ value: UInt64) throws { put(.unsigned(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws { put(try Node.of(value)) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy _: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let nested = Members()
            put(.object(nested))
            return KeyedEncodingContainer(Keyed<NestedKey>(members: nested))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let nested = Elements()
            put(.array(nested))
            return Unkeyed(elements: nested)
        }

        mutating func superEncoder() -> any Encoder {
            let slot = Slot()
            put(.pending(slot))
            return Impl(slot: slot)
        }
    }

    struct Single: SingleValueEncodingContainer {
        let slot: Slot
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() throws { slot.node = .null }
        mutating func encode(_ value: Bool) throws { slot.node = .bool(value) }
        mutating func encode(_ value: String) throws { slot.node = .string(value) }
        mutating func encode(_ value: Double) throws { slot.node = .double(value) }
        mutating func encode(_ value: Float) throws { slot.node = .float(value) }
        mutating func encode(_ value: Int) throws { slot.node = .signed(Int64(value)) }
        mutating func encode(_ value: Int8) throws { slot.node = .signed(Int64(value)) }
        mutating func encode(_ value: Int16) throws { slot.node = .signed(Int64(value)) }
        mutating func encode(_ value: Int32) throws { slot.node = .signed(Int64(value)) }
        mutating func encode(_ value: Int64) throws { slot.node = .signed(value) }
        mutating func encode(_ value: UInt) throws { slot.node = .unsigned(UInt64(value)) }
        mutating func encode(_ value: UInt8) throws { slot.node = .unsigned(UInt64(value)) }
        mutating func encode(_ value: UInt16) throws { slot.node = .unsigned(UInt64(value)) }
        mutating func encode(_ value: UInt32) throws { slot.node = .unsigned(UInt64(value)) }
        mutating func encode(_ value: UInt64) throws { slot.node = .unsigned(value) }
        mutating func encode<T: Encodable>(_ value: T) throws { slot.node = try Node.of(value) }
    }

    /// `2026-12-04T15:17:09Z`: whole seconds, rounded down, as `JSONEncoder`'s `.iso8601` writes.
    enum ISO8601 {
        static func string(_ date: Date) -> String {
            var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
            var parts = tm()
            gmtime_r(&seconds, &parts)
            func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
            let year = Int(parts.tm_year) + 1900
            let yearText = year >= 0 && year < 1000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
            return "\(yearText)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
        }
    }

    struct Writer {
        var bytes: [UInt8] = []

        init() { bytes.reserveCapacity(512) }

        mutating func write(_ node: Node) throws {
            switch node {
            case .null: bytes.append(contentsOf: "null".utf8)
            case .bool(let value): bytes.append(contentsOf: (value ? "true" : "false").utf8)
            case .signed(let value): bytes.append(contentsOf: String(value).utf8)
            case .unsigned(let value): bytes.append(contentsOf: String(value).utf8)
            case .double(let value): try writeNumber(value, value.isFinite, value.description)
            case .float(let value): try writeNumber(value, value.isFinite, value.description)
            case .string(let value): writeString(value)
            case .object(let members): try writeObject(members.entries)
            case .array(let elements):
                bytes.append(UInt8(ascii: "["))
                for (index, element) in elements.values.enumerated() {
                    if index > 0 { bytes.append(UInt8(ascii: ",")) }
                    try write(element)
                }
                bytes.append(UInt8(ascii: "]"))
            case .number(let text): bytes.append(contentsOf: text.utf8)
            case .pending(let slot):
                if slot.hasContainer {
                    try write(slot.node)
                } else {
                    bytes.append(contentsOf: "{}".utf8)
                }
            }
        }

        private mutating func writeObject(_ entries: [(key: String, value: Node)]) throws {
            // Sorted by key, and for a key written twice by when: the last one is kept.
            let order = entries.indices.sorted { entries[$0].key != entries[$1].key ? entries[$0].key < entries[$1].key : $0 < $1 }
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (position, index) in order.enumerated() {
                if position + 1 < order.count, entries[order[position + 1]].key == entries[index].key { continue }
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeString(entries[index].key)
                bytes.append(UInt8(ascii: ":"))
                try write(entries[index].value)
            }
            bytes.append(UInt8(ascii: "}"))
        }

        /// Shortest text that reads back the same, without a trailing `.0` (`2`, `0.1`, `1e-07`).
        private mutating func writeNumber(_ value: Any, _ finite: Bool, _ description: String) throws {
            guard finite else {
                throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(description) is not a JSON number"))
            }
            var text = Substring(description)
            if text.hasSuffix(".0") { text = text.dropLast(2) }
            bytes.append(contentsOf: text.utf8)
        }

        /// Quotes and backslashes escaped, control characters as `\b \f \n \r \t` or `\u00xx`,
        /// the rest — slashes and UTF-8 included — as it is.
        private mutating func writeString(_ text: String) {
            var text = text
            text.withUTF8 { utf8 in
                bytes.append(UInt8(ascii: "\""))
                // Most strings need no escape: copied whole.
                if !utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                    bytes.append(contentsOf: utf8)
                } else {
                    for byte in utf8 { appendEscaped(byte) }
                }
                bytes.append(UInt8(ascii: "\""))
            }
        }

        private mutating func appendEscaped(_ byte: UInt8) {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
            case 0x08: bytes.append(contentsOf: #"\b"#.utf8)
            case 0x0C: bytes.append(contentsOf: #"\f"#.utf8)
            case UInt8(ascii: "\n"): bytes.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): bytes.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): bytes.append(contentsOf: #"\t"#.utf8)
            case ..<0x20:
                bytes.append(contentsOf: #"\u00"#.utf8)
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }

        private static let hexDigits = Array("0123456789abcdef".utf8)
    }
}

/// The types `JSONEncoder` writes as a scalar of its own choosing rather than through their
/// `encode(to:)`, and the plain scalars: found with one cast.
protocol CanonicalJSONScalar {
    var canonicalNode: CanonicalJSONEncoder.Node { get }
}

extension String: CanonicalJSONScalar { var canonicalNode: CanonicalJSONEncoder.Node { .string(self) } }
extension Int: CanonicalJSONScalar { var canonicalNode: CanonicalJSONEncoder.Node { .signed(Int64(self)) } }
extension Int64: CanonicalJSONScalar { var canonicalNode: CanonicalJSONEncoder.Node { .signed(self) } }
extension Int32: CanonicalJSONScalar { var canonicalNode: CanonicalJSONEncoder.Node { .signed(Int64(self)) } }
extension Bool: CanonicalJSONScalar { var canonicalNode: CanonicalJSONEncoder.Node { .bool(self) } }
extension Double: CanonicalJSONScalar { var canonicalNode: CanonicalJSONEncoder.Node { .double(self) } }
extension Date: CanonicalJSONScalar { var canonicalNode: CanonicalJSONEncoder.Node { .string(CanonicalJSONEncoder.ISO8601.string(self)) } }
extension URL: CanonicalJSONScalar { var canonicalNode: CanonicalJSONEncoder.Node { .string(absoluteString) } }
extension Data: CanonicalJSONScalar { var canonicalNode: CanonicalJSONEncoder.Node { .string(base64EncodedString()) } }
/// `JSONEncoder` writes a `Decimal` as its description, unquoted.
extension Decimal: CanonicalJSONScalar { var canonicalNode: CanonicalJSONEncoder.Node { .number(description) } }
