import EventStore
import Foundation
import Kafka
import PostgresNIO
import Testing
import TestSupport
import Workers

/// The relay elected among processes (run with the fault trials: `CrashTests` in its name): two
/// `commerce worker --relay` on one database, the active
/// one killed with SIGKILL; Kafka read back and compared with the store.
@Suite("Elected workers", .enabled(if: DedicatedBroker.binary != nil && TestEnvironment.commerceExecutable != nil))
struct RelayTakeoverCrashTests {
    @Test("two relays on one database: one publishes, every event exactly once; the active one killed, the standby takes over and publishes the rest")
    func relayTakeover() async throws {
        try await RelayFixture.with { relays in
            try await appendCatalogAndOrders(relays.store, products: 40, prefix: "first")
            let topics = try await relays.topics()
            let first = try relays.startRelay()
            defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
            try await waitUntil(timeout: .seconds(60)) { await relays.checkpoint() == (try? await relays.head()) }
            // The second starts while the first holds the lead: it stands by.
            let second = try relays.startRelay()
            defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
            try await waitUntil(timeout: .seconds(30)) { await standingBy(relays.client) }
            try await appendCatalogAndOrders(relays.store, products: 40, prefix: "second")
            let beforeKill = try await relays.head()
            try await waitUntil(timeout: .seconds(60)) { await relays.checkpoint() == beforeKill }
            let published = RelayFixture.eventIDs(try await consumeMessages(topics: topics, count: Int(beforeKill), kafka: relays.kafka))
            let stored = try await relays.storedIDs()
            #expect(published.count == stored.count && Set(published) == Set(stored), "one relay published, each event once: \(published.count) of \(stored.count)")

            // The active one dies; the standby takes over from the checkpoint.
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            try await appendCatalogAndOrders(relays.store, products: 40, prefix: "third")
            let end = try await relays.head()
            let takeover = ContinuousClock.now
            try await waitUntil(timeout: .seconds(30)) { await relays.checkpoint() == end }
            TestEnvironment.logger.info("relay takeover", metadata: ["seconds": "\(ContinuousClock.now - takeover)"])
            let all = try await relays.storedIDs()
            let received = try await consumeMessages(topics: topics, kafka: relays.kafka) { Set(RelayFixture.eventIDs($0)).isSuperset(of: all) }
            #expect(Set(RelayFixture.eventIDs(received)).isSuperset(of: all), "every event published")
            second.terminate()
            second.waitUntilExit()
        }
    }

    @Test("the active relay frozen (SIGSTOP, its connections open but silent): the server ends its session, and the standby takes over and publishes the rest")
    func frozenRelayLosesTheLead() async throws {
        try await RelayFixture.with { relays in
            try await appendCatalogAndOrders(relays.store, products: 20, prefix: "before")
            let topics = try await relays.topics()
            let first = try relays.startRelay()
            defer { if first.isRunning { kill(first.processIdentifier, SIGCONT); kill(first.processIdentifier, SIGKILL) } }
            try await waitUntil(timeout: .seconds(60)) { await relays.checkpoint() == (try? await relays.head()) }
            let second = try relays.startRelay()
            defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
            try await waitUntil(timeout: .seconds(30)) { await standingBy(relays.client) }

            // Frozen, the active relay neither publishes nor closes anything: only the server's
            // limit on a silent session (ten heartbeats) frees its lock.
            kill(first.processIdentifier, SIGSTOP)
            try await appendCatalogAndOrders(relays.store, products: 20, prefix: "frozen")
            let end = try await relays.head()
            try await waitUntil(timeout: .seconds(60)) { await relays.checkpoint() == end }
            let all = try await relays.storedIDs()
            let received = try await consumeMessages(topics: topics, kafka: relays.kafka) { Set(RelayFixture.eventIDs($0)).isSuperset(of: all) }
            let missing = Set(all).subtracting(RelayFixture.eventIDs(received))
            #expect(missing.isEmpty, "\(missing.count) of \(all.count) events not published while the first relay was frozen")
            kill(first.processIdentifier, SIGCONT)
            second.terminate()
            second.waitUntilExit()
        }
    }
}

/// A broker of its own and a fresh database, for relays run as `commerce worker --relay`, and
/// what the trials read back from both.
private struct RelayFixture: Sendable {
    let client: PostgresClient
    let store: PostgresEventStore
    let kafka: KafkaConfiguration
    let environment: [String: String]

    static func with(_ body: (RelayFixture) async throws -> Void) async throws {
        let broker = try DedicatedBroker()
        try await broker.start()
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: ["session.timeout.ms": "3000", "heartbeat.interval.ms": "500"])
        try await withTestDatabase { client, database in
            try await body(RelayFixture(
                client: client, store: PostgresEventStore(client: client, logger: TestEnvironment.logger), kafka: kafka,
                environment: ["DATABASE_URL": database.urlString, "KAFKA_BROKERS": broker.bootstrapServers, "LOG_LEVEL": "error"]
            ))
        }
        await broker.stop()
    }

    func startRelay() throws -> Process {
        try startCommerceWorker(["--relay"], environment: environment)
    }

    /// The relay's checkpoint; 0 before it has one.
    func checkpoint() async -> Int64 {
        (try? await store.checkpoint(of: EventRelay.Configuration().checkpointName)) ?? 0
    }

    func head() async throws -> Int64 {
        try await readEverything(store).last?.position ?? 0
    }

    func storedIDs() async throws -> [String] {
        try await readEverything(store).map { $0.id.uuidString.lowercased() }
    }

    /// The topics the stored events go to.
    func topics() async throws -> [String] {
        try await client.query("SELECT DISTINCT stream_category FROM events").decode(String.self).collectAll().map { "commerce.\($0)" }
    }

    static func eventIDs(_ messages: [KafkaMessage]) -> [String] {
        messages.compactMap { $0.header("ce_id")?.stringValue }
    }
}

/// Whether one session of this database holds an elected service's advisory lock (pg_locks lists
/// every database's: tests running beside this one hold theirs) while another, which last tried
/// to take it (and failed: the lock is one), stands by.
private func standingBy(_ client: PostgresClient) async -> Bool {
    let rows = try? await client.query(
        """
        WITH holders AS (
            SELECT pid FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND classid::bigint = \(Int64(SingleActiveService.lockClass))
              AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
        )
        SELECT (SELECT count(*) FROM holders)::int,
               (SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND state = 'idle' AND query LIKE 'SELECT pg_try_advisory_lock%'
                  AND pid NOT IN (SELECT pid FROM holders))::int
        """
    ).decode((Int, Int).self).collectAll()
    guard let (held, tried) = rows?.first else { return false }
    return held == 1 && tried >= 1
}
