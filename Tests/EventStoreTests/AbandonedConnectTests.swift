import EventStore
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import Testing
import TestSupport

/// A connection attempt given up after its timeout: the connection that still arrives is closed,
/// not left open (a leaked server backend) nor dropped unclosed (a debug build's fatal error).
@Suite("Connecting with a timeout that leaves the attempt behind")
struct AbandonedConnectTests {
    let logger = TestEnvironment.logger

    @Test(
        "an attempt that answers after the timeout throws TimeoutError without waiting for it, and its connection is closed when it arrives",
        .timeLimit(.minutes(1))
    )
    func lateConnectionIsClosed() async throws {
        let arrived = NIOLockedValueBox<PostgresConnection?>(nil)
        // The attempt connects only once the caller has its TimeoutError: a caller that waited
        // for the attempt would never get one, and the time limit would end the test.
        let (gate, opener) = AsyncStream<Void>.makeStream()
        let logger = logger
        await #expect(throws: TimeoutError.self) {
            try await PostgresConnection.connect(abandoningAfter: .milliseconds(100)) {
                // Deaf to cancellation, like a server that does not answer: a task of its own,
                // which the timeout's cancellation does not reach, connects after it.
                let connection = try await Task {
                    for await _ in gate { break }
                    return try await Self.connectRetrying(logger: logger)
                }.value
                arrived.withLockedValue { $0 = connection }
                return connection
            }
        }
        opener.yield()
        opener.finish()
        try await waitUntil { arrived.withLockedValue { $0 }?.isClosed ?? false }
    }

    /// A connection to the test cluster, which under the whole suite's load may refuse one for a
    /// moment.
    static func connectRetrying(logger: Logger) async throws -> PostgresConnection {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await PostgresConnection.connect(
                    configuration: try TestEnvironment.databaseURL.connectionConfiguration(), id: attempt, logger: logger
                )
            } catch where attempt < 20 {
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    @Test("an attempt that answers in time returns its connection, open")
    func timelyConnectionIsReturned() async throws {
        let logger = logger
        let connection = try await PostgresConnection.connect(abandoningAfter: .seconds(10)) {
            try await Self.connectRetrying(logger: logger)
        }
        #expect(!connection.isClosed)
        let answer = try await connection.query("SELECT 1", logger: logger)
        let rows = try await answer.decode(Int.self).collectAll()
        #expect(rows == [1])
        try await connection.close()
    }
}
