import Metrics
import Prometheus

/// The process's metrics backend: swift-metrics into a Prometheus registry, which `/metrics`
/// prints. Names are Prometheus-style; the HTTP metrics hummingbird reports under
/// OpenTelemetry-style names get Commerce names and short labels.
public enum CommerceMetrics {
    /// The version `commerce_build_info` reports.
    public static let version = "0.18.0"

    /// The registry, with swift-metrics bootstrapped onto it on first use (once per process).
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.nameAndLabelSanitizer = { name, labels in (renamed[name] ?? name, labels.map { (renamedLabels[$0.0] ?? $0.0, $0.1) }) }
        // Requests are mostly milliseconds: finer buckets at the low end than the default.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        ]
        MetricsSystem.bootstrap(factory)
        registry.makeGauge(name: "commerce_build_info", labels: [("version", version)], help: "The running build: always 1.").set(Int64(1))
        return registry
    }()

    static let renamed = [
        "hb.requests": "commerce_http_requests",
        "hb.request.errors": "commerce_http_request_errors",
        "http.server.request.duration": "commerce_http_request_duration_seconds",
        "http.server.active_requests": "commerce_http_active_requests",
    ]

    static let renamedLabels = [
        "http.route": "route", "http.request.method": "method", "http.response.status_code": "status", "error.type": "status",
    ]
}
