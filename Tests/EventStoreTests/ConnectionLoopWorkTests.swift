import EventStore
import PostgresNIO
import Testing
import TestSupport

/// Work run on its connection's event loop (`onConnectionsLoop`), as a small append batch is: it
/// stays on that loop across its statements, and keeps its caller's task-local values.
@Suite("Watched work on the connection's event loop")
struct ConnectionLoopWorkTests {
    enum Marker {
        @TaskLocal static var value: String?
    }

    @Test("work asked to run on its connection's loop runs there before and after a statement, other work does not, and both see the caller's task-local values")
    func runsOnTheConnectionsLoop() async throws {
        let logger = TestEnvironment.logger
        try await withTestDatabase(migrated: false) { client, _ in
            try await Marker.$value.withValue("caller") {
                let onLoop = try await client.withWatchedConnection(onConnectionsLoop: true) { connection in
                    let before = connection.eventLoop.inEventLoop
                    let answer = try await connection.query("SELECT 41 + 1", logger: logger).decode(Int.self).collectAll()
                    let rows = try await connection.query("SELECT generate_series(1, 2500)", logger: logger).decode(Int.self).collectAll()
                    return (before, connection.eventLoop.inEventLoop, answer, rows, Marker.value)
                }
                #expect(onLoop.0 && onLoop.1, "on the loop before and after the statements")
                #expect(onLoop.2 == [42])
                #expect(onLoop.3 == Array(1...2500))
                #expect(onLoop.4 == "caller")

                let elsewhere = try await client.withWatchedConnection { connection in
                    _ = try await connection.query("SELECT 1", logger: logger).collectAll()
                    return (connection.eventLoop.inEventLoop, Marker.value)
                }
                #expect(!elsewhere.0, "default work runs on the cooperative pool")
                #expect(elsewhere.1 == "caller")
            }
        }
    }
}
