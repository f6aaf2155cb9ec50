import Aggregates
import Application
import Foundation
import Hummingbird

/// Order commands: a customer cancels their own order (an admin any, through the same route);
/// an admin fulfils (all
/// that is left, or the lines given), ships, marks delivered and records returns.
struct OrderRoutes {
    let orders: OrderCommand

    struct Reason: Codable {
        let reason: String
    }

    struct Fulfilment: Codable {
        /// The lines and quantities fulfilled now; everything not fulfilled yet when omitted.
        let lines: [Line]?
    }

    struct Line: Codable {
        let sku: String
        let quantity: Int
    }

    struct Shipment: Codable {
        let carrier: String
        let trackingNumber: String
    }

    struct Return: Codable {
        struct Line: Codable {
            let sku: String
            let quantity: Int
            /// `restock` (default) puts the items back on hand; `writeOff` does not.
            let disposition: ReturnDisposition?
        }
        let lines: [Line]
        let reason: String
        /// Minor units to refund for this return; none when omitted.
        let refund: Int64?
        /// Refund what the returned units cost: their lines' totals after discounts, with tax.
        let refundLineValue: Bool?
    }

    func addRoutes(members router: RouterGroup<CommerceRequestContext>, admin: RouterGroup<CommerceRequestContext>) {
        router.post("/orders/{orderId}/cancel") { request, context in
            let body = try await StrictJSON.decode(Reason.self, from: request, context: context)
            return try await order(.cancel(reason: body.reason), request, context)
        }
        admin.post("orders/{orderId}/fulfil") { request, context in
            let body = try await optionalBody(Fulfilment.self, request, context)
            let lines = try body?.lines?.map { LineQuantity(sku: try SKU($0.sku), quantity: $0.quantity) }
            return try await order(.fulfil(lines), request, context)
        }
        admin.post("orders/{orderId}/ship") { request, context in
            let body = try await StrictJSON.decode(Shipment.self, from: request, context: context)
            return try await order(.ship(carrier: body.carrier, trackingNumber: body.trackingNumber), request, context)
        }
        admin.post("orders/{orderId}/deliver") { request, context in
            try await order(.deliver, request, context)
        }
        admin.post("orders/{orderId}/return") { request, context in
            let body = try await StrictJSON.decode(Return.self, from: request, context: context)
            let lines = try body.lines.map { ReturnLine(sku: try SKU($0.sku), quantity: $0.quantity, disposition: $0.disposition ?? .restock) }
            let refund: OrderCommand.ReturnRefund?
            switch (body.refund, body.refundLineValue ?? false) {
            case (let amount?, false): refund = .amount(amount)
            case (nil, true): refund = .lineValue
            case (nil, false): refund = nil
            case (_?, true): throw Problem.badRequest("invalid_body", "give refund or refundLineValue, not both", field: "refundLineValue")
            }
            return try await order(.recordReturn(lines: lines, reason: body.reason, refund: refund), request, context)
        }
    }

    private func order(_ action: OrderCommand.Action, _ request: Request, _ context: CommerceRequestContext) async throws -> Response {
        let caller = try context.requirePrincipal()
        let id = try OrderID(try context.parameters.require("orderId"))
        return CommandResponses.ok(try await orders(action, order: id, by: caller.requester, ifMatch: try CommandResponses.ifMatch(request),
                                                    metadata: CommandResponses.metadata(caller, request)))
    }

    /// A JSON body where the request may have none.
    private func optionalBody<T: Codable>(_ type: T.Type, _ request: Request, _ context: CommerceRequestContext) async throws -> T? {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        guard buffer.readableBytes > 0 else { return nil }
        return try StrictJSON.decode(type, from: Data(buffer.readableBytesView))
    }
}
