import EventStore
import Foundation
import Testing
import Workers

@Suite("CloudEvents on Kafka")
struct CloudEventMessageTests {
    @Test("an event's business time travels with it: read models count it on its own day")
    func businessTimeSurvives() throws {
        var metadata = EventMetadata(actor: "synthetic-history")
        let past = Date(timeIntervalSince1970: 1_767_225_600.25)
        metadata.occurredAt = past
        let event = RecordedEvent(
            position: 7, stream: try StreamName("order-o1"), version: 1, id: UUID(), type: "OrderPlaced", schemaVersion: 1,
            data: "{}", metadata: metadata, recordedAt: Date(timeIntervalSince1970: 1_790_000_000)
        )
        let read = try #require(CloudEventMessage.event(from: CloudEventMessage.message(for: event)))
        #expect(read.occurredAt == past)
        #expect(read.occurredAt != read.recordedAt)

        let live = RecordedEvent(
            position: 8, stream: try StreamName("order-o2"), version: 1, id: UUID(), type: "OrderPlaced", schemaVersion: 1,
            data: "{}", metadata: EventMetadata(), recordedAt: Date(timeIntervalSince1970: 1_790_000_000)
        )
        let message = CloudEventMessage.message(for: live)
        #expect(message.header("ce_occurredat") == nil)
        #expect(try #require(CloudEventMessage.event(from: message)).occurredAt == live.recordedAt)
    }
}
