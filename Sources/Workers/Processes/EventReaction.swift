import Aggregates
import Application
import EventStore
import Foundation

/// A process manager that acts on one event type: decodes its payload (upcast to the current
/// version) and decides with `react`. A payload that does not decode is a refusal: recorded,
/// not retried.
public struct EventReaction<Payload: EventPayload>: ProcessManager {
    public let name: String
    public let categories: [String]
    let react: @Sendable (Payload, RecordedEvent, StepDecider) async throws -> [StreamAppend]

    public init(name: String, category: String, react: @escaping @Sendable (Payload, RecordedEvent, StepDecider) async throws -> [StreamAppend]) {
        self.name = name
        categories = [category]
        self.react = react
    }

    public func handle(_ event: RecordedEvent, load: StepDecider) async throws -> ProcessStep {
        guard event.type == Payload.eventType else { return .nothing }
        return ProcessStep(appends: try await react(try Self.payload(of: event), event, load), command: "react to \(event.type) of \(event.stream)")
    }

    /// The event's payload, upcast to the current version.
    /// - Throws: ``DomainError`` (`event.unknown_version`, `event.malformed`): a refusal, recorded, not retried.
    static func payload(of event: RecordedEvent) throws -> Payload {
        let json = try EventUpcasters.upcast(type: event.type, from: Int(event.schemaVersion), to: Payload.schemaVersion, json: event.data)
        do { return try EventCodec.decodeJSON(Payload.self, json) } catch {
            throw DomainError(.malformedEvent, "\(event.type) at position \(event.position) does not decode: \(error)")
        }
    }
}
