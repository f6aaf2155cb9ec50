import Aggregates
import Application
import Hummingbird

/// Catalog administration (admin group): products, their details, variants, prices, publication.
struct ProductRoutes {
    let repository: AggregateRepository
    let placement: ProductPlacement
    let setSEO: SetProductSEO

    struct CreateProduct: Codable {
        let productId: String
        let name: String
        let description: String
        /// A free path of names, for a product in no category of the tree.
        let categoryPath: [String]?
        /// A category of the tree (its path is the product's; `categoryPath` may be left out).
        let categoryId: String?
        let brand: String?
    }

    /// Every detail as it is to stand (no brand: none).
    struct ProductDetails: Codable {
        let name: String
        let description: String
        let categoryPath: [String]?
        let categoryId: String?
        let brand: String?
    }

    /// The name and description in one language.
    struct Translation: Codable {
        let name: String
        let description: String
    }

    struct VariantAttributes: Codable {
        let attributes: [String: String]
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
            let category = try await placement.resolve(categoryId: body.categoryId, categoryPath: body.categoryPath)
            var result = try await repository.execute(Product.self, .of("product", id), ifMatch: nil, metadata: CommandResponses.metadata(context.principal, request)) { _ in
                .create(id: id, name: body.name, description: body.description, categoryPath: category.path, brand: body.brand, categoryId: category.id)
            }
            result.id = id.rawValue
            return CommandResponses.created(result)
        }
        admin.put("products/{productId}/details") { request, context in
            let body = try await StrictJSON.decode(ProductDetails.self, from: request, context: context)
            let category = try await placement.resolve(categoryId: body.categoryId, categoryPath: body.categoryPath)
            return try await repository.executeOnProduct(request, context) { _ in
                .changeDetails(name: body.name, description: body.description, categoryPath: category.path, brand: body.brand, categoryId: category.id)
            }
        }
        admin.put("products/{productId}/variants/{sku}") { request, context in
            let body = try await StrictJSON.decode(VariantAttributes.self, from: request, context: context)
            let sku = try SKU(try context.parameters.require("sku"))
            return try await repository.executeOnProduct(request, context) { _ in .changeVariant(sku: sku, attributes: body.attributes) }
        }
        admin.post("products/{productId}/variants") { request, context in
            let body = try await StrictJSON.decode(AddVariant.self, from: request, context: context)
            return try await repository.executeOnProduct(request, context) { _ in .addVariant(sku: try SKU(body.sku), attributes: body.attributes) }
        }
        admin.put("products/{productId}/prices") { request, context in
            let body = try await StrictJSON.decode(SetPrice.self, from: request, context: context)
            return try await repository.executeOnProduct(request, context) { _ in .setPrice(sku: try SKU(body.sku), price: Money(body.amount, try Currency(body.currency))) }
        }
        admin.put("products/{productId}/translations/{locale}") { request, context in
            let body = try await StrictJSON.decode(Translation.self, from: request, context: context)
            let locale = try context.parameters.require("locale")
            return try await repository.executeOnProduct(request, context) { _ in .translate(locale: locale, name: body.name, description: body.description) }
        }
        admin.delete("products/{productId}/translations/{locale}") { request, context in
            let locale = try context.parameters.require("locale")
            return try await repository.executeOnProduct(request, context) { _ in .removeTranslation(locale: locale) }
        }
        admin.put("products/{productId}/seo") { request, context in
            let seo = try await StrictJSON.decode(ProductSEO.self, from: request, context: context)
            let id = try ProductID(try context.parameters.require("productId"))
            return CommandResponses.ok(try await setSEO(
                id, seo, ifMatch: try CommandResponses.ifMatch(request), metadata: CommandResponses.metadata(context.principal, request)
            ))
        }
        admin.post("products/{productId}/publish") { request, context in try await repository.executeOnProduct(request, context) { _ in .publish } }
        admin.post("products/{productId}/unpublish") { request, context in try await repository.executeOnProduct(request, context) { _ in .unpublish } }
        admin.post("products/{productId}/discontinue") { request, context in try await repository.executeOnProduct(request, context) { _ in .discontinue } }
    }
}
