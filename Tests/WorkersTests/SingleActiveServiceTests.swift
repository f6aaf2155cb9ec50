import EventStore
import Foundation
import PostgresNIO
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport
import Workers

@Suite("Elected service")
struct SingleActiveServiceTests {
    /// Counts its starts and never returns, cancelled or not: a service stuck in a statement that
    /// never comes back (what a pool connection closing under a statement does in postgres-nio).
    final class DeafService: Service {
        private let state = Mutex<(starts: Int, parked: [CheckedContinuation<Void, Never>])>((0, []))

        var starts: Int { state.withLock { $0.starts } }

        func run() async throws {
            await withCheckedContinuation { continuation in
                state.withLock {
                    $0.starts += 1
                    $0.parked.append(continuation)
                }
            }
        }

        /// Lets every run end (the test's clean-up).
        func release() {
            for continuation in state.withLock({ state in defer { state.parked = [] }; return state.parked }) { continuation.resume() }
        }
    }

    @Test("a service deaf to cancellation: when its lock's session ends, the instance leads again and starts it anew; a shutdown leaves it behind after the grace")
    func deafServiceIsLeftBehind() async throws {
        try await withTestDatabase(migrated: false) { client, url in
            let service = DeafService()
            defer { service.release() }
            let elected = SingleActiveService(
                name: "deaf", service: service, database: url, retryInterval: .milliseconds(200), heartbeat: .milliseconds(200),
                stopGrace: .seconds(1), logger: TestEnvironment.logger
            )
            let running = Task { try await elected.run() }
            try await waitUntil { service.starts == 1 }
            // The session holding the lock ends, as in a server restart: the heartbeat fails.
            // (This database's only: tests running beside this one hold locks of the class too.)
            _ = try await client.query(
                """
                SELECT pg_terminate_backend(pid) FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND classid::bigint = \(Int64(SingleActiveService.lockClass))
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                """
            ).collect()
            try await waitUntil(timeout: .seconds(30)) { service.starts == 2 }

            running.cancel()
            let ended = (try? await abandoningAfter(.seconds(30)) { _ = await running.result; return true }) ?? false
            #expect(ended, "a shutdown ends the elected instance though its service never stops")
            #expect(service.starts == 2)
        }
    }
}
