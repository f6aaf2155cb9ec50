import Aggregates
import Application
import Hummingbird

/// Money after authorization (admin group): capture (the order becomes paid once its total is
/// captured), void (before any capture) and refund (recorded on payment and order together),
/// each decided by the payment before the gateway is called (``RequestPaymentOperation``); and
/// retrying operations left pending by a gateway failure.
struct PaymentRoutes {
    let operations: RequestPaymentOperation

    struct Amount: Codable {
        /// Minor units; for a capture, everything authorized and not captured yet when omitted.
        let amount: Int64?
        let reason: String?
    }

    func addRoutes(admin: RouterGroup<CommerceRequestContext>) {
        admin.post("payments/{paymentId}/capture") { request, context in
            let body = try await StrictJSON.decode(Amount.self, from: request, context: context)
            return try await operation(.capture, amount: body.amount, reason: body.reason, request, context)
        }
        admin.post("payments/{paymentId}/void") { request, context in
            let body = try await StrictJSON.decode(Amount.self, from: request, context: context)
            return try await operation(.void, amount: nil, reason: body.reason, request, context)
        }
        admin.post("payments/{paymentId}/refund") { request, context in
            let body = try await StrictJSON.decode(Amount.self, from: request, context: context)
            guard let amount = body.amount else { throw Problem.badRequest("missing_field", "amount is required", field: "amount") }
            return try await operation(.refund, amount: amount, reason: body.reason, request, context)
        }
        admin.post("payments/{paymentId}/retry-pending") { request, context in
            let id = try PaymentID(try context.parameters.require("paymentId"))
            return CommandResponses.ok(try await operations.retryPending(payment: id, metadata: CommandResponses.metadata(context.principal, request)))
        }
    }

    private func operation(_ kind: PaymentOperation.Kind, amount: Int64?, reason: String?, _ request: Request, _ context: CommerceRequestContext) async throws -> Response {
        let id = try PaymentID(try context.parameters.require("paymentId"))
        return CommandResponses.ok(try await operations(kind, payment: id, amount: amount, reason: reason, metadata: CommandResponses.metadata(context.principal, request)))
    }
}
