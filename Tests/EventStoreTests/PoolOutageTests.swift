import EventStore
import Foundation
import NIOConcurrencyHelpers
import PostgresNIO
import Testing
import TestSupport

/// Statements through the pool while the server restarts (postgres-nio 1.33 drops a statement
/// written to a connection that has just closed, and its caller would wait for ever), and the
/// watch that gives such a statement up.
@Suite("Pool statements across server restarts: none waits for ever")
struct PoolOutageTests {
    let logger = TestEnvironment.logger

    @Test("24 clients querying and writing transactions through one pool while the server restarts four times: every statement ends (answered or failed), and all succeed again after")
    func restarts() async throws {
        let postgres = DedicatedPostgres()
        try await postgres.start()
        do {
            try await hammer(postgres)
        } catch {
            await postgres.remove()
            throw error
        }
        await postgres.remove()
    }

    private func hammer(_ postgres: DedicatedPostgres) async throws {
        let logger = logger
        let stuck = NIOLockedValueBox(0)
        let answered = NIOLockedValueBox(0)
        let failed = NIOLockedValueBox(0)
        let stop = NIOLockedValueBox(false)
        let lastOutcomes = NIOLockedValueBox<[Int: Bool]>([:])
        try await PostgresClient.withClient(try postgres.url, maximumConnections: 30, logger: logger) { client in
            try await client.query("CREATE TABLE hammered (n int)", logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<24 {
                    group.addTask {
                        var round = 0
                        while !stop.withLockedValue({ $0 }) {
                            round += 1
                            let reads = round % 2 == 0
                            do {
                                // A statement is never this slow here, unless it was lost: then
                                // it is left behind (and counted) so that the test itself ends.
                                try await abandoningAfter(.seconds(15)) {
                                    if reads {
                                        _ = try await client.query("SELECT \(worker)", logger: logger).collectAll()
                                    } else {
                                        try await client.withWatchedTransaction(logger: logger) { connection in
                                            try await connection.query("INSERT INTO hammered VALUES (\(worker))", logger: logger)
                                            try await connection.query("SELECT count(*) FROM hammered WHERE n = \(worker)", logger: logger)
                                        }
                                    }
                                }
                                answered.withLockedValue { $0 += 1 }
                                lastOutcomes.withLockedValue { $0[worker] = true }
                            } catch is TimeoutError {
                                stuck.withLockedValue { $0 += 1 }
                            } catch {
                                failed.withLockedValue { $0 += 1 }
                                lastOutcomes.withLockedValue { $0[worker] = false }
                                try await Task.sleep(for: .milliseconds(10))
                            }
                        }
                    }
                }
                for _ in 0..<4 {
                    try await Task.sleep(for: .seconds(1))
                    try await postgres.stop()
                    try await Task.sleep(for: .milliseconds(300))
                    try await postgres.start()
                }
                // Long enough for a lost statement to show as stuck, and for every client to succeed again.
                try await Task.sleep(for: .seconds(17))
                stop.withLockedValue { $0 = true }
                try await group.waitForAll()
            }
        }
        print("pool across restarts: \(answered.withLockedValue { $0 }) answered, \(failed.withLockedValue { $0 }) failed, \(stuck.withLockedValue { $0 }) stuck")
        #expect(stuck.withLockedValue { $0 } == 0, "statements waited for ever")
        #expect(failed.withLockedValue { $0 } > 0, "the restarts were seen")
        #expect(lastOutcomes.withLockedValue { $0 }.count == 24 && lastOutcomes.withLockedValue { $0 }.values.allSatisfy { $0 }, "every client succeeds after the last restart")
    }

    @Test("work on a connection that closes under it and never answers is given up with ConnectionClosedError; on one closed already it is refused at once")
    func givesUp() async throws {
        let logger = logger
        let watch = ClosedConnectionWatch(grace: .milliseconds(300), interval: .milliseconds(50))
        let connection = try await PostgresConnection.connect(configuration: try TestEnvironment.databaseURL.connectionConfiguration(), id: 1, logger: logger)
        // Stands for a statement whose write was dropped: it never ends by itself, nor when cancelled.
        let never = NIOLockedValueBox<CheckedContinuation<Void, Never>?>(nil)
        let started = ContinuousClock.now
        let outcome = Task {
            try await watch.run(on: connection) {
                await withCheckedContinuation { continuation in never.withLockedValue { $0 = continuation } }
                return 1
            }
        }
        try await waitUntil { never.withLockedValue { $0 } != nil }
        try await connection.close()
        await #expect(throws: ConnectionClosedError.self) { _ = try await outcome.value }
        let waited = ContinuousClock.now - started
        #expect(waited >= .milliseconds(300) && waited < .seconds(10), "given up after the grace, not before: \(waited)")
        never.withLockedValue { $0 }?.resume()

        await #expect(throws: ConnectionClosedError.self) { try await watch.run(on: connection) { 1 } }
    }

    @Test("work that ends by itself returns its value or its error, through the watch")
    func passesThrough() async throws {
        let logger = logger
        try await withTestDatabase { client, _ in
            let value = try await client.query("SELECT 41 + 1", logger: logger).decode(Int.self).collectAll()
            #expect(value == [42])
            await #expect(throws: PSQLError.self) { try await client.query("SELECT * FROM no_such_table", logger: logger) }
            let inTransaction = try await client.withWatchedTransaction(logger: logger) { connection in
                try await connection.query("SELECT 7", logger: logger).decode(Int.self).collectAll()
            }
            #expect(inTransaction == [7])
        }
    }
}
