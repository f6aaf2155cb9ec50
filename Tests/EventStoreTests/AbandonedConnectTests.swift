import EventStore
import NIOConcurrencyHelpers
import PostgresNIO
import Testing
import TestSupport

/// A connection attempt given up after its timeout: the connection that still arrives is closed,
/// not left open (a leaked server backend) nor dropped unclosed (a debug build's fatal error).
@Suite("Connecting with a timeout that leaves the attempt behind")
struct AbandonedConnectTests {
    let logger = TestEnvironment.logger

    @Test("an attempt that answers after the timeout throws TimeoutError at the timeout, and its connection is closed when it arrives")
    func lateConnectionIsClosed() async throws {
        let arrived = NIOLockedValueBox<PostgresConnection?>(nil)
        let logger = logger
        let clock = ContinuousClock()
        let start = clock.now
        await #expect(throws: TimeoutError.self) {
            try await PostgresConnection.connect(abandoningAfter: .milliseconds(100)) {
                // Deaf to cancellation, like a server that does not answer: a task of its own,
                // which the timeout's cancellation does not reach, connects after it.
                let connection = try await Task {
                    try await Task.sleep(for: .milliseconds(600))
                    return try await PostgresConnection.connect(
                        configuration: try TestEnvironment.databaseURL.connectionConfiguration(), id: 1, logger: logger
                    )
                }.value
                arrived.withLockedValue { $0 = connection }
                return connection
            }
        }
        #expect(clock.now - start < .milliseconds(500), "the caller waited for the abandoned attempt")
        try await waitUntil(timeout: .seconds(10)) { arrived.withLockedValue { $0 }?.isClosed ?? false }
    }

    @Test("an attempt that answers in time returns its connection, open")
    func timelyConnectionIsReturned() async throws {
        let logger = logger
        let connection = try await PostgresConnection.connect(abandoningAfter: .seconds(10)) {
            try await PostgresConnection.connect(configuration: try TestEnvironment.databaseURL.connectionConfiguration(), id: 2, logger: logger)
        }
        #expect(!connection.isClosed)
        let answer = try await connection.query("SELECT 1", logger: logger)
        let rows = try await answer.decode(Int.self).collectAll()
        #expect(rows == [1])
        try await connection.close()
    }
}
