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
/// and parked events, and each process manager's recorded refusals.
struct MetricsRoutes {
    let registry: PrometheusCollectorRegistry
    let store: PostgresEventStore
    /// The relay's checkpoint in `subscription_checkpoints`.
    let relayCheckpoint: String
    let logger: Logger

    func addRoutes(to router: Router<CommerceRequestContext>) {
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
