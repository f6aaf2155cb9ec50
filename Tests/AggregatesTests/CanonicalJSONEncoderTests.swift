@testable import Aggregates
import Foundation
import Testing

/// The events' encoder writes what Foundation's `JSONEncoder` (sorted keys, unescaped slashes,
/// ISO 8601 dates) writes, byte for byte: Foundation's is the reference here.
@Suite("Canonical JSON encoder")
struct CanonicalJSONEncoderTests {
    static let reference: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    func expectSame(_ value: some Encodable, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = String(decoding: try Self.reference.encode(value), as: UTF8.self)
        let actual = String(decoding: try CanonicalJSONEncoder.encode(value), as: UTF8.self)
        #expect(actual == expected, sourceLocation: sourceLocation)
    }

    @Test("every event type's sample")
    func everyEventSample() throws {
        for entry in EventCatalog.entries {
            try expectSame(entry.payloadType.sample)
        }
    }

    enum Shape: Codable, Equatable {
        case circle(radius: Int)
        case box(width: Int, height: Int?)
        case dot
        case labelled(String, [Shape])
    }

    struct Empty: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    /// Writes `key` twice and a nested container after a later key: the last value wins, and
    /// what goes into the nested container after the fact is still written.
    struct Rewriting: Encodable {
        enum Keys: String, CodingKey { case key, later, nested, list }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(1, forKey: .key)
            var nested = container.nestedContainer(keyedBy: Keys.self, forKey: .nested)
            var list = container.nestedUnkeyedContainer(forKey: .list)
            try container.encode("later", forKey: .later)
            try container.encode(2, forKey: .key)
            try nested.encode(true, forKey: .key)
            try list.encode(3)
            var inner = list.nestedUnkeyedContainer()
            try inner.encodeNil()
            var object = list.nestedContainer(keyedBy: Keys.self)
            try object.encode([1.5], forKey: .list)
        }
    }

    struct Everything: Encodable {
        let keys: [String: Int]
        let text: String
        let doubles: [Double]
        let float: Float
        let dates: [Date]
        let integers: [Int64]
        let unsigned: [UInt64]
        let small: [Int8]
        let bools: [Bool]
        let optionals: [Int?]
        let absent: String?
        let present: String?
        let shapes: [Shape]
        let nested: [[String: [Int]]]
        let empty: Empty
        let emptyList: [Int]
        let url: URL
        let data: Data
        let decimal: Decimal
        let rewriting: Rewriting
        let byNumber: [Int: String]
    }

    @Test("strings, numbers, dates, keys, optionals, enums, nesting and the types JSONEncoder treats specially")
    func edgeCases() throws {
        let value = Everything(
            keys: ["item10": 1, "item9": 2, "B": 1, "a": 1, "é": 1, "Z": 1, "a_b": 1, "aB": 1, "ab": 1, "a-b": 1, "ä": 1, "SKU-10": 1, "SKU-9": 1, "": 0],
            text: "q\"\\/\u{8}\u{c}\n\r\t\u{1}\u{1f}\u{7f}é😀\u{2028} </script>",
            doubles: [2, 0.1, 1e-7, 1e21, -0.0, 123456789.125, Double.greatestFiniteMagnitude, 5e-324, -3.5],
            float: 0.1,
            dates: [Date(timeIntervalSince1970: 1_764_861_429.987), Date(timeIntervalSince1970: -1.5), Date(timeIntervalSince1970: 0),
                    Date(timeIntervalSince1970: 4_102_444_800), Date(timeIntervalSinceReferenceDate: 0)],
            integers: [0, -1, Int64.min, Int64.max],
            unsigned: [0, UInt64.max],
            small: [Int8.min, Int8.max],
            bools: [true, false],
            optionals: [1, nil, 3],
            absent: nil,
            present: "here",
            shapes: [.circle(radius: 2), .box(width: 1, height: nil), .box(width: 1, height: 4), .dot, .labelled("x", [.dot])],
            nested: [["b": [1, 2], "a": []], [:]],
            empty: Empty(),
            emptyList: [],
            url: URL(string: "https://example.com/a?b=c&d=é")!,
            data: Data([0, 1, 2, 250, 255]),
            decimal: Decimal(string: "12.50")!,
            rewriting: Rewriting(),
            byNumber: [10: "ten", 9: "nine", -1: "minus one"]
        )
        try expectSame(value)
        try expectSame("top-level string")
        try expectSame(42)
        try expectSame([Shape.dot])
    }

    @Test("a number JSON cannot hold is refused, as JSONEncoder refuses it")
    func nonFinite() {
        #expect(throws: EncodingError.self) { try CanonicalJSONEncoder.encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try CanonicalJSONEncoder.encode(["x": Float.infinity]) }
        #expect(throws: (any Error).self) { try Self.reference.encode([Double.nan]) }
    }
}
