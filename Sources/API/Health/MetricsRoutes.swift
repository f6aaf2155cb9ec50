import EventStore
import Foundation
import Hummingbird
import Logging
import NIOCore
import PostgresNIO
import Prometheus
import Application
import Projections

/// `GET /metrics`: the process's metrics in the Prometheus text format — what swift-metrics
/// recorded here (HTTP requests, appends, Kafka errors) and, read from the database at each
/// scrape, the figures of the whole system: the store's head and safe positions and how long
/// the frontier has been blocked, the relay's position and lag, each read model's events behind
/// and parked events, each process manager's recorded refusals, and this process's database
/// connections in use and idle.
struct MetricsRoutes {
    let registry: PrometheusCollectorRegistry
    let store: PostgresEventStore
    /// The relay's checkpoint in `subscription_checkpoints`.
    let relayCheckpoint: String
    /// The most connections the process's pool opens.
    let poolSize: Int
    let logger: Logger

    func addRoutes<Context: RequestContext>(to router: Router<Context>) {
        router.get("/metrics") { _, _ -> Response in
            try await refresh()
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: buffer))
            )
        }
    }

    private func gauge(_ name: String, _ labels: [(String, String)] = [], _ help: String) -> Gauge {
        registry.makeGauge(name: name, labels: labels, help: help)
    }

    private func refresh() async throws {
        // The pool, seen from the server: this process's connections to this database (the
        // scrape's own among those in use). postgres-nio does not expose its waiters.
        let connections = try await store.client.query(
            """
            SELECT count(*) FILTER (WHERE state IS DISTINCT FROM 'idle')::bigint, count(*) FILTER (WHERE state = 'idle')::bigint
            FROM pg_stat_activity WHERE application_name = \(DatabaseURL.applicationName) AND datname = current_database()
            """,
            logger: logger
        ).decode((Int64, Int64).self).collectAll().first ?? (Int64(0), Int64(0))
        let help = "This process's PostgreSQL connections, by state (in_use: running a statement or in a transaction)."
        gauge("commerce_postgres_connections", [("state", "in_use")], help).set(connections.0)
        gauge("commerce_postgres_connections", [("state", "idle")], help).set(connections.1)
        gauge("commerce_postgres_pool_max_connections", [], "The most connections this process's pool opens.").set(Int64(poolSize))
        let frontier = try await store.frontierStatus()
        gauge("commerce_store_head_position", [], "The global position of the last event committed.").set(frontier.headPosition)
        gauge("commerce_store_safe_position", [], "The position up to which $all can be read without a gap.").set(frontier.safePosition)
        gauge("commerce_store_frontier_blocked_seconds", [], "How long an open append transaction has held the safe position back (0: not blocked).")
            .set(frontier.blockedSince.map { max(0, Date().timeIntervalSince($0)) } ?? 0)
        let relay = try await store.checkpoint(of: relayCheckpoint)
        gauge("commerce_relay_position", [], "The last position the relay published to Kafka.").set(relay)
        gauge("commerce_relay_lag_events", [], "Committed events the relay has not published yet.").set(max(0, frontier.headPosition - relay))
        let parked = try await ParkedEvents.counts(client: store.client, logger: logger)
        for projection in ReadModels.all {
            let labels = [("read_model", projection.name)]
            gauge("commerce_read_model_lag_events", labels, "Events of the read model's categories it has not applied yet.")
                .set(try await ProjectionStatus.eventsBehind(projection, client: store.client, logger: logger))
            gauge("commerce_parked_events", labels, "Events the read model could not apply, parked for retry-parked.").set(parked[projection.name] ?? 0)
        }
        for (process, count) in try await ProcessFailures(client: store.client, logger: logger).counts() {
            gauge("commerce_process_failures", [("process", process)], "Refusals a process manager recorded and moved past.").set(count)
        }
    }
}
