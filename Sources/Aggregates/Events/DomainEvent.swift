import Foundation

/// The data of one event type: a struct whose name is the event type, encoded as a JSON object
/// (camelCase fields, ISO 8601 UTC times, money as `{"amount": minor units, "currency": "EUR"}`).
/// Each type and version has a JSON Schema in `schemas/events/<Type>.v<N>.json`.
public protocol EventPayload: Codable, Sendable, Equatable {
    /// The current schema version; older stored versions are upcast on read (``EventUpcasters``).
    static var schemaVersion: Int { get }
    /// An instance used to check the type against its JSON Schema.
    static var sample: Self { get }
}

extension EventPayload {
    public static var schemaVersion: Int { 1 }
    /// The type's name (looked up: naming a type through reflection costs microseconds, and
    /// every event encoded and decoded asks).
    public static var eventType: String { EventCatalog.name(of: Self.self) }
}

/// An aggregate's events: an enum with one case per payload type.
public protocol DomainEvent: Sendable, Equatable {
    var payload: any EventPayload { get }
    init?(payload: any EventPayload)
    static var payloadTypes: [any EventPayload.Type] { get }
}

extension DomainEvent {
    public var eventType: String { type(of: payload).eventType }
    public var schemaVersion: Int { type(of: payload).schemaVersion }
}
