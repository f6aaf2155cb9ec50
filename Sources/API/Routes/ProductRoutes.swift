import Aggregates
import Application
import Hummingbird

/// Catalog administration (admin group): products, variants, prices, publication.
struct ProductRoutes {
    let repository: AggregateRepository

    struct CreateProduct: Codable {
        let productId: String
        let name: String
        let description: String
        let categoryPath: [String]
    }

    struct AddVariant: Codable {
        let sku: String
        let attributes: [String: String]
    }

    struct SetPrice: Codable {
        let sku: String
        let amount: Int64
        let currency: String
    }

    func addRoutes(admin: RouterGroup<CommerceRequestContext>) {
        admin.post("products") { request, context in
            let body = try await StrictJSON.decode(CreateProduct.self, from: request, context: context)
            let id = try ProductID(body.productId)
            var result = try await repository.execute(Product.self, .of("product", id), ifMatch: nil, metadata: CommandResponses.metadata(context.principal, request)) { _ in
                .create(id: id, name: body.name, description: body.description, categoryPath: body.categoryPath)
            }
            result.id = id.rawValue
            return CommandResponses.created(result)
        }
        admin.post("products/{productId}/variants") { request, context in
            let body = try await StrictJSON.decode(AddVariant.self, from: request, context: context)
            return try await product(request, context) { _ in .addVariant(sku: try SKU(body.sku), attributes: body.attributes) }
        }
        admin.put("products/{productId}/prices") { request, context in
            let body = try await StrictJSON.decode(SetPrice.self, from: request, context: context)
            return try await product(request, context) { _ in .setPrice(sku: try SKU(body.sku), price: Money(body.amount, try Currency(body.currency))) }
        }
        admin.post("products/{productId}/publish") { request, context in try await product(request, context) { _ in .publish } }
        admin.post("products/{productId}/unpublish") { request, context in try await product(request, context) { _ in .unpublish } }
        admin.post("products/{productId}/discontinue") { request, context in try await product(request, context) { _ in .discontinue } }
    }

    private func product(_ request: Request, _ context: CommerceRequestContext, _ command: @escaping (Product.State) throws -> Product.Command) async throws -> Response {
        let id = try ProductID(try context.parameters.require("productId"))
        return CommandResponses.ok(try await repository.execute(
            Product.self, .of("product", id), ifMatch: try CommandResponses.ifMatch(request), metadata: CommandResponses.metadata(context.principal, request)
        ) { state in
            guard state.id != nil else { throw ApplicationError.notFound("product \(id)") }
            return try command(state)
        })
    }
}
