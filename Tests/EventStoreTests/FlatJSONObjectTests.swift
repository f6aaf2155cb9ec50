import Foundation
import Testing

@testable import EventStore

/// The metadata reader against Foundation's decoder: the same members for every object of
/// strings, and no answer where Foundation has none.
@Suite struct FlatJSONObjectTests {
    static let objects = [
        #"{}"#, #" { } "#, #"{"occurredAt":"2026-03-01T10:15:00.000Z"}"#,
        #"{ "a" : "1" , "b":"two words", "c": "" }"#,
        #"{"quote":"say \"hi\"","slash":"a\/b\\c","controls":"\b\f\n\r\t"}"#,
        #"{"unicode":"Grüße, 東京","escaped":"\u00fc\u6771\u0041","pair":"\ud83d\ude00 smile"}"#,
        #"{"dup":"first","dup":"second"}"#,
        #"{"key with \"quotes\"":"v"}"#,
    ]

    static let notObjectsOfStrings = [
        "", "[]", #"{"a":1}"#, #"{"a":"b""#, #"{"a" "b"}"#, #"{"a":"\x"}"#, #"{"a":"\u12"}"#,
        #"{"a":"\ud83d"}"#, #"{"a":"\ude00"}"#, "{\"a\":\"line\nbreak\"}", #"{"a":"b"} x"#, #"{"a":null}"#,
    ]

    @Test(arguments: objects)
    func readsWhatFoundationReads(_ text: String) throws {
        let expected = try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        #expect(FlatJSONObject.parse(text) == expected)
    }

    @Test(arguments: notObjectsOfStrings)
    func refusesWhatIsNoObjectOfStrings(_ text: String) {
        #expect(FlatJSONObject.parse(text) == nil)
        #expect((try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) == nil)
    }

    @Test(arguments: objects + notObjectsOfStrings)
    func readsOneValueAsTheWholeObjectHasIt(_ text: String) throws {
        let whole = FlatJSONObject.parse(text)
        for key in Array(whole?.keys ?? [:].keys) + ["absent", "occurredAt", "dup", "a"] {
            #expect(FlatJSONObject.value(key, in: text) == whole?[key], "\(key)")
        }
    }

    @Test(arguments: objects + notObjectsOfStrings)
    func metadataReadBackEqualsMetadataMade(_ text: String) {
        let correlation = UUID()
        let readBack = EventMetadata(correlationID: correlation, causationID: nil, actor: "a", extraJSON: text)
        let made = EventMetadata(correlationID: correlation, actor: "a", extra: FlatJSONObject.parse(text) ?? [:])
        #expect(readBack.extra == made.extra)
        #expect(readBack == made)
        #expect(readBack.hashValue == made.hashValue)
        #expect(readBack.occurredAt == made.occurredAt)
    }
}

/// The metadata writer against Foundation's encoder with sorted keys: the same text, byte for
/// byte, so events appended before and after it carry their metadata alike.
@Suite struct FlatJSONObjectWritingTests {
    static let members: [[String: String]] = [
        [:],
        ["occurredAt": "2026-03-01T10:15:00.000Z"],
        ["b": "two words", "a": "1", "c": "", "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"],
        ["quote": "say \"hi\"", "slash": "a/b\\c", "controls": "\u{8}\u{C}\n\r\t", "low": "\u{0}\u{1}\u{1F}\u{7F}"],
        ["unicode": "Grüße, 東京", "emoji": "😀 smile", "separators": "\u{2028}\u{2029}"],
        ["Zebra": "upper", "apple": "lower", "Äpfel": "umlaut", "ápple": "accent", "10": "digits", "9": "digit", "": "empty key"],
    ]

    @Test(arguments: members)
    func writesWhatFoundationWrites(_ members: [String: String]) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let expected = String(decoding: try encoder.encode(members), as: UTF8.self)
        #expect(FlatJSONObject.text(members) == expected)
        #expect(FlatJSONObject.parse(FlatJSONObject.text(members)) == members)
    }
}
