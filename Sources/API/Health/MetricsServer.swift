import EventStore
import Hummingbird
import Logging
import PostgresNIO
import Prometheus
import ServiceLifecycle

/// `/metrics` alone on a port of its own (`METRICS_PORT`): for `commerce serve` when the API's
/// port faces the public, and for `commerce worker`, which has no HTTP otherwise. Answers
/// only `GET /metrics`; a service to run beside the others.
public func buildMetricsServer(
    host: String, port: Int, registry: PrometheusCollectorRegistry, postgres: PostgresClient,
    relayCheckpoint: String, poolSize: Int = DatabaseURL.defaultPoolSize, logger: Logger
) -> some Service {
    let router = Router()
    MetricsRoutes(
        registry: registry, store: PostgresEventStore(client: postgres, logger: logger), relayCheckpoint: relayCheckpoint, poolSize: poolSize, logger: logger
    ).addRoutes(to: router)
    return Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "commerce-metrics"), logger: logger)
}
