import Foundation

/// An event to append: its id (the idempotency key), type, schema version and JSON data.
public struct NewEvent: Sendable, Hashable {
    public var id: UUID
    public var type: String
    public var schemaVersion: Int32
    /// A JSON object, as text.
    public var data: String
    public var metadata: EventMetadata

    public init(id: UUID = RandomIdentifier.uuid(), type: String, schemaVersion: Int32 = 1, data: String, metadata: EventMetadata = EventMetadata()) {
        self.id = id
        self.type = type
        self.schemaVersion = schemaVersion
        self.data = data
        self.metadata = metadata
    }
}

/// Events for one stream, with what the stream is expected to be at.
public struct StreamAppend: Sendable, Hashable {
    public var stream: StreamName
    public var expectedVersion: ExpectedVersion
    public var events: [NewEvent]

    public init(stream: StreamName, expectedVersion: ExpectedVersion, events: [NewEvent]) {
        self.stream = stream
        self.expectedVersion = expectedVersion
        self.events = events
    }
}

/// Where an append put a stream's events.
public struct AppendResult: Sendable, Hashable {
    public let stream: StreamName
    public let firstVersion: Int64
    /// The stream's version after the append: the expected version for the next one.
    public let lastVersion: Int64
    public let firstPosition: Int64
    /// The global position of the last event: a query can wait for a read model to reach it.
    public let lastPosition: Int64
    /// True when these events were stored already (an idempotent retry): nothing was written.
    public let alreadyStored: Bool
}
