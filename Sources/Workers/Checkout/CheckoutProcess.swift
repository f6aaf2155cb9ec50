import Aggregates
import Commands
import EventStore
import Foundation
import Logging
import Payments
import PostgresNIO
import ServiceLifecycle

/// The checkout process: what happens after an order is placed.
///
/// - A payment initiated at checkout is authorized through the ``PaymentGateway``. Approved:
///   the payment and the order record it. Declined: the payment records the decline, the order
///   is cancelled and its stock released, all in one transaction. A gateway that keeps failing
///   counts as a decline after a few tries.
/// - An order still unpaid when its reservations expire is cancelled and its stock released.
///
/// It follows the payment events of `$all` from its checkpoint. Redelivery changes nothing:
/// each step first loads the aggregates and acts only if they are still in the state the step
/// starts from, and the gateway is called with the payment id as idempotency key.
public struct CheckoutProcess: Service {
    public struct Configuration: Sendable {
        public var checkpointName = "checkout-process"
        /// Unpaid orders older than this are cancelled.
        public var reservationLifetime: TimeInterval = 900
        /// How often to look for expired orders.
        public var expiryInterval = Duration.seconds(10)
        public var gatewayAttempts = 3

        public init() {}
    }

    let repository: AggregateRepository
    let gateway: any PaymentGateway
    let configuration: Configuration
    let logger: Logger

    public init(store: PostgresEventStore, gateway: any PaymentGateway, configuration: Configuration = .init(), logger: Logger) {
        repository = AggregateRepository(store: store)
        self.gateway = gateway
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await followPayments() }
                group.addTask { try await expireRepeatedly() }
                try await group.waitForAll()
            }
        }
    }

    private func followPayments() async throws {
        let store = repository.store
        while !Task.isCancelled {
            do {
                let start = try await store.checkpoint(of: configuration.checkpointName)
                for try await event in store.subscribe(from: start, filter: EventFilter(categories: ["payment"])) {
                    if event.type == "PaymentInitiated" {
                        try await authorize(event)
                    }
                    try await store.storeCheckpoint(event.position, for: configuration.checkpointName)
                }
            } catch is CancellationError {
                return
            } catch {
                guard !Task.isCancelled else { return }
                logger.warning("checkout process failed; resuming from its checkpoint", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func expireRepeatedly() async throws {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.expiryInterval)
                try await expireUnpaid(placedBefore: Date().addingTimeInterval(-configuration.reservationLifetime))
            } catch is CancellationError {
                return
            } catch {
                logger.warning("expiring unpaid orders failed", metadata: ["error": "\(String(reflecting: error))"])
            }
        }
    }

    /// Authorizes the payment an event initiated, and records the outcome.
    func authorize(_ initiated: RecordedEvent) async throws {
        let paymentStream = initiated.stream
        let (payment, _) = try await repository.load(Payment.self, paymentStream)
        guard let paymentID = payment.id, let orderID = payment.orderId, let amount = payment.amount, payment.status == .initiated else { return }
        let method = try EventCodec.decodeJSON(PaymentInitiated.self, initiated.data).method
        var outcome: GatewayAuthorization?
        for attempt in 1...configuration.gatewayAttempts {
            do {
                outcome = try await gateway.authorize(amount, method: PaymentMethodToken(method), idempotencyKey: paymentID.rawValue)
                break
            } catch {
                logger.warning("payment gateway failed", metadata: ["payment": "\(paymentID)", "attempt": "\(attempt)", "error": "\(error.message)"])
                try await Task.sleep(for: .milliseconds(200 * attempt))
            }
        }
        let metadata = EventMetadata(correlationID: initiated.metadata.correlationID, causationID: initiated.id, actor: "checkout-process")
        switch outcome ?? .declined(reason: "payment gateway unavailable", reference: "unavailable_\(paymentID)") {
        case .approved(let reference):
            _ = try await repository.decideTogether(metadata: metadata, attempts: 10) { load in
                var steps = [try await load(Payment.self, paymentStream, .authorize(amount: amount, gatewayReference: reference))]
                let order = try await loadOrder(orderID)
                if order.status == .placed {
                    steps.append(try await load(Order.self, .of("order", orderID), .recordPaymentAuthorized(paymentId: paymentID, amount: amount)))
                } else if order.status == .cancelled {
                    // The order expired while the gateway answered: give the money back at once.
                    steps.append(try await load(Payment.self, paymentStream, .void(reason: "order \(orderID) was cancelled")))
                }
                return steps
            }
        case .declined(let reason, let reference):
            _ = try await repository.decideTogether(metadata: metadata, attempts: 10) { load in
                var steps = [try await load(Payment.self, paymentStream, .decline(reason: reason, gatewayReference: reference))]
                steps += try await cancelSteps(orderID, reason: "payment declined: \(reason)", release: .paymentDeclined, load: load)
                return steps
            }
        }
    }

    /// Cancels orders placed before `cutoff` that are still unpaid (from the order history read
    /// model; the order stream decides), releasing their stock.
    public func expireUnpaid(placedBefore cutoff: Date) async throws {
        let candidates = try await repository.store.client.query(
            "SELECT order_id FROM order_history WHERE status = 'placed' AND placed_at < \(cutoff) ORDER BY placed_at LIMIT 500",
            logger: logger
        ).decode(String.self).collectAll()
        for candidate in candidates {
            guard let orderID = try? OrderID(candidate) else { continue }
            let metadata = EventMetadata(correlationID: UUID(), actor: "checkout-process")
            _ = try await repository.decideTogether(metadata: metadata, attempts: 10) { load in
                try await cancelSteps(orderID, reason: "reservation expired unpaid", release: .expired, load: load)
            }
            logger.info("unpaid order expired", metadata: ["order": "\(orderID)"])
        }
    }

    private func loadOrder(_ id: OrderID) async throws -> Order.State {
        try await repository.load(Order.self, .of("order", id)).state
    }

    /// The order's cancellation and the release of its reservations, when it is still placed.
    private func cancelSteps(_ orderID: OrderID, reason: String, release: ReleaseReason, load: StepDecider) async throws -> [StreamAppend] {
        let order = try await loadOrder(orderID)
        guard order.status == .placed else { return [] }
        var steps = [try await load(Order.self, .of("order", orderID), .cancel(reason: reason))]
        for sku in Set(order.lines.map(\.sku)).sorted() {
            steps.append(try await load(Inventory.self, .of("inventory", sku), .release(orderId: orderID, reason: release)))
        }
        return steps
    }
}
