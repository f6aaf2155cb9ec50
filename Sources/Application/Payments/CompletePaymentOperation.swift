import Aggregates
import EventStore
import Foundation
import Logging
import Payments

/// Carries out a payment operation that was decided and recorded as requested: calls the
/// gateway with the operation's idempotency key (so a retry after a crash or a failure moves
/// money once), and records the outcome on the payment, with what it means for the order in
/// the same transaction: a capture that completes the order's total marks it paid; a refund is
/// recorded on the order too.
public struct CompletePaymentOperation: Sendable {
    let repository: AggregateRepository
    let gateway: any PaymentGateway
    let gatewayAttempts: Int
    let logger: Logger

    public init(repository: AggregateRepository, gateway: any PaymentGateway, gatewayAttempts: Int = 3, logger: Logger) {
        self.repository = repository
        self.gateway = gateway
        self.gatewayAttempts = gatewayAttempts
        self.logger = logger
    }

    /// Calls the gateway and returns the appends that record the outcome; empty when the
    /// operation is completed already.
    /// - Throws: ``ApplicationError`` `payment.gateway_unavailable` when every attempt failed
    ///   (the operation stays pending; calling again retries it with the same key).
    public func decide(payment paymentID: PaymentID, operation operationId: String, load: StepDecider) async throws -> [StreamAppend] {
        let paymentStream = StreamName.of("payment", paymentID)
        let payment = try await load.state(Payment.self, paymentStream)
        if payment.completed.contains(operationId) { return [] }
        guard let operation = payment.pending[operationId], let orderID = payment.orderId else {
            throw ApplicationError.notFound("operation \(operationId) of payment \(paymentID)")
        }
        let reference = try await callGateway(operation, payment: payment, key: "\(paymentID)-\(operationId)")
        let completion = try await load(Payment.self, paymentStream, .complete(operationId: operationId, gatewayReference: reference))
        // Completed by someone else while the gateway answered: the order was told then.
        guard !completion.events.isEmpty else { return [] }
        var steps = [completion]
        switch operation.kind {
        case .capture:
            let capturedTotal = (payment.captured?.amount ?? 0) + operation.amount.amount
            if let paid = try await OrderPayments.paidStep(order: orderID, payment: paymentID, capturedTotal: capturedTotal, load: load) {
                steps.append(paid)
            }
        case .refund:
            steps.append(try await load(Order.self, .of("order", orderID), .refund(amount: operation.amount, reason: operation.reason)))
        case .void:
            break
        }
        return steps
    }

    /// Decides and appends at once (the admin's request waits for it).
    /// - Returns: the appends' results; empty when it was completed already.
    @discardableResult
    public func callAsFunction(payment paymentID: PaymentID, operation operationId: String, metadata: EventMetadata) async throws -> [AppendResult] {
        try await repository.decideTogether(metadata: metadata, attempts: 10) { load in
            try await decide(payment: paymentID, operation: operationId, load: load)
        }
    }

    private func callGateway(_ operation: PaymentOperation, payment: Payment.State, key: String) async throws -> String {
        var lastError: PaymentGatewayError?
        for attempt in 1...gatewayAttempts {
            do {
                switch operation.kind {
                case .capture:
                    return try await gateway.capture(operation.amount, authorization: payment.authorizationReference ?? "", idempotencyKey: key)
                case .void:
                    try await gateway.void(authorization: payment.authorizationReference ?? "", idempotencyKey: key)
                    return "void_\(key)"
                case .refund:
                    // The most recent capture: refunds never exceed what was captured in all.
                    return try await gateway.refund(operation.amount, capture: payment.captureReferences.last ?? "", idempotencyKey: key)
                }
            } catch {
                lastError = error
                logger.warning("payment gateway failed", metadata: ["operation": "\(operation.operationId)", "attempt": "\(attempt)", "error": "\(error.message)"])
                if attempt < gatewayAttempts { try await Task.sleep(for: .milliseconds(200 * attempt)) }
            }
        }
        throw ApplicationError(.gatewayUnavailable, "the gateway did not carry out \(operation.kind.rawValue) \(operation.operationId): \(lastError?.message ?? "no answer"); it stays pending and is retried with the same key")
    }
}
