import EventStore
import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import ServiceLifecycle

/// Runs a service in one process at a time, among all the processes that run it against the
/// database: the relay, and the process managers together.
///
/// Each instance keeps a connection of its own (outside the pool) and tries a session advisory
/// lock named after the service on it. The holder runs the service; the others stand by and try
/// again every `retryInterval`. A lock lives as long as its session: when the holder dies
/// (SIGKILL, a lost network) PostgreSQL frees it, and a standby takes over within
/// `retryInterval`. The holder queries its connection every `heartbeat`; when that fails it stops
/// the service at once (a standby may hold the lock by then) and connects again. A statement to a
/// server going away can wait for ever, deaf to cancellation: statements are abandoned after a
/// timeout rather than awaited, a connection is closed aside, and a service stuck in such a
/// statement is left behind (see ``lead(on:)``). A session abandoned while the
/// server still holds it (a heartbeat slowed by load past its timeout) would keep the lock with
/// nobody running the service: the next session of this instance terminates it first, and the
/// server itself ends a session silent for ten heartbeats.
public struct SingleActiveService: Service {
    let name: String
    let service: any Service
    let database: DatabaseURL
    let retryInterval: Duration
    let heartbeat: Duration
    let stopGrace: Duration
    let logger: Logger

    /// The two-key advisory lock's first key; the second is `hashtext(name)`.
    public static let lockClass: Int32 = 1_668_246_897

    /// - Parameter stopGrace: how long a shutdown waits for the service to stop before leaving it behind.
    public init(
        name: String, service: any Service, database: DatabaseURL, retryInterval: Duration = .seconds(1), heartbeat: Duration = .seconds(1),
        stopGrace: Duration = .seconds(10), logger: Logger
    ) {
        self.name = name
        self.service = service
        self.database = database
        self.retryInterval = retryInterval
        self.heartbeat = heartbeat
        self.stopGrace = stopGrace
        var logger = logger
        logger[metadataKey: "elected"] = "\(name)"
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var connection: PostgresConnection?
            var connections = 0
            var standingBy = false
            // The server's backends of the sessions abandoned, until they are gone for sure.
            var abandoned: [Backend] = []
            var current: Backend?
            while !Task.isCancelled {
                do {
                    let session: PostgresConnection
                    if let connection {
                        session = connection
                    } else {
                        connections += 1
                        let id = connections
                        let opened = try await PostgresConnection.connect(abandoningAfter: retryInterval * 5) {
                            try await PostgresConnection.connect(configuration: try database.connectionConfiguration(connectTimeout: retryInterval * 4), id: id, logger: logger)
                        }
                        connection = opened
                        current = try await prepare(opened)
                        while let orphan = abandoned.first {
                            try await terminate(orphan, from: opened)
                            abandoned.removeFirst()
                        }
                        session = opened
                    }
                    if try await lead(on: session) {
                        // Led until the service ended: a shutdown, nothing to take up again.
                        break
                    }
                    if !standingBy {
                        standingBy = true
                        logger.info("standing by: another process runs it")
                    }
                } catch {
                    if let lost = connection { Task { try? await lost.close() } }
                    if let current { abandoned.append(current) }
                    connection = nil
                    current = nil
                    if Task.isCancelled { break }
                    standingBy = false
                    logger.warning("lost or could not take the lead; trying again", metadata: ["error": "\(String(reflecting: error))"])
                }
                do { try await Task.sleep(for: retryInterval) } catch { break }
            }
            // Closing the session frees the lock (closed aside: a dead server may not answer).
            if let connection { Task { try? await connection.close() } }
        }
    }

    struct SessionNotFound: Error {}

    /// A server backend, told apart from a later one that reuses its process id.
    struct Backend: Sendable {
        let pid: Int32
        let started: Date
    }

    /// Has the server end this session once it stays silent for ten heartbeats or retries (a
    /// client cut off without closing, whose lock must not outlive it by the hours TCP takes to
    /// notice), and tells which backend serves it.
    private func prepare(_ connection: PostgresConnection) async throws -> Backend {
        let logger = self.logger
        let silence = max(heartbeat, retryInterval) * 10
        let milliseconds = silence.components.seconds * 1_000 + silence.components.attoseconds / 1_000_000_000_000_000
        let rows = try await abandoningAfter(retryInterval * 5) {
            // SET takes no bind parameters: the value is a number this code computed.
            try await connection.query(PostgresQuery(unsafeSQL: "SET idle_session_timeout = \(milliseconds)"), logger: logger)
            return try await connection.query("SELECT pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()", logger: logger)
                .decode((Int32, Date).self).collectAll()
        }
        // A session always sees itself; a missing row means a connection that is not working.
        guard let (pid, started) = rows.first else { throw SessionNotFound() }
        return Backend(pid: pid, started: started)
    }

    /// Ends the server's side of an abandoned session (and with it the lock it may hold), if it
    /// is still there.
    private func terminate(_ backend: Backend, from connection: PostgresConnection) async throws {
        let logger = self.logger
        let ended = try await abandoningAfter(retryInterval * 5) {
            try await connection.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = \(backend.pid) AND backend_start = \(backend.started)", logger: logger
            ).decode(Bool.self).collectAll()
        }
        if ended.contains(true) { logger.warning("ended the session this process had abandoned, which still held it", metadata: ["pid": "\(backend.pid)"]) }
    }

    /// Runs the service while `connection` holds the lock. Returns false when another session
    /// holds it; true when the service ended while leading.
    ///
    /// The service is told to stop (cancelled) when the heartbeat fails or this instance is shut
    /// down, but not waited for once the heartbeat has failed, nor longer than `stopGrace` on
    /// shutdown: a service stuck in a statement as the server goes away (postgres-nio 1.33 drops
    /// a statement written to a connection closing under it; ``ClosedConnectionWatch`` gives up
    /// this code's pool statements after a second, and this is the last resort for any other)
    /// must not keep this instance from leading again once the database is back. Left behind, such a service is harmless: it was cancelled, so it
    /// ends its loop if its statement ever returns, and what it may still write (a checkpoint,
    /// a message) is fenced or idempotent.
    /// - Throws: when the connection fails, before or while leading (the service is stopped then).
    private func lead(on connection: PostgresConnection) async throws -> Bool {
        let name = self.name
        let logger = self.logger
        let taken = try await abandoningAfter(retryInterval * 5) {
            try await connection.query("SELECT pg_try_advisory_lock(\(Self.lockClass), hashtext(\(name)))", logger: logger).decode(Bool.self).collectAll().first == true
        }
        guard taken else { return false }
        logger.info("active: this process runs it")
        let (heartbeat, stopGrace, service) = (self.heartbeat, self.stopGrace, self.service)
        let stopAsked = NIOLockedValueBox<ContinuousClock.Instant?>(nil)
        try await withTaskCancellationHandler {
            try await abandoning({ try await service.run() }) {
                while true {
                    do { try await Task.sleep(for: heartbeat) } catch { return nil }
                    if let asked = stopAsked.withLockedValue({ $0 }), ContinuousClock.now - asked >= stopGrace {
                        logger.error("the service did not stop within \(stopGrace) of being told to; left behind")
                        return CancellationError()
                    }
                    do {
                        try await abandoningAfter(heartbeat * 3) { try await connection.query("SELECT 1", logger: logger) }
                    } catch {
                        return error
                    }
                }
            }
        } onCancel: {
            stopAsked.withLockedValue { $0 = .now }
        }
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
