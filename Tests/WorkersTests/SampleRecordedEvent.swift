import EventStore
import Foundation

extension RecordedEvent {
    /// An event as the store would hand it to a read model, for tests of how one reads an
    /// event's JSON: only its type, schema version, text and stream matter to them.
    static func sample(type: String, version: Int, json: String, stream: String, position: Int64 = 42) throws -> RecordedEvent {
        RecordedEvent(
            position: position, stream: try StreamName(stream), version: 3, id: UUID(), type: type, schemaVersion: Int32(version),
            data: json, metadata: EventMetadata(), recordedAt: Date(timeIntervalSince1970: 1_700_000_000)
        )
    }
}
