@testable import Aggregates
import Foundation
import Testing

/// The events' decoder reads what Foundation's `JSONDecoder` (ISO 8601 dates) reads, to the
/// same values, and leaves to it what it does not read itself: Foundation's is the reference.
@Suite("Canonical JSON decoder")
struct CanonicalJSONDecoderTests {
    static let reference: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// The text of a decoded value, to compare values that are not `Equatable`.
    static func text(_ value: some Encodable) throws -> String {
        String(decoding: try CanonicalJSONEncoder.encode(value), as: UTF8.self)
    }

    /// The fast path reads `json` itself, to what JSONDecoder reads.
    func expectRead<T: Codable>(_ type: T.Type, _ json: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try Self.reference.decode(type, from: Data(json.utf8))
        let direct = try CanonicalJSONDecoder.decodeDirectly(type, from: json)
        #expect(try Self.text(direct) == Self.text(expected), sourceLocation: sourceLocation)
        #expect(try Self.text(CanonicalJSONDecoder.decode(type, from: json)) == Self.text(expected), sourceLocation: sourceLocation)
    }

    /// The fast path leaves `json` to JSONDecoder, and ``CanonicalJSONDecoder/decode(_:from:)``
    /// then has JSONDecoder's outcome: the same value, or an error.
    func expectLeft<T: Codable>(_ type: T.Type, _ json: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(throws: (any Error).self, sourceLocation: sourceLocation) { try CanonicalJSONDecoder.decodeDirectly(type, from: json) }
        switch Result(catching: { try Self.reference.decode(type, from: Data(json.utf8)) }) {
        case .success(let expected):
            #expect(try Self.text(CanonicalJSONDecoder.decode(type, from: json)) == Self.text(expected), sourceLocation: sourceLocation)
        case .failure:
            #expect(throws: (any Error).self, sourceLocation: sourceLocation) { try CanonicalJSONDecoder.decode(type, from: json) }
        }
    }

    @Test("every event type's sample, as the events' encoder writes it, is read by the fast path to JSONDecoder's value")
    func everyEventSample() throws {
        for entry in EventCatalog.entries {
            let json = try Self.text(entry.payloadType.sample)
            try readSample(entry.payloadType, json)
        }
    }

    private func readSample<P: EventPayload>(_ type: P.Type, _ json: String) throws {
        let direct = try CanonicalJSONDecoder.decodeDirectly(type, from: json)
        #expect(direct == (try Self.reference.decode(type, from: Data(json.utf8))), "\(type)")
        #expect(direct == P.sample, "\(type)")
    }

    enum Shape: Codable, Equatable {
        case circle(radius: Int)
        case box(width: Int, height: Int?)
        case dot
        case labelled(String, [Shape])
    }

    struct Everything: Codable {
        let keys: [String: Int]
        let text: String
        let doubles: [Double]
        let dates: [Date]
        let integers: [Int64]
        let unsigned: [UInt64]
        let small: [Int8]
        let sizes: [UInt16]
        let bools: [Bool]
        let optionals: [Int?]
        let absent: String?
        let null: String?
        let present: String?
        let shapes: [Shape]
        let nested: [[String: [Int]]]
        let emptyList: [Int]
        let byNumber: [Int: String]
    }

