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
