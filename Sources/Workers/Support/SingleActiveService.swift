import Logging
import PostgresNIO
import ServiceLifecycle

/// Runs a service in one process at a time, among all the processes that run it against the
/// database: the relay, and the process managers together.
///
/// Each instance tries a session advisory lock named after the service, on a pooled connection
/// it then keeps. The holder runs the service; the others are standbys and try again every
/// `retryInterval`. A lock lives as long as its session, so when the holder dies (SIGKILL, a
/// lost network) PostgreSQL frees it and a standby takes over within `retryInterval`. The holder
/// queries its connection every `heartbeat`; when that fails it stops the service at once (a
/// standby may hold the lock by then) and goes back to trying for it.
public struct SingleActiveService: Service {
    let name: String
    let service: any Service
    let client: PostgresClient
    let retryInterval: Duration
    let heartbeat: Duration
    let logger: Logger

    /// The two-key advisory lock's first key; the second is `hashtext(name)`.
    static let lockClass: Int32 = 1_668_246_897

    public init(name: String, service: any Service, client: PostgresClient, retryInterval: Duration = .seconds(1), heartbeat: Duration = .seconds(1), logger: Logger) {
        self.name = name
        self.service = service
        self.client = client
        self.retryInterval = retryInterval
        self.heartbeat = heartbeat
        var logger = logger
        logger[metadataKey: "elected"] = "\(name)"
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            var waitingSince: ContinuousClock.Instant?
            while !Task.isCancelled {
                do {
                    let led = try await client.withConnection { connection in try await leadIfFree(on: connection) }
                    if led {
                        waitingSince = nil
                    } else if waitingSince == nil {
                        waitingSince = .now
                        logger.info("standing by: another process runs it")
                    }
                } catch is CancellationError {
                    return
                } catch {
                    guard !Task.isCancelled else { return }
                    logger.warning("lost or could not take the lead; trying again", metadata: ["error": "\(String(reflecting: error))"])
                }
                try? await Task.sleep(for: retryInterval)
            }
        }
    }

    /// Runs the service while this connection holds the lock. Returns false when another
    /// session holds it; true after leading (the service ended: a shutdown).
    private func leadIfFree(on connection: PostgresConnection) async throws -> Bool {
        let name = self.name
        let rows = try await connection.query("SELECT pg_try_advisory_lock(\(Self.lockClass), hashtext(\(name)))", logger: logger)
            .decode(Bool.self).collectAll()
        guard rows.first == true else { return false }
        logger.info("active: this process runs it")
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                group.addTask {
                    while true {
                        try await Task.sleep(for: heartbeat)
                        try await connection.query("SELECT 1", logger: logger)
                    }
                }
                // The service ends (a shutdown) or the heartbeat fails: either way, stop both.
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockClass), hashtext(\(name)))", logger: logger)
            throw error
        }
        // The connection goes back to the pool: it must not keep the lock.
        try await connection.query("SELECT pg_advisory_unlock(\(Self.lockClass), hashtext(\(name)))", logger: logger)
        return true
    }
}

/// Several services run as one (each in a task of its own): what ``SingleActiveService``
/// elects for the process managers, which stand or fall together.
public struct ServiceBundle: Service {
    let services: [any Service]

    public init(_ services: [any Service]) {
        self.services = services
    }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for service in services {
                group.addTask { try await service.run() }
            }
            try await group.waitForAll()
        }
    }
}
