import Foundation
import Aggregates
import Application
import Hummingbird
import Projections

/// The catalog read model: listing with search, category, currency, sorts and cursors; one product.
/// A shopper's searches (a first page with text or a category) and product views are recorded as
/// their activity, for recommendations, without waiting for it to be stored.
struct CatalogQueryRoutes {
    let catalog: CatalogReader
    let activity: ActivityRecorder
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
            if let text = query["minRating"] {
                // One decimal at most, 0 to 5: compared with the average as shown.
                guard let value = Decimal(string: String(text)), value >= 0, value <= 5, text.count <= 4,
                      let tenths = Int(exactly: NSDecimalNumber(decimal: value * 10)) else {
                    throw Problem.badRequest("invalid_parameter", "minRating is a rating from 0 to 5 with at most one decimal (4.5)", field: "minRating")
                }
                search.minimumRatingTenths = tenths
            }
            search.limit = try QueryParameters.limit(query["limit"])
            search.cursor = try QueryParameters.text(query["cursor"], "cursor")
            do {
                let page = try await catalog.products(search)
                if search.cursor == nil, !(search.text ?? "").isEmpty || !search.category.isEmpty,
                   let viewer = RecommendationRoutes.viewer(request, context) {
                    activity.record(.searchPerformed(SearchPerformed(
                        viewer: viewer, query: String((search.text ?? "").prefix(Activity.maximumQueryLength)), category: search.category,
                        resultCount: page.items.count
                    )))
                }
                return JSONBody(page)
            } catch CatalogReader.QueryError.invalidCursor {
                throw Problem.unprocessable("invalid_cursor", "the cursor is not one this listing gave out (for this sort)", field: "cursor")
            }
        }
        router.get("/catalog/products/{productId}") { request, context -> JSONBody<CatalogReader.Product> in
            try await readYourWrites.wait(request, projection: CatalogProjection())
            let id = try context.parameters.require("productId")
            guard let product = try await catalog.product(id: id, currency: try QueryParameters.currency(request.uri.queryParameters["currency"])),
                  product.status == "published" || context.principal?.role == .admin
            else { throw ApplicationError.notFound("product \(id)") }
            if product.status == "published", let productId = try? ProductID(id), let viewer = RecommendationRoutes.viewer(request, context) {
                activity.record(.productViewed(ProductViewed(viewer: viewer, productId: productId, sku: nil)))
            }
            return JSONBody(product)
        }
    }
}
