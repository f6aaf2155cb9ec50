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

    @Test("traceparent: W3C's example parses, malformed and all-zero ones do not; a message carries its correlation id as trace id and its event as span")
    func traceContext() throws {
        let example = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let parsed = try #require(TraceParent(header: example))
        #expect(parsed.traceID == UUID(uuidString: "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"))
        #expect(parsed.parentID == 0x00f0_67aa_0ba9_02b7 && parsed.sampled)
        #expect(parsed.header == example)
        #expect(TraceParent(header: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")?.sampled == false)
        #expect(TraceParent(header: "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-later-fields") != nil, "a later version's extra fields are allowed")
        for bad in [
            "", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01", "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ] {
            #expect(TraceParent(header: bad) == nil, "\(bad)")
        }
        let id = UUID(uuidString: "0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9")!
        let event = RecordedEvent(
            position: 9, stream: try StreamName("order-o3"), version: 1, id: id, type: "OrderPlaced", schemaVersion: 1, data: "{}",
            metadata: EventMetadata(correlationID: parsed.traceID), recordedAt: Date(timeIntervalSince1970: 1_790_000_000)
        )
        #expect(CloudEventMessage.message(for: event).header("ce_traceparent")?.stringValue == "00-4bf92f3577b34da6a3ce929d0e0e4736-0a1b2c3d4e5f6071-01")
        #expect(CloudEventMessage.message(for: RecordedEvent(
            position: 10, stream: try StreamName("order-o4"), version: 1, id: id, type: "OrderPlaced", schemaVersion: 1, data: "{}",
            metadata: EventMetadata(), recordedAt: Date(timeIntervalSince1970: 1_790_000_000)
        )).header("ce_traceparent") == nil, "no correlation, no trace")
    }
}
