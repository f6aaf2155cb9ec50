import Application
import Hummingbird
import Projections

/// The catalog read model: listing with search, category, currency, sorts and cursors; one product.
struct CatalogQueryRoutes {
    let catalog: CatalogReader
    let readYourWrites: ReadYourWrites

    func addRoutes(to router: Router<CommerceRequestContext>) {
        router.get("/catalog/products") { request, context -> JSONBody<CatalogReader.Page> in
            let query = request.uri.queryParameters
            try await readYourWrites.wait(request, projection: CatalogProjection())
            var search = CatalogReader.Search()
            search.text = try QueryParameters.text(query["q"], "q")
            search.category = try QueryParameters.text(query["category"], "category")?.split(separator: "/").map(String.init) ?? []
            search.currency = try QueryParameters.currency(query["currency"])
            if let sort = query["sort"] {
                guard let value = CatalogReader.Sort(rawValue: String(sort)) else {
                    throw Problem.badRequest("invalid_parameter", "sort must be one of \(CatalogReader.Sort.allCases.map(\.rawValue).joined(separator: ", "))", field: "sort")
                }
                search.sort = value
            }
            search.limit = try QueryParameters.limit(query["limit"])
            search.cursor = try QueryParameters.text(query["cursor"], "cursor")
            do {
                return JSONBody(try await catalog.products(search))
            } catch CatalogReader.QueryError.invalidCursor {
                throw Problem.badRequest("invalid_cursor", "the cursor is not one this listing gave out (for this sort)", field: "cursor")
            }
        }
        router.get("/catalog/products/{productId}") { request, context -> JSONBody<CatalogReader.Product> in
            try await readYourWrites.wait(request, projection: CatalogProjection())
            let id = try context.parameters.require("productId")
            guard let product = try await catalog.product(id: id, currency: try QueryParameters.currency(request.uri.queryParameters["currency"])),
                  product.status == "published" || context.principal?.role == .admin
            else { throw ApplicationError.notFound("product \(id)") }
            return JSONBody(product)
        }
    }
}
