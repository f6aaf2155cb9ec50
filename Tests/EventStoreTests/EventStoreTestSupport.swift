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
