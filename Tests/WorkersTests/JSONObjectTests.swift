import Aggregates
import EventStore
import Foundation
import Testing

@testable import Projections

/// The field reader analytics folds with, against Foundation's JSON parser as the reference,
/// and against every sample event of the categories analytics reads.
@Suite struct JSONObjectTests {
    static let documents = [
        #"{"a":"x","n":-42,"big":9007199254740993,"t":true,"nested":{"k":"v","deep":{"z":[1,2,{"q":"\"}"}]}},"list":[{"s":"1"},{"s":"2"}],"names":["p","q"]}"#,
        #" { "spaced" : "value with \"quotes\" and \\ slash" , "esc\u0061ped key" : 7 , "unicode" : "Grüße \u6771\ud83d\ude00" , "empty" : {} , "none" : [] } "#,
        #"{"float":1.5e3,"nil":null,"after":"found after skipping a number and null","arr":[[1,[2]],{"x":{}}],"last":0}"#,
    ]

    @Test(arguments: documents)
    func readsEachMemberAsFoundationDoes(_ text: String) throws {
        let reference = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        let object = try #require(JSONObject(text))
        for (key, value) in reference {
            switch value {
            case let string as String:
                #expect(object.string(key) == string, "\(key)")
            case let array as [Any]:
                if let strings = array as? [String] { #expect(object.strings(key) == strings, "\(key)") }
                if let objects = array as? [[String: Any]] { #expect(object.objects(key)?.count == objects.count, "\(key)") }
            case let nested as [String: Any]:
                #expect(object.object(key) != nil, "\(key)")
                for case let (inner, string as String) in nested { #expect(object.object(key)?.string(inner) == string, "\(key).\(inner)") }
            default:
                #expect(object.value(key) != nil, "\(key)")
            }
        }
        #expect(object.string("absent") == nil)
    }

    @Test(arguments: [#"{"a":"x""#, #"{"a" "x"}"#, #"{"a":"x",}"#, #"{"a":tru}"#, #"{"a":"x"} trailing"#, #"["a"]"#, #"{"a":"line"#])
    func refusesMalformedObjects(_ text: String) {
        #expect(JSONObject(text) == nil)
    }

    @Test func integersAreWholeNumbersThatFit() {
        let first = JSONObject(Self.documents[0])
        #expect(first?.integer("n") == -42 && first?.integer("big") == 9_007_199_254_740_993 && first?.integer("t") == nil)
        #expect(JSONObject(Self.documents[1])?.integer("escaped key") == 7)
        #expect(JSONObject(Self.documents[2])?.integer("last") == 0)
        #expect(JSONObject(#"{"a":1.5}"#)?.integer("a") == nil)
        #expect(JSONObject(#"{"a":1e3}"#)?.integer("a") == nil)
        #expect(JSONObject(#"{"a":99999999999999999999}"#)?.integer("a") == nil)
        #expect(JSONObject(#"{"a":-9223372036854775808}"#)?.integer("a") == Int64.min)
        #expect(JSONObject(#"{"a":"7"}"#)?.integer("a") == nil)
    }

    @Test func cartLinesWrittenByHandReadBackThroughFoundation() throws {
        let lines = [
            AnalyticsRows.CartLine(sku: "SKU-1", name: #"Mug "Grande" \ 1/2"#, quantity: 2, unitPrice: 1999),
            AnalyticsRows.CartLine(sku: "SKU-2", name: "Grüße\n\t\u{01} 東京 😀", quantity: 1, unitPrice: -5),
        ]
        for value in [[], lines] {
            let json = AnalyticsRows.CartLine.json(value)
            #expect(try JSONDecoder().decode([AnalyticsRows.CartLine].self, from: Data(json.utf8)) == value, "\(json)")
        }
    }

    /// Every event type analytics reads, in its current schema, yields a fact (no parked sample).
    @Test func everySampleEventOfTheAnalyticsCategoriesReads() throws {
        let projection = AnalyticsProjection()
        let entries = EventCatalog.entries.filter { projection.categories.contains($0.category) }
        #expect(entries.count > 20)
        for entry in entries {
            let event = RecordedEvent(
                position: 1, stream: try StreamName("\(entry.category)-sample"), version: 1, id: UUID(), type: entry.eventType,
                schemaVersion: Int32(entry.schemaVersion), data: entry.sampleJSON, metadata: EventMetadata(), recordedAt: Date()
            )
            switch AnalyticsFact.decode(event) {
            case .success(.irrelevant): #expect(projection.ignoredEventTypes.contains(entry.eventType), "\(entry.eventType)")
            case .success: #expect(!projection.ignoredEventTypes.contains(entry.eventType), "\(entry.eventType)")
            case .failure(let error): Issue.record("\(entry.eventType): \(error)")
            }
        }
    }
}
