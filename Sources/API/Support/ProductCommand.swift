import Aggregates
import Application
import Hummingbird

extension AggregateRepository {
    /// Decides `command` on the product the route's `productId` names — 404 when there is none —
    /// at the version `If-Match` pins, and answers what it did: every product route but creation.
    func executeOnProduct(
        _ request: Request, _ context: CommerceRequestContext, _ command: @escaping (Product.State) throws -> Product.Command
    ) async throws -> Response {
        let id = try ProductID(try context.parameters.require("productId"))
        return CommandResponses.ok(try await execute(
            Product.self, .of("product", id), ifMatch: try CommandResponses.ifMatch(request), metadata: CommandResponses.metadata(context.principal, request)
        ) { state in
            guard state.id != nil else { throw ApplicationError.notFound("product \(id)") }
            return try command(state)
        })
    }
}
