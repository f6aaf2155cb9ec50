import Foundation

/// An event as the event store keeps it: type name, schema version and JSON text.
public struct EncodedEvent: Sendable, Equatable {
    public let type: String
    public let schemaVersion: Int
    public let json: String

    public init(type: String, schemaVersion: Int, json: String) {
        self.type = type
        self.schemaVersion = schemaVersion
        self.json = json
    }
}

/// Encodes events to JSON and decodes stored JSON, upcasting older schema versions first.
/// Encoding is stable: sorted keys, ISO 8601 UTC times.
public enum EventCodec {
    public static func encode(_ event: some DomainEvent) -> EncodedEvent {
        let payload = event.payload
        return EncodedEvent(type: event.eventType, schemaVersion: event.schemaVersion, json: encodeJSON(payload))
    }

    /// - Throws: ``DomainError`` `event.unknown_type`, `event.unknown_version` or `event.malformed`.
    public static func decode<Event: DomainEvent>(_: Event.Type, _ encoded: EncodedEvent) throws(DomainError) -> Event {
        guard let payloadType = Event.payloadTypes.first(where: { $0.eventType == encoded.type }) else {
            throw DomainError(.unknownEventType, "\(Event.self) has no event type \(encoded.type)")
        }
        let json = try EventUpcasters.upcast(type: encoded.type, from: encoded.schemaVersion, to: payloadType.schemaVersion, json: encoded.json)
        let payload: any EventPayload
        do {
            payload = try decodePayload(payloadType, json)
        } catch {
            throw DomainError(.malformedEvent, "\(encoded.type) v\(encoded.schemaVersion) does not decode: \(error)")
        }
        guard let event = Event(payload: payload) else {
            throw DomainError(.unknownEventType, "\(Event.self) has no case for \(encoded.type)")
        }
        return event
    }

    public static func encodeJSON(_ value: some Encodable) -> String {
        // Encoding our own value types cannot fail: they hold only strings, numbers, dates and arrays.
        String(decoding: try! CanonicalJSONEncoder.encode(value), as: UTF8.self)
    }

    /// Decodes as `JSONDecoder` with ISO 8601 dates does (``CanonicalJSONDecoder``).
    public static func decodeJSON<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try CanonicalJSONDecoder.decode(type, from: json)
    }

    private static func decodePayload<P: EventPayload>(_ type: P.Type, _ json: String) throws -> any EventPayload {
        try decodeJSON(type, json)
    }
}