    @Test("strings and escapes, numbers, dates, keys, optionals, enums, nesting and white space")
    func values() throws {
        let json = """
            { "keys": {"item10": 1, "item9": 2, "B": 1, "a": 1, "é": 1, "": 0},
              "text": "q\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\\u001f\\u00e9é😀\\ud83d\\ude00\\u2028 </script>",
              "doubles": [2, 0.1, 1e-7, 1E+21, -0.0, 123456789.125, 1.7976931348623157e308, 5e-324, -3.5, 0.30000000000000004],
              "dates": ["2025-12-04T15:17:09Z", "1969-12-31T23:59:58Z", "1970-01-01T00:00:00Z", "2100-02-28T23:59:59Z",
                        "2024-02-29T12:00:00Z", "2000-03-01T00:00:00Z", "1600-01-01T00:00:00Z", "9999-12-31T23:59:59Z"],
              "integers": [0, -1, -9223372036854775808, 9223372036854775807],
              "unsigned": [0, 18446744073709551615], "small": [-128, 127], "sizes": [65535],
              "bools": [true, false], "optionals": [1, null, 3], "null": null, "present": "here",
              "shapes": [{"circle": {"radius": 2}}, {"box": {"width": 1}}, {"box": {"width": 1, "height": 4}}, {"dot": {}},
                         {"labelled": {"_0": "x", "_1": [{"dot": {}}]}}],
              "nested": [{"b": [1, 2], "a": []}, {}], "emptyList": [], "byNumber": {"10": "ten", "-1": "minus one"}
            }
            """
        try expectRead(Everything.self, json)
        try expectRead(String.self, #""top-level string""#)
        try expectRead(Int.self, " 42 ")
        try expectRead([Shape].self, #"[{"dot":{}}]"#)
        try expectRead(Date.self, #""2026-12-04T18:24:05Z""#)
        try expectRead([String: Int].self, #"{"b": 2, "a": 1}"#)
    }

    @Test("text that is not JSON, and what JSONDecoder reads differently or refuses, are left to it")
    func leftToFoundation() throws {
        for malformed in ["", " ", "{", #"{"a":1,}"#, "[1,]", "[1 2]", "01", "+1", "1.", ".5", "1e", "-", "tru", "nul", "[1]x",
                          "\"raw\u{1}control\"", #""\x""#, #""\u12""#, #""\ud83d""#, #""\ude00""#, #""\ud83dx""#, "\"open", "{\"a\" 1}"] {
            try expectLeft([Int].self, malformed)
            try expectLeft(String.self, malformed)
        }
        // Integers JSONDecoder may read otherwise, or not at all.
        for number in ["1.0", "1e2", "-0", "9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e400"] {
            try expectLeft(Int64.self, number)
        }
        try expectLeft(UInt.self, "-1")
        try expectLeft(Int8.self, "128")
        try expectLeft(Double.self, "1e400")
        try expectLeft(Float.self, "0.1")
        // Dates in other forms, invalid dates and dates before the Gregorian calendar.
        for date in ["2026-12-04T18:24:05.5Z", "2026-12-04T18:24:05+01:00", "2026-12-04 18:24:05Z", "2026-02-29T00:00:00Z",
                     "2026-13-01T00:00:00Z", "2026-12-04T24:00:00Z", "2016-12-31T23:59:60Z", "1200-01-01T00:00:00Z", "not a date"] {
            try expectLeft(Date.self, "\"\(date)\"")
        }
        // A key written twice or with an escape, and the types JSONDecoder reads in a way of its own.
        try expectLeft([String: Int].self, #"{"a": 1, "a": 2}"#)
        try expectLeft([String: Int].self, #"{"b": 1, "a": 2, "b": 3}"#)
        try expectLeft([String: Int].self, #"{"\u0061": 1}"#)
        try expectLeft(Data.self, #""AAEC""#)
        try expectLeft(Decimal.self, "12.50")
        try expectLeft(URL.self, #""https://example.com/a""#)
        // A missing member, a type mismatch, and nesting deeper than 512.
        try expectLeft(Everything.self, "{}")
        try expectLeft([Int].self, #"["1"]"#)
        try expectLeft(Int.self, "true")
        try expectLeft([[Int]].self, String(repeating: "[", count: 600) + String(repeating: "]", count: 600))
    }

    struct Validated: Codable {
        let sku: SKU
    }

    @Test("a value's own refusal comes as JSONDecoder throws it, with its coding path")
    func valueErrors() throws {
        let json = #"{"sku": "not a sku!"}"#
        #expect(throws: (any Error).self) { try CanonicalJSONDecoder.decodeDirectly(Validated.self, from: json) }
        do {
            _ = try CanonicalJSONDecoder.decode(Validated.self, from: json)
            Issue.record("decoded an invalid SKU")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.codingPath.map(\.stringValue) == ["sku"])
        }
    }

    struct PathReporter: Decodable {
        let path: [String]
        init(from decoder: any Decoder) throws {
            path = decoder.codingPath.map(\.stringValue)
        }
    }

    struct Outer: Decodable {
        let inner: [String: [PathReporter]]
    }

    @Test("a decoder knows its coding path, as JSONDecoder's does")
    func codingPath() throws {
        let json = #"{"inner": {"x": [{}, {"a": [1]}]}}"#
        let direct = try CanonicalJSONDecoder.decodeDirectly(Outer.self, from: json)
        let expected = try Self.reference.decode(Outer.self, from: Data(json.utf8))
        #expect(direct.inner["x"]?.map(\.path) == expected.inner["x"]?.map(\.path))
        #expect(direct.inner["x"]?.last?.path == ["inner", "x", "Index 1"])
    }
}
