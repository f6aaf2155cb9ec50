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
///
/// Without events it is a *condition* (``condition(_:at:)``): the append's other streams are
/// written only if this one is at the expected version, and nothing is written to it. A decision
/// that read another aggregate (a cart line priced from its product) appends with that
/// aggregate's version as a condition, instead of reading its stream again before the append:
/// it lands only if what it read is what is committed when the append runs. Like a read, a
/// condition does not wait for a write to its stream that is still committing (unlike two
/// writes to one stream, which the second's version check settles).
public struct StreamAppend: Sendable, Hashable {
    public var stream: StreamName
    public var expectedVersion: ExpectedVersion
    public var events: [NewEvent]

    public init(stream: StreamName, expectedVersion: ExpectedVersion, events: [NewEvent]) {
        self.stream = stream
        self.expectedVersion = expectedVersion
        self.events = events
    }

    /// A condition on `stream`: it must be at `version` (not `.any`, which is no condition) for
    /// the append's events to be written.
    public static func condition(_ stream: StreamName, at version: ExpectedVersion) -> StreamAppend {
        StreamAppend(stream: stream, expectedVersion: version, events: [])
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
