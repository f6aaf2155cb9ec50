import Foundation

/// Decodes `Decodable` values from JSON text as Foundation's `JSONDecoder` with ISO 8601 dates
/// does — the events' stored form, written by ``CanonicalJSONEncoder`` — in a fraction of the
/// time. Loading a checkout's streams with `JSONDecoder` was an eighth of the server's CPU in a
/// checkout: its generic boxing cost more than the JSON.
///
/// The text is scanned once into a flat list of tokens (``Tape``), each container knowing where
/// it ends, so a keyed container finds a member by walking its keys and a value is read only
/// when asked for. Whatever it is not certain to read exactly as `JSONDecoder` would, it leaves
/// to `JSONDecoder`, which then decodes the whole text: malformed text, a duplicate or escaped
/// key, a number an integer type cannot hold exactly, a date other than `yyyy-MM-ddTHH:mm:ssZ`
/// from 1583 on, `Float`, `Data`, `Decimal`, `URL`, super-decoders — and every error, including
/// those a value's own `init(from:)` throws, so errors are always Foundation's, with its
/// coding paths and messages.
public enum CanonicalJSONDecoder {
    public static func decode<T: Decodable>(_ type: T.Type, from json: String) throws -> T {
        // The fast path's own error is not kept: JSONDecoder decodes the text again and throws its own.
        if let value = try? decodeDirectly(type, from: json) { return value }
        return try foundation.decode(type, from: Data(json.utf8))
    }

    /// The fast path alone: throws ``Unsupported`` (or a value's own error) where
    /// ``decode(_:from:)`` hands the text to `JSONDecoder`.
    static func decodeDirectly<T: Decodable>(_ type: T.Type, from json: String) throws -> T {
        let tape = try Tape(parsing: Array(json.utf8))
        return try tape.value(type, at: 0)
    }

    // Shared: it keeps no state between calls once configured.
    private static let foundation: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Something the fast path leaves to `JSONDecoder`.
    struct Unsupported: Error {}

    /// One scanned value. Containers are followed by their members (each key's string token,
    /// then its value) or elements; `next` is the index after the value and everything in it.
    struct Token {
        enum Kind: UInt8 {
            case null, `false`, `true`, number, integer, string, escapedString, object, array
        }

        var kind: Kind
        /// Strings: the bytes between the quotes; numbers: the number's bytes.
        var start: Int32
        var end: Int32
        var next: Int32
        /// Members or elements of a container.
        var count: Int32
    }
}

extension CanonicalJSONDecoder {
    /// The decoder handed to a value's `init(from:)`: a token of the tape.
    struct Impl: Decoder {
        let tape: Tape
        let token: Int

        var codingPath: [any CodingKey] { tape.path(to: token) }
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            guard tape.tokens[token].kind == .object else { throw Unsupported() }
            return KeyedDecodingContainer(Keyed<Key>(tape: tape, object: token))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            guard tape.tokens[token].kind == .array else { throw Unsupported() }
            return Unkeyed(tape: tape, array: token)
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer {
            Single(tape: tape, token: token)
        }
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let tape: Tape
        let object: Int

        var codingPath: [any CodingKey] { tape.path(to: object) }

        var allKeys: [Key] {
            tape.members(of: object).compactMap { Key(stringValue: tape.plainString(at: $0.key)) }
        }

        /// The value token of `key`'s member, if the object has one (keys are distinct and
        /// unescaped: the tape refused others).
        private func find(_ key: Key) -> Int? {
            let name = key.stringValue
            for member in tape.members(of: object) where tape.keyEquals(member.key, name) { return member.value }
            return nil
        }

        private func required(_ key: Key) throws -> Int {
            guard let index = find(key) else { throw Unsupported() }
            return index
        }

        func contains(_ key: Key) -> Bool { find(key) != nil }
        func decodeNil(forKey key: Key) throws -> Bool { tape.tokens[try required(key)].kind == .null }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try tape.bool(at: try required(key)) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try tape.string(at: try required(key)) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try tape.double(at: try required(key)) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try tape.integer(type, at: try required(key)) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try tape.integer(type, at: try required(key)) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try tape.integer(type, at: try required(key)) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try tape.integer(type, at: try required(key)) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try tape.integer(type, at: try required(key)) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try tape.integer(type, at: try required(key)) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try tape.integer(type, at: try required(key)) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try tape.integer(type, at: try required(key)) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try tape.integer(type, at: try required(key)) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try tape.integer(type, at: try required(key)) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { throw Unsupported() }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try tape.value(type, at: try required(key)) }

