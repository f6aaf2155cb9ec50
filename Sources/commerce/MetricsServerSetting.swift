import API
import Logging
import PostgresNIO
import Prometheus
import Runtime
import ServiceLifecycle
import Workers

extension Settings {
    /// `/metrics` on a port of its own when `METRICS_PORT` is set (for `serve` and `worker`);
    /// none otherwise.
    func metricsServer(registry: PrometheusCollectorRegistry, postgres: PostgresClient, logger: Logger) -> [any Service] {
        guard let metricsPort else { return [] }
        return [buildMetricsServer(
            host: host, port: metricsPort, registry: registry, postgres: postgres, relayCheckpoint: EventRelay.Configuration().checkpointName, logger: logger
        )]
    }
}
