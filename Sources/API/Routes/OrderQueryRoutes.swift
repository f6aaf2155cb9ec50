import Application
import Hummingbird
import Projections

/// The order history read model: a customer's orders, and one order with its timeline (an admin sees any).
struct OrderQueryRoutes {
    let orders: OrderHistoryReader
    let readYourWrites: ReadYourWrites

    func addRoutes(to router: Router<CommerceRequestContext>) {
        router.get("/orders") { request, context -> JSONBody<OrderHistoryReader.Page> in
            let customer = try context.requirePrincipal()
            try await readYourWrites.wait(request, projection: OrderHistoryProjection())
            let query = request.uri.queryParameters
            return JSONBody(try await orders.orders(customerID: customer.userID, limit: try QueryParameters.limit(query["limit"]), after: try QueryParameters.text(query["cursor"], "cursor")))
        }
        router.get("/orders/{orderId}") { request, context -> JSONBody<OrderHistoryReader.Order> in
            let caller = try context.requirePrincipal()
            try await readYourWrites.wait(request, projection: OrderHistoryProjection())
            let id = try context.parameters.require("orderId")
            guard let order = try await orders.order(id: id), caller.role == .admin || order.customerId == caller.userID else {
                throw ApplicationError.notFound("order \(id)")
            }
            return JSONBody(order)
        }
    }
}
