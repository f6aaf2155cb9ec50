import Aggregates
import Application
import Hummingbird

/// Stock administration (admin group): receipts and adjustments of one SKU.
struct InventoryRoutes {
    let repository: AggregateRepository

    struct Quantity: Codable {
        let quantity: Int
    }

    struct Adjustment: Codable {
        let delta: Int
        let reason: AdjustmentReason
        let note: String?
    }

    func addRoutes(admin: RouterGroup<CommerceRequestContext>) {
        admin.post("inventory/{sku}/receive") { request, context in
            let body = try await StrictJSON.decode(Quantity.self, from: request, context: context)
            return try await inventory(request, context) { sku in .receive(sku: sku, quantity: body.quantity) }
        }
        admin.post("inventory/{sku}/adjust") { request, context in
            let body = try await StrictJSON.decode(Adjustment.self, from: request, context: context)
            return try await inventory(request, context) { sku in .adjust(sku: sku, delta: body.delta, reason: body.reason, note: body.note) }
        }
    }

    private func inventory(_ request: Request, _ context: CommerceRequestContext, _ command: @escaping (SKU) throws -> Inventory.Command) async throws -> Response {
        let sku = try SKU(try context.parameters.require("sku"))
        return CommandResponses.ok(try await repository.execute(
            Inventory.self, .of("inventory", sku), ifMatch: try CommandResponses.ifMatch(request), metadata: CommandResponses.metadata(context.principal, request)
        ) { _ in try command(sku) })
    }
}
