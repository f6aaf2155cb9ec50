import Aggregates
import EventStore
import Foundation
import Testing

@testable import Projections

/// Search analytics reads each search's fields straight from its JSON. The reference is decoding
/// the whole domain event, over the sample, a v1 search (no digest, no filters), a synthetic
/// history's searches and hand-written malformed ones.
@Suite struct SearchAnalyticsReadingTests {
    @Test func theSampleAndASyntheticHistoryReadAsDecoded() throws {
        let sample = EventCatalog.entries.first { $0.eventType == SearchPerformed.eventType }!
        try expectSameSearch(Self.recorded(version: sample.schemaVersion, json: sample.sampleJSON))
        var history = SyntheticHistory(seed: 11, start: Date(timeIntervalSince1970: 1_700_000_000))
        _ = try history.catalog(products: 20)
        var (found, filtered, searches) = (0, 0, 0)
        for _ in 0..<60 {
            for event in try history.searches().events {
                let recorded = try Self.recorded(version: event.schemaVersion, json: event.json)
                try expectSameSearch(recorded)
                let search = try SearchAnalyticsBuilder.search(in: recorded).get()
                searches += 1
                if search.found { found += 1 }
                if !search.filters.isEmpty { filtered += 1 }
            }
        }
        #expect(found > 0 && found < searches && filtered > 0 && filtered < searches, "found and unfound, filtered and unfiltered searches came up")
    }

    @Test func aSearchWithoutTextHasNoDigest() throws {
        for digest in ["", #","queryDigest":null"#] {
            let json = #"{"category":[],"filters":["inStock"],"query":"","resultCount":3"# + digest + #","viewer":{"kind":"guest","id":"g-1"}}"#
            let search = try SearchAnalyticsBuilder.search(in: Self.recorded(version: 2, json: json)).get()
            #expect(search.digest == nil && search.found && search.filters == ["inStock"])
            try expectSameSearch(Self.recorded(version: 2, json: json))
        }
    }

    @Test func aVersionOneSearchHasNoDigestAndNoFilters() throws {
        let json = #"{"category":[],"query":"","resultCount":0,"viewer":{"kind":"guest","id":"g-1"}}"#
        let search = try SearchAnalyticsBuilder.search(in: Self.recorded(version: 1, json: json)).get()
        #expect(search.digest == nil && search.filters.isEmpty && !search.found)
        try expectSameSearch(Self.recorded(version: 1, json: json))
    }

    @Test func missingOrMistypedFieldsPark() throws {
        let malformed = [
            #"{"category":[],"query":"mug","queryDigest":"d","filters":[],"viewer":{"kind":"guest","id":"g"}}"#,  // no result count
            #"{"category":[],"query":"mug","queryDigest":7,"resultCount":1,"filters":[],"viewer":{"kind":"guest","id":"g"}}"#,
            #"{"category":[],"query":"mug","resultCount":1,"filters":"size:M","viewer":{"kind":"guest","id":"g"}}"#,
            "not json",
        ]
        for json in malformed {
            #expect(throws: DomainError.self, "\(json)") { try SearchAnalyticsBuilder.search(in: Self.recorded(version: 2, json: json)).get() }
        }
    }

    private func expectSameSearch(_ event: RecordedEvent) throws {
        let read = try SearchAnalyticsBuilder.search(in: event).get()
        let decoded = try EventCodec.decode(ActivityEvent.self, EncodedEvent(type: event.type, schemaVersion: Int(event.schemaVersion), json: event.data))
        guard case .searchPerformed(let expected) = decoded else {
            Issue.record("decoded \(decoded)")
            return
        }
        #expect(read.query == expected.query && read.digest == expected.queryDigest)
        #expect(read.found == (expected.resultCount > 0) && read.filters == expected.filters)
    }

    private static func recorded(version: Int, json: String) throws -> RecordedEvent {
        try .sample(type: SearchPerformed.eventType, version: version, json: json, stream: "activity-sample")
    }
}
