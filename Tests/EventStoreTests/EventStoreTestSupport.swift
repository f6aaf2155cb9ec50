import EventStore
import Foundation
import PostgresNIO
import TestSupport

func makeEvent(_ type: String = "Tested", _ json: String = #"{"n":1}"#, id: UUID = UUID(), actor: String? = "tester") -> NewEvent {
    NewEvent(id: id, type: type, data: json, metadata: EventMetadata(correlationID: UUID(), actor: actor))
}

func stream(_ name: String) -> StreamName {
    try! StreamName(name)
}

/// A store on a fresh, migrated database of its own.
func withStore<T: Sendable>(
    maximumConnections: Int = 20,
    limits: PostgresEventStore.Limits = .init(),
    _ body: (PostgresEventStore, PostgresClient) async throws -> T
) async throws -> T {
    try await withTestDatabase(maximumConnections: maximumConnections) { client, _ in
        try await body(PostgresEventStore(client: client, logger: TestEnvironment.logger, limits: limits), client)
    }
}

func eventCount(_ client: PostgresClient) async throws -> Int {
    try await client.query("SELECT count(*)::int FROM events").decode(Int.self).collectAll()[0]
}

/// Reads all of `$all` that is safe to read now.
func readEverything(_ store: PostgresEventStore, filter: EventFilter = .all) async throws -> [RecordedEvent] {
    var events: [RecordedEvent] = []
    var position: Int64 = 0
    while true {
        let page = try await store.readAll(after: position, limit: 1000, filter: filter)
        events += page.events
        if page.nextPosition == position { return events }
        position = page.nextPosition
    }
}
