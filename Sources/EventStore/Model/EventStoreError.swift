/// Why the event store refused or failed an operation, with a stable ``Code``.
///
/// Refusals (bad input, conflicts) are raised before anything is written, and a failed append
/// writes nothing at all.
public struct EventStoreError: Error, CustomStringConvertible, Sendable, Equatable {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let invalidStreamName = Code(rawValue: "event_store.invalid_stream_name")
        public static let emptyAppend = Code(rawValue: "event_store.empty_append")
        public static let duplicateStream = Code(rawValue: "event_store.duplicate_stream")
        public static let duplicateEventID = Code(rawValue: "event_store.duplicate_event_id")
        public static let invalidEventType = Code(rawValue: "event_store.invalid_event_type")
        public static let eventTooLarge = Code(rawValue: "event_store.event_too_large")
        public static let invalidPayload = Code(rawValue: "event_store.invalid_payload")
        public static let invalidExpectedVersion = Code(rawValue: "event_store.invalid_expected_version")
        public static let invalidReadRange = Code(rawValue: "event_store.invalid_read_range")
        /// The stream is not at the expected version; ``EventStoreError/actualVersion`` says where it is.
        public static let wrongExpectedVersion = Code(rawValue: "event_store.wrong_expected_version")
        /// Event ids already stored with other content or in another place.
        public static let idempotencyConflict = Code(rawValue: "event_store.idempotency_conflict")
        public static let immutable = Code(rawValue: "event_store.events_are_immutable")
        public static let database = Code(rawValue: "event_store.database")
        /// The database could not be reached or went away (see ``DatabaseOutage``): try again later.
        public static let unavailable = Code(rawValue: "event_store.unavailable")
    }

    public let code: Code
    public let message: String
    /// With `.wrongExpectedVersion`: the stream concerned.
    public var stream: StreamName?
    /// With `.wrongExpectedVersion`: the stream's version when the append was refused.
    public var actualVersion: Int64?

    public init(_ code: Code, _ message: String, stream: StreamName? = nil, actualVersion: Int64? = nil) {
        self.code = code
        self.message = message
        self.stream = stream
        self.actualVersion = actualVersion
    }

    public var description: String { "\(code): \(message)" }
}
