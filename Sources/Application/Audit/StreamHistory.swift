import Aggregates
import EventStore
import Foundation

/// An aggregate's history for audits: its events, and its state as of any instant — a
/// position or a time — folded from the events then stored (later ones are ignored).
public struct StreamHistory: Sendable {
    /// A stream's state at a point, with the events that led there.
    public struct Replay: Sendable {
        public let stream: StreamName
        public let asOf: HistoryPoint?
        /// The version and the position of the last event folded.
        public let version: Int64
        public let position: Int64
        public let events: [RecordedEvent]
        /// The aggregate's state as JSON (sorted keys; money in minor units; RFC 3339 times).
        public let stateJSON: String
    }

    /// The categories whose streams fold into an aggregate's state.
    public static let aggregateCategories = EventCatalog.categories.map(\.category)

    let store: PostgresEventStore
    let personalData: PersonalDataProtection

    public init(store: PostgresEventStore, personalData: PersonalDataProtection? = nil) {
        self.store = store
        self.personalData = personalData ?? PersonalDataProtection(store: store)
    }

    /// Events of a stream from a version on, oldest first.
    public func events(of stream: StreamName, fromVersion: Int64 = 1, limit: Int = 100) async throws -> [RecordedEvent] {
        try await store.read(stream, from: fromVersion, limit: limit)
    }

    /// The aggregate's state as of `point` (now when nil).
    /// - Throws: ``ApplicationError`` `not_found` when the stream had no events by then or is
    ///   not an aggregate's; ``DomainError`` when a stored event does not decode.
    public func replay(_ stream: StreamName, asOf point: HistoryPoint?) async throws -> Replay {
        guard Self.aggregateCategories.contains(String(stream.category)) else {
            throw ApplicationError(.notFound, "\(stream.category) streams hold no aggregate; aggregates are \(Self.aggregateCategories.joined(separator: ", "))")
        }
        var events: [RecordedEvent] = []
        while true {
            let page = try await store.read(stream, from: (events.last?.version ?? 0) + 1, limit: 1000, asOf: point)
            events += page
            guard page.count == 1000 else { break }
        }
        guard let last = events.last else { throw ApplicationError.notFound("stream \(stream) as of that point") }
        // The state shows personal data opened, or erased; the events stay as stored (sealed).
        var revealed: [RecordedEvent] = []
        for event in events {
            revealed.append(RecordedEvent(
                position: event.position, stream: event.stream, version: event.version, id: event.id, type: event.type,
                schemaVersion: event.schemaVersion, data: try await personalData.reveal(type: event.type, data: event.data),
                metadata: event.metadata, recordedAt: event.recordedAt
            ))
        }
        let state: String = switch stream.category {
        case "product": try Self.fold(Product.self, revealed)
        case "inventory": try Self.fold(Inventory.self, revealed)
        case "cart": try Self.fold(Cart.self, revealed)
        case "order": try Self.fold(Order.self, revealed)
        default: try Self.fold(Payment.self, revealed)
        }
        return Replay(stream: stream, asOf: point, version: last.version, position: last.position, events: events, stateJSON: state)
    }

    static func fold<D: Decider>(_: D.Type, _ events: [RecordedEvent]) throws -> String where D.State: Encodable {
        var state = D.initialState
        for recorded in events {
            let event = try EventCodec.decode(D.Event.self, EncodedEvent(type: recorded.type, schemaVersion: Int(recorded.schemaVersion), json: recorded.data))
            state = D.evolve(state, event)
        }
        return EventCodec.encodeJSON(state)
    }
}

extension StreamHistory.Replay {
    /// `{"stream", "asOf", "version", "position", "state", "events": [...]}`, events as
    /// ``RecordedEvent/appendJSON(to:)`` writes them.
    public var json: [UInt8] {
        var json: [UInt8] = Array(#"{"stream":"#.utf8)
        JSONText.appendString(stream.rawValue, to: &json)
        json.append(contentsOf: #","asOf":"#.utf8)
        switch asOf {
        case .none: json.append(contentsOf: "null".utf8)
        case .position(let position): json.append(contentsOf: #"{"position":\#(position)}"#.utf8)
        case .time(let time):
            json.append(contentsOf: #"{"time":"#.utf8)
            JSONText.appendString(RFC3339Time.format(time), to: &json)
            json.append(UInt8(ascii: "}"))
        }
        json.append(contentsOf: #","version":\#(version),"position":\#(position),"state":"#.utf8)
        json.append(contentsOf: stateJSON.utf8)
        json.append(contentsOf: #","events":"#.utf8)
        RecordedEvent.appendJSONArray(events, to: &json)
        json.append(UInt8(ascii: "}"))
        return json
    }
}
