import Foundation

/// A stored event as read back.
public struct RecordedEvent: Sendable, Hashable {
    public let position: Int64
    public let stream: StreamName
    public let version: Int64
    public let id: UUID
    public let type: String
    public let schemaVersion: Int32
    /// The JSON object, as text.
    public let data: String
    public let metadata: EventMetadata
    public let recordedAt: Date

    public init(
        position: Int64, stream: StreamName, version: Int64, id: UUID, type: String, schemaVersion: Int32,
        data: String, metadata: EventMetadata, recordedAt: Date
    ) {
        self.position = position
        self.stream = stream
        self.version = version
        self.id = id
        self.type = type
        self.schemaVersion = schemaVersion
        self.data = data
        self.metadata = metadata
        self.recordedAt = recordedAt
    }

    public var category: Substring { stream.category }
}
