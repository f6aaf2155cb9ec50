import Foundation
import Aggregates
import Application
import Hummingbird
import Projections

/// The catalog read model: listing with search, filters, facets, currency, sorts and cursors; one product.
/// A shopper's searches (a first page with text or a category) and product views are recorded as
/// their activity, for recommendations, without waiting for it to be stored.
struct CatalogQueryRoutes {
    let catalog: CatalogReader
    let activity: ActivityRecorder
    let readYourWrites: ReadYourWrites
    /// The language of the catalog's default texts (`DEFAULT_LOCALE`).
    let defaultLocale: String
    let digester: SearchDigester

    func addRoutes(to router: Router<CommerceRequestContext>) {
        router.get("/catalog/products") { request, context -> Response in
            let query = request.uri.queryParameters
            try await readYourWrites.wait(request, projection: CatalogProjection())
            var search = try CatalogListingQuery.search(query)
            search.language = try RequestedLanguage.of(request, defaultLocale: defaultLocale)
            // A category of the tree stands for its path: itself and everything under it.
            for id in try CatalogListingQuery.options(query, "categoryId") {
                guard let path = try await catalog.categoryPath(id: id) else {
                    throw Problem.unprocessable(DomainError.Code.unknownCategory.rawValue, "there is no category \(id)", field: "categoryId")
                }
                search.categories.append(path)
            }
            do {
                let encoded = try await catalog.encodedProducts(search)
                let page = encoded.page
                // A first page with text or a filter is a search (later pages are the same one).
                let text = search.text ?? ""
                let filters = CatalogListingQuery.filterOptions(search)
                if search.cursor == nil, !text.trimmingCharacters(in: .whitespaces).isEmpty || !filters.isEmpty,
                   let viewer = RecommendationRoutes.viewer(request, context) {
                    // Without the digest (the database unreachable for its key, once) the search counts without its text.
                    var digest: String?
                    do { digest = try await digester.digest(text) } catch {
                        context.logger.warning("search recorded without its text's digest", metadata: ["error": "\(error)"])
                    }
                    activity.record(.searchPerformed(SearchPerformed(
                        viewer: viewer, query: String(text.prefix(Activity.maximumQueryLength)), category: search.categories.first ?? [],
                        resultCount: page.items.count, queryDigest: digest, filters: filters
                    )))
                }
                // Written by the reader, the products' parts kept from earlier pages.
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: encoded.json)))
            } catch CatalogReader.QueryError.invalidCursor {
                throw Problem.unprocessable("invalid_cursor", "the cursor is not one this listing gave out (for this sort)", field: "cursor")
            }
        }
        router.get("/catalog/suggest") { request, context -> JSONBody<CatalogReader.Suggestions> in
            let query = request.uri.queryParameters
            try await readYourWrites.wait(request, projection: CatalogProjection())
            guard let typed = try QueryParameters.text(query["q"], "q", maxLength: 100), !typed.isEmpty else {
                throw Problem.badRequest("invalid_parameter", "q is required: the text typed so far (at most 100 characters)", field: "q")
            }
            let limit = try QueryParameters.limit(query["limit"], default: 10)
            return JSONBody(try await catalog.suggestions(prefix: typed, limit: limit, fresh: query["minPosition"] != nil))
        }
        router.get("/catalog/products/by-slug/{slug}") { request, context -> JSONBody<CatalogReader.Product> in
            try await readYourWrites.wait(request, projection: CatalogProjection())
            let slug = try context.parameters.require("slug")
            guard let id = try await catalog.productID(slug: slug) else { throw ApplicationError.notFound("product \(slug)") }
            return JSONBody(try await product(id, request, context))
        }
        router.get("/catalog/products/{productId}") { request, context -> JSONBody<CatalogReader.Product> in
            try await readYourWrites.wait(request, projection: CatalogProjection())
            return JSONBody(try await product(try context.parameters.require("productId"), request, context))
        }
    }

    /// One product as a shopper sees it (an admin also sees it unpublished); a view of a published
    /// one is recorded as the viewer's activity.
    private func product(_ id: String, _ request: Request, _ context: CommerceRequestContext) async throws -> CatalogReader.Product {
        let language = try RequestedLanguage.of(request, defaultLocale: defaultLocale)
        guard let product = try await catalog.product(id: id, currency: try QueryParameters.currency(request.uri.queryParameters["currency"]), language: language),
              product.status == "published" || context.principal?.role == .admin
        else { throw ApplicationError.notFound("product \(id)") }
        if product.status == "published", let productId = try? ProductID(id), let viewer = RecommendationRoutes.viewer(request, context) {
            activity.record(.productViewed(ProductViewed(viewer: viewer, productId: productId, sku: nil)))
        }
        return product
    }
}
