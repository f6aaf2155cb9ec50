import Aggregates
import Commands
import EventStore
import Foundation
import Hummingbird
import Payments

/// Money movements after authorization, by an admin: capture (the order becomes paid), void
/// (before capture) and refund (the payment and the order record it together). The gateway is
/// called first with an idempotency key derived from the payment's version, so a retried
/// request neither charges nor refunds twice.
struct PaymentController {
    let repository: AggregateRepository
    let gateway: any PaymentGateway

    struct Amount: Codable {
        /// Minor units; the whole authorized amount when omitted (capture only).
        let amount: Int64?
        let reason: String?
    }

    func addRoutes(to router: Router<CommerceRequestContext>) {
        router.post("/admin/payments/{paymentId}/capture") { request, context in
            let admin = try context.requireAdmin()
            let body = try await StrictJSON.decode(Amount.self, from: request, context: context)
            let (id, payment, version) = try await load(context)
            guard let orderID = payment.orderId, let authorized = payment.authorized, payment.status == .authorized else {
                throw Problem(.conflict, "aggregate.invalid_transition", "payment \(id) is \(payment.status.rawValue), not authorized")
            }
            let amount = Money(body.amount ?? authorized.amount, authorized.currency)
            let reference = try await call { () async throws(PaymentGatewayError) in
                try await gateway.capture(amount, authorization: payment.gatewayReferences.sorted().first ?? "", idempotencyKey: "\(id)-capture-\(version)")
            }
            return ok(try await together(admin, request, id) { load in
                [try await load(Payment.self, .of("payment", id), .capture(amount: amount, gatewayReference: reference)),
                 try await load(Order.self, .of("order", orderID), .markPaid(paymentId: id, amount: amount))]
            })
        }
        router.post("/admin/payments/{paymentId}/void") { request, context in
            let admin = try context.requireAdmin()
            let body = try await StrictJSON.decode(Amount.self, from: request, context: context)
            let (id, payment, version) = try await load(context)
            try await call { () async throws(PaymentGatewayError) in
                try await gateway.void(authorization: payment.gatewayReferences.sorted().first ?? "", idempotencyKey: "\(id)-void-\(version)")
            }
            return ok(try await together(admin, request, id) { load in
                [try await load(Payment.self, .of("payment", id), .void(reason: body.reason ?? "voided by an admin"))]
            })
        }
        router.post("/admin/payments/{paymentId}/refund") { request, context in
            let admin = try context.requireAdmin()
            let body = try await StrictJSON.decode(Amount.self, from: request, context: context)
            let (id, payment, version) = try await load(context)
            guard let orderID = payment.orderId, let currency = payment.amount?.currency else { throw Problem.notFound("payment \(id)") }
            guard let minor = body.amount else { throw Problem.badRequest("missing_field", "amount is required", field: "amount") }
            let amount = Money(minor, currency)
            let reason = body.reason ?? "refunded by an admin"
            // Decide first, so a refund the domain refuses never reaches the gateway.
            _ = try Payment.decide(.refund(amount: amount, gatewayReference: "check"), payment, DecisionContext(now: Date()))
            let reference = try await call { () async throws(PaymentGatewayError) in
                try await gateway.refund(amount, capture: payment.gatewayReferences.sorted().last ?? "", idempotencyKey: "\(id)-refund-\(version)")
            }
            return ok(try await together(admin, request, id) { load in
                [try await load(Payment.self, .of("payment", id), .refund(amount: amount, gatewayReference: reference)),
                 try await load(Order.self, .of("order", orderID), .refund(amount: amount, reason: reason))]
            })
        }
    }

    private func load(_ context: CommerceRequestContext) async throws -> (PaymentID, Payment.State, Int64) {
        let id = try PaymentID(try context.parameters.require("paymentId"))
        let (state, version) = try await repository.load(Payment.self, .of("payment", id))
        guard state.id != nil else { throw Problem.notFound("payment \(id)") }
        return (id, state, version)
    }

    @discardableResult
    private func call<T>(_ operation: () async throws(PaymentGatewayError) -> T) async throws -> T {
        do { return try await operation() } catch {
            throw Problem(.badGateway, error.kind.rawValue, error.message)
        }
    }

    /// Appends the steps in one transaction; answers the payment stream's new version.
    private func together(_ admin: Principal, _ request: Request, _ id: PaymentID, _ steps: (StepDecider) async throws -> [StreamAppend]) async throws -> CommandResult {
        let results = try await repository.decideTogether(metadata: EventMetadata(correlationID: UUID(), actor: admin.userID), steps)
        guard let payment = results.first else {
            return CommandResult(stream: "payment-\(id)", version: try await repository.store.version(of: .of("payment", id)), position: nil)
        }
        return CommandResult(stream: payment.stream.rawValue, version: payment.lastVersion, position: results.map(\.lastPosition).max())
    }
}
