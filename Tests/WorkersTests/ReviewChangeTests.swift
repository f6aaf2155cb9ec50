import Aggregates
import EventStore
import Foundation
import Testing

@testable import Projections

/// The reviews read model reads each event's fields straight from its JSON. The reference is
/// decoding the whole domain event, over every review event sample, a synthetic history's
/// reviews (submitted, rejected, voted on) and hand-written malformed events, which park.
@Suite struct ReviewChangeTests {
    @Test func everySampleReadsAsDecoded() throws {
        let entries = EventCatalog.entries.filter { $0.category == "review" }
        #expect(entries.count == 7)
        for entry in entries {
            try expectSameChange(Self.recorded(type: entry.eventType, version: entry.schemaVersion, json: entry.sampleJSON))
        }
    }

    @Test func aSyntheticHistorysReviewsReadAlike() throws {
        var history = SyntheticHistory(seed: 5, start: Date(timeIntervalSince1970: 1_700_000_000))
        _ = try history.catalog(products: 30)
        var types: Set<String> = []
        for _ in 0..<400 {
            for append in try history.order() where append.stream.hasPrefix("review-") {
                for event in append.events {
                    types.insert(event.type)
                    try expectSameChange(Self.recorded(type: event.type, version: event.schemaVersion, json: event.json))
                }
            }
        }
        #expect(types.isSuperset(of: ["ReviewSubmitted", "ReviewVoted", "ReviewRejected"]))
    }

    @Test func aSubmissionWithoutOrderAndAFirstVoteReadAsNil() throws {
        let submitted = #"{"body":"","flags":["link"],"productId":"p-1","rating":3,"reviewId":"rv-1","status":"pending","title":"Fine","customerId":"c-1","verified":false}"#
        try expectSameChange(Self.recorded(type: "ReviewSubmitted", version: 1, json: submitted))
        let voted = #"{"customerId":"c-2","helpful":false,"previous":null,"productId":"p-1","reviewId":"rv-1"}"#
        try expectSameChange(Self.recorded(type: "ReviewVoted", version: 1, json: voted))
    }

    @Test func unknownTypesBadIdsAndMissingOrMistypedFieldsPark() throws {
        let cases = [
            ("ReviewTeleported", #"{"productId":"p-1","reviewId":"rv-1"}"#),
            ("ReviewApproved", #"{"productId":"p-1","reviewId":""}"#),
            ("ReviewRejected", #"{"productId":"p-1","reviewId":"rv-1"}"#),
            ("ReviewSubmitted", #"{"body":"","flags":["rude"],"productId":"p-1","rating":3,"reviewId":"rv-1","status":"pending","title":"T","customerId":"c-1","verified":false}"#),
            ("ReviewSubmitted", #"{"body":"","flags":[],"productId":"p-1","rating":3,"reviewId":"rv-1","status":"hidden","title":"T","customerId":"c-1","verified":false}"#),
            ("ReviewSubmitted", #"{"body":"","flags":[],"productId":"p-1","rating":3,"reviewId":"rv-1","status":"pending","title":"T","customerId":"c-1","verified":false,"orderId":5}"#),
            ("ReviewVoted", #"{"customerId":"c-2","helpful":"yes","productId":"p-1","reviewId":"rv-1"}"#),
            ("ReviewReported", #"{"customerId":"c-2","reason":"spam","reports":1.5,"sentToModeration":false,"productId":"p-1","reviewId":"rv-1"}"#),
            ("ReviewDeleted", #"{"by":"moderator","productId":"p-1","reviewId":"rv-1"}"#),
            ("ReviewApproved", "not json"),
        ]
        for (type, json) in cases {
            #expect(throws: DomainError.self, "\(type) \(json)") { try ReviewsBuilder.change(for: Self.recorded(type: type, version: 1, json: json)).get() }
            #expect(throws: (any Error).self, "decoding refuses it too: \(type) \(json)") {
                try EventCodec.decode(ReviewEvent.self, EncodedEvent(type: type, schemaVersion: 1, json: json))
            }
        }
    }

    // MARK: The reference

    private func expectSameChange(_ event: RecordedEvent) throws {
        let read = try ReviewsBuilder.change(for: event).get()
        let decoded = try EventCodec.decode(ReviewEvent.self, EncodedEvent(type: event.type, schemaVersion: Int(event.schemaVersion), json: event.data))
        #expect(read.reviewID == decoded.reviewId.rawValue, "\(event.type)")
        #expect(read.change == Self.change(of: decoded), "\(event.type): read \(read.change)")
    }

    private static func change(of event: ReviewEvent) -> ReviewsBuilder.Change {
        switch event {
        case .submitted(let e):
            .submitted(productID: e.productId.rawValue, customerID: e.customerId.rawValue, orderID: e.orderId?.rawValue, verified: e.verified,
                       rating: e.rating, title: e.title, body: e.body, status: e.status.rawValue, flags: e.flags.map(\.rawValue))
        case .edited(let e): .edited(rating: e.rating, title: e.title, body: e.body, status: e.status.rawValue, flags: e.flags.map(\.rawValue))
        case .approved: .approved
        case .rejected(let e): .rejected(reason: e.reason)
        case .deleted: .deleted
        case .voted(let e): .voted(helpful: e.helpful, previous: e.previous)
        case .reported(let e): .reported(reports: e.reports, sentToModeration: e.sentToModeration)
        }
    }

    private static func recorded(type: String, version: Int, json: String) throws -> RecordedEvent {
        try .sample(type: type, version: version, json: json, stream: "review-sample")
    }
}
