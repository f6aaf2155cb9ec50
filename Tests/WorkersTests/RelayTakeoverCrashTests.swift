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
        let broker = try DedicatedBroker()
        try await broker.start()
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: ["session.timeout.ms": "3000", "heartbeat.interval.ms": "500"])
        try await withTestDatabase { client, database in
            let store = PostgresEventStore(client: client, logger: TestEnvironment.logger)
            let relayCheckpoint: @Sendable () async -> Int64 = { (try? await store.checkpoint(of: EventRelay.Configuration().checkpointName)) ?? 0 }
            let head: @Sendable () async throws -> Int64 = { try await readEverything(store).last?.position ?? 0 }
            let environment = ["DATABASE_URL": database.urlString, "KAFKA_BROKERS": broker.bootstrapServers, "LOG_LEVEL": "error"]
            func eventIDs(_ messages: [KafkaMessage]) -> [String] { messages.compactMap { $0.header("ce_id")?.stringValue } }
            try await appendCatalogAndOrders(store, products: 40, prefix: "first")
            let topics = try await client.query("SELECT DISTINCT stream_category FROM events").decode(String.self).collectAll().map { "commerce.\($0)" }
            let first = try startCommerceWorker(["--relay"], environment: environment)
            defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
            try await waitUntil(timeout: .seconds(60)) { await relayCheckpoint() == (try? await head()) }
            // The second starts while the first holds the lead: it stands by.
            let second = try startCommerceWorker(["--relay"], environment: environment)
            defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
            try await waitUntil(timeout: .seconds(30)) { await standingBy(client) }
            try await appendCatalogAndOrders(store, products: 40, prefix: "second")
            let beforeKill = try await head()
            try await waitUntil(timeout: .seconds(60)) { await relayCheckpoint() == beforeKill }
            let published = eventIDs(try await consumeMessages(topics: topics, count: Int(beforeKill), kafka: kafka))
            let stored = try await readEverything(store).map { $0.id.uuidString.lowercased() }
            #expect(published.count == stored.count && Set(published) == Set(stored), "one relay published, each event once: \(published.count) of \(stored.count)")

            // The active one dies; the standby takes over from the checkpoint.
            kill(first.processIdentifier, SIGKILL)
            first.waitUntilExit()
            try await appendCatalogAndOrders(store, products: 40, prefix: "third")
            let end = try await head()
            let takeover = ContinuousClock.now
            try await waitUntil(timeout: .seconds(30)) { await relayCheckpoint() == end }
            TestEnvironment.logger.info("relay takeover", metadata: ["seconds": "\(ContinuousClock.now - takeover)"])
            let all = try await readEverything(store).map { $0.id.uuidString.lowercased() }
            let received = try await consumeMessages(topics: topics, kafka: kafka) { Set(eventIDs($0)).isSuperset(of: all) }
            #expect(Set(eventIDs(received)).isSuperset(of: all), "every event published")
            second.terminate()
            second.waitUntilExit()
        }
        await broker.stop()
    }

    @Test("the active relay frozen (SIGSTOP, its connections open but silent): the server ends its session, and the standby takes over and publishes the rest")
    func frozenRelayLosesTheLead() async throws {
        let broker = try DedicatedBroker()
        try await broker.start()
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: ["session.timeout.ms": "3000", "heartbeat.interval.ms": "500"])
        try await withTestDatabase { client, database in
            let store = PostgresEventStore(client: client, logger: TestEnvironment.logger)
            let relayCheckpoint: @Sendable () async -> Int64 = { (try? await store.checkpoint(of: EventRelay.Configuration().checkpointName)) ?? 0 }
            let head: @Sendable () async throws -> Int64 = { try await readEverything(store).last?.position ?? 0 }
            let environment = ["DATABASE_URL": database.urlString, "KAFKA_BROKERS": broker.bootstrapServers, "LOG_LEVEL": "error"]
            try await appendCatalogAndOrders(store, products: 20, prefix: "before")
            let topics = try await client.query("SELECT DISTINCT stream_category FROM events").decode(String.self).collectAll().map { "commerce.\($0)" }
            let first = try startCommerceWorker(["--relay"], environment: environment)
            defer { if first.isRunning { kill(first.processIdentifier, SIGCONT); kill(first.processIdentifier, SIGKILL) } }
            try await waitUntil(timeout: .seconds(60)) { await relayCheckpoint() == (try? await head()) }
            let second = try startCommerceWorker(["--relay"], environment: environment)
            defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
            try await waitUntil(timeout: .seconds(30)) { await standingBy(client) }

            // Frozen, the active relay neither publishes nor closes anything: only the server's
            // limit on a silent session (ten heartbeats) frees its lock.
            kill(first.processIdentifier, SIGSTOP)
            try await appendCatalogAndOrders(store, products: 20, prefix: "frozen")
            let end = try await head()
            try await waitUntil(timeout: .seconds(60)) { await relayCheckpoint() == end }
            let all = try await readEverything(store).map { $0.id.uuidString.lowercased() }
            func eventIDs(_ messages: [KafkaMessage]) -> Set<String> { Set(messages.compactMap { $0.header("ce_id")?.stringValue }) }
            let received = try await consumeMessages(topics: topics, kafka: kafka) { eventIDs($0).isSuperset(of: all) }
            let missing = Set(all).subtracting(eventIDs(received))
            #expect(missing.isEmpty, "\(missing.count) of \(all.count) events not published while the first relay was frozen")
            kill(first.processIdentifier, SIGCONT)
            second.terminate()
            second.waitUntilExit()
        }
        await broker.stop()
    }
}

/// Whether one session holds an elected service's advisory lock while another, which last tried
/// to take it (and failed: the lock is one), stands by.
private func standingBy(_ client: PostgresClient) async -> Bool {
    let rows = try? await client.query(
        """
        WITH holders AS (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::bigint = \(Int64(SingleActiveService.lockClass)))
        SELECT (SELECT count(*) FROM holders)::int,
               (SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND state = 'idle' AND query LIKE 'SELECT pg_try_advisory_lock%'
                  AND pid NOT IN (SELECT pid FROM holders))::int
        """
    ).decode((Int, Int).self).collectAll()
    guard let (held, tried) = rows?.first else { return false }
    return held == 1 && tried >= 1
}
