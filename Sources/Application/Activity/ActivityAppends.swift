import Aggregates
import EventStore
import Foundation

/// Shopper activity waiting to be stored, and how it is stored: one multi-stream append per
/// batch, each shopper's events on their own stream in the order they happened, each carrying
/// when it happened as its business time. Activity has no rules to check, so no version is
/// expected.
public enum ActivityAppends {
    public struct Pending: Sendable {
        public let event: ActivityEvent
        public let at: Date
        public let correlationID: UUID?

        public init(event: ActivityEvent, at: Date, correlationID: UUID? = nil) {
            self.event = event
            self.at = at
            self.correlationID = correlationID
        }
    }

    public static func appends(_ pending: [Pending]) throws -> [StreamAppend] {
        var order: [String] = []
        var byStream: [String: [NewEvent]] = [:]
        for item in pending {
            let stream = Activity.streamName(for: item.event.viewer)
            let encoded = EventCodec.encode(item.event)
            var metadata = EventMetadata(correlationID: item.correlationID, actor: actor(item.event.viewer))
            metadata.occurredAt = item.at
            if byStream[stream] == nil { order.append(stream) }
            byStream[stream, default: []].append(NewEvent(type: encoded.type, schemaVersion: Int32(encoded.schemaVersion), data: encoded.json, metadata: metadata))
        }
        return try order.map { StreamAppend(stream: try StreamName($0), expectedVersion: .any, events: byStream[$0]!) }
    }

    private static func actor(_ viewer: CartOwner) -> String {
        switch viewer {
        case .customer(let id): id.rawValue
        case .guest: "guest"
        }
    }
}
