import Foundation
import Logging
import Payments
import PostgresNIO
import ServiceLifecycle

/// Delivers outbound webhooks (``WebhookDeliveries``): claims what is due, posts each to its
/// endpoint, signed, and records the attempt. A 2xx delivers; anything else (another status, a
/// refused connection, a timeout, an address the SSRF guard refuses) is tried again on the
/// ``WebhookSchedule`` and dead-lettered past its deadline. Admins see every attempt and can
/// redeliver.
///
/// Each POST is a CloudEvent in structured JSON (`application/cloudevents+json`) with headers
/// `Commerce-Signature` (`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with the
/// endpoint's secret, as the payment webhooks we receive), `Commerce-Delivery-Id` (the same on
/// every attempt of a delivery: receivers deduplicate by it), `Commerce-Event-Type` and
/// `Commerce-Delivery-Attempt`.
public struct WebhookSender: Service {
    public struct Configuration: Sendable {
        public var pollInterval: Duration = .milliseconds(500)
        public var batchSize = 16
        /// How long a claimed delivery is held by its sender before another may take it.
        public var lease: TimeInterval = 60
        public var schedule = WebhookSchedule()
        public var http = WebhookHTTPClient()

        public init() {}
    }

    let client: PostgresClient
    let configuration: Configuration
    let logger: Logger
    /// The schedule's clock; a test runs it forward.
    let now: @Sendable () -> Date
    let jitter: @Sendable () -> Double

    public init(
        client: PostgresClient, configuration: Configuration = Configuration(), logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init, jitter: @escaping @Sendable () -> Double = { Double.random(in: 0.5...1) }
    ) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
        self.now = now
        self.jitter = jitter
    }

    public func run() async throws {
        try await pollDue(every: configuration.pollInterval, batchSize: configuration.batchSize, logger: logger, label: "webhook sender") { try await sendDue() }
    }

    /// Sends what is due now, concurrently; returns how many deliveries it attempted.
    @discardableResult
    public func sendDue() async throws -> Int {
        let start = now()
        guard try await WebhookDeliveries.anyDue(at: start, client: client, logger: logger) else { return 0 }
        let claimed = try await WebhookDeliveries.claim(at: start, limit: configuration.batchSize, lease: configuration.lease, client: client, logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for delivery in claimed {
                group.addTask { try await attempt(delivery) }
            }
            try await group.waitForAll()
        }
        return claimed.count
    }

    private func attempt(_ delivery: WebhookDeliveries.Claimed) async throws {
        let body = Array(delivery.body.utf8)
        let headers = [
            ("Content-Type", "application/cloudevents+json; charset=utf-8"),
            ("Commerce-Signature", WebhookSignature(secret: Array(delivery.secret.utf8)).sign(body)),
            ("Commerce-Delivery-Id", delivery.id.uuidString.lowercased()),
            ("Commerce-Event-Type", delivery.eventType),
            ("Commerce-Delivery-Attempt", "\(delivery.attempt)"),
        ]
        let startedAt = now()
        let clock = ContinuousClock()
        let began = clock.now
        var statusCode: Int?
        var failure: String?
        do {
            let response = try await configuration.http.post(delivery.url, headers: headers, body: body)
            statusCode = response.status
            if !(200..<300).contains(response.status) { failure = WebhookError.status(response.status).description }
        } catch {
            failure = error.description
        }
        let duration = clock.now - began
        let finishedAt = now()
        let retryAt = failure == nil ? nil : configuration.schedule.nextAttempt(afterAttempt: delivery.attempt, firstAttemptAt: delivery.firstAttemptAt, now: finishedAt, jitter: jitter())
        if let failure {
            if retryAt == nil {
                logger.error("webhook delivery \(delivery.id) dead after \(delivery.attempt) attempt(s): \(failure)")
            } else {
                logger.info("webhook delivery \(delivery.id) failed (attempt \(delivery.attempt)): \(failure)")
            }
        }
        try await WebhookDeliveries.record(
            delivery, startedAt: startedAt, duration: duration, statusCode: statusCode, error: failure, delivered: failure == nil, retryAt: retryAt,
            finishedAt: finishedAt, client: client, logger: logger
        )
    }
}