        // Missing or null is nil, as in JSONDecoder; one search instead of the defaults' three.
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try present(type, key) }
        func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try present(type, key) }
        func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try present(type, key) }
        func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try present(type, key) }
        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try present(type, key) }

        private func present<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
            guard let index = find(key), tape.tokens[index].kind != .null else { return nil }
            return try tape.value(type, at: index)
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try Impl(tape: tape, token: try required(key)).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try Impl(tape: tape, token: try required(key)).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { throw Unsupported() }
        func superDecoder(forKey key: Key) throws -> any Decoder { throw Unsupported() }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let tape: Tape
        let array: Int
        private(set) var currentIndex = 0
        /// The token of the element at `currentIndex`.
        private var cursor: Int

        init(tape: Tape, array: Int) {
            self.tape = tape
            self.array = array
            cursor = array + 1
        }

        var codingPath: [any CodingKey] { tape.path(to: array) }
        var count: Int? { Int(tape.tokens[array].count) }
        var isAtEnd: Bool { currentIndex >= Int(tape.tokens[array].count) }

        /// Reads the element at the cursor with `read` (given the tape and the token) and moves on.
        private mutating func take<T>(_ read: (Tape, Int) throws -> T) throws -> T {
            guard !isAtEnd else { throw Unsupported() }
            let value = try read(tape, cursor)
            cursor = Int(tape.tokens[cursor].next)
            currentIndex += 1
            return value
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd else { throw Unsupported() }
            guard tape.tokens[cursor].kind == .null else { return false }
            cursor += 1
            currentIndex += 1
            return true
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool { try take { try $0.bool(at: $1) } }
        mutating func decode(_ type: String.Type) throws -> String { try take { try $0.string(at: $1) } }
        mutating func decode(_ type: Double.Type) throws -> Double { try take { try $0.double(at: $1) } }
        mutating func decode(_ type: Int.Type) throws -> Int { try take { try $0.integer(type, at: $1) } }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { try take { try $0.integer(type, at: $1) } }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { try take { try $0.integer(type, at: $1) } }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { try take { try $0.integer(type, at: $1) } }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { try take { try $0.integer(type, at: $1) } }
        mutating func decode(_ type: UInt.Type) throws -> UInt { try take { try $0.integer(type, at: $1) } }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try take { try $0.integer(type, at: $1) } }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try take { try $0.integer(type, at: $1) } }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try take { try $0.integer(type, at: $1) } }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try take { try $0.integer(type, at: $1) } }
        mutating func decode(_ type: Float.Type) throws -> Float { throw Unsupported() }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try take { try $0.value(type, at: $1) } }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try take { try Impl(tape: $0, token: $1).container(keyedBy: type) }
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try take { try Impl(tape: $0, token: $1).unkeyedContainer() }
        }

        mutating func superDecoder() throws -> any Decoder { throw Unsupported() }
    }

    struct Single: SingleValueDecodingContainer {
        let tape: Tape
        let token: Int

        var codingPath: [any CodingKey] { tape.path(to: token) }

        func decodeNil() -> Bool { tape.tokens[token].kind == .null }
        func decode(_ type: Bool.Type) throws -> Bool { try tape.bool(at: token) }
        func decode(_ type: String.Type) throws -> String { try tape.string(at: token) }
        func decode(_ type: Double.Type) throws -> Double { try tape.double(at: token) }
        func decode(_ type: Int.Type) throws -> Int { try tape.integer(type, at: token) }
        func decode(_ type: Int64.Type) throws -> Int64 { try tape.integer(type, at: token) }
        func decode(_ type: Int8.Type) throws -> Int8 { try tape.integer(type, at: token) }
        func decode(_ type: Int16.Type) throws -> Int16 { try tape.integer(type, at: token) }
        func decode(_ type: Int32.Type) throws -> Int32 { try tape.integer(type, at: token) }
        func decode(_ type: UInt.Type) throws -> UInt { try tape.integer(type, at: token) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try tape.integer(type, at: token) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try tape.integer(type, at: token) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try tape.integer(type, at: token) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try tape.integer(type, at: token) }
        func decode(_ type: Float.Type) throws -> Float { throw Unsupported() }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try tape.value(type, at: token) }
    }
}
