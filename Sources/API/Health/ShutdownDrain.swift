import Logging
import ServiceLifecycle
import Synchronization

/// The pause between a shutdown signal and the server's closing its port: readiness answers 503
/// `draining` at once, so a load balancer or Kubernetes stops sending new requests, while the
/// server goes on answering those still routed to it for `period`.
///
/// Run it as the last service of the group that also runs the application: a service group
/// shuts its services down last first, so the drain ends before the server stops accepting.
public final class ShutdownDrain: Service, Sendable {
    public let period: Duration
    private let draining = Atomic<Bool>(false)
    private let logger: Logger

    public init(period: Duration, logger: Logger) {
        self.period = period
        self.logger = logger
    }

    /// Whether a shutdown has begun.
    public var isDraining: Bool { draining.load(ordering: .relaxed) }

    public func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled rather than shut down gracefully: nothing to drain
        }
        draining.store(true, ordering: .relaxed)
        logger.notice("shutting down: readiness answers 503 while the server drains", metadata: ["drain_seconds": "\(period.components.seconds)"])
        // Cancelled meanwhile (a second signal, the group failing): the drain ends there.
        try? await Task.sleep(for: period)
    }
}
