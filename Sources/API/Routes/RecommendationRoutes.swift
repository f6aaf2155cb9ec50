import Aggregates
import Application
import Foundation
import Hummingbird
import Projections

/// Recommendation lists (``RecommendationsReader``) and the storefront's report of a product
/// view (``ActivityRecorder``).
struct RecommendationRoutes {
    let reader: RecommendationsReader
    let activity: ActivityRecorder
    let catalog: CatalogReader
    let readYourWrites: ReadYourWrites
    /// A list asked again within a few seconds is the same answer (see ``ListResponseCache``).
    let answers = ListResponseCache()

    func addRoutes(to router: Router<CommerceRequestContext>, signedIn: RouterGroup<CommerceRequestContext>, admin: RouterGroup<CommerceRequestContext>) {
        admin.get("activity") { _, _ -> JSONBody<ActivityRecorder.Counts> in
            JSONBody(activity.counts)
        }
        router.get("/catalog/products/{productId}/recommendations") { request, context -> RawJSONBody in
            let query = request.uri.queryParameters
            try await readYourWrites.wait(request, projection: RecommendationsProjection())
            let id = try context.parameters.require("productId")
            let kind = try Self.choice(query["kind"], RecommendationsReader.ProductList.self, default: .alsoBought)
            let currency = try QueryParameters.currency(query["currency"])
            let limit = try Self.limit(query["limit"])
            let preview = context.principal?.role == .admin
            // Like the product itself: only a published product has public recommendations.
            guard (try? ProductID(id)) != nil else { throw ApplicationError.notFound("product \(id)") }
            // A client waiting for its own write (minPosition) gets a list made afresh from the read model.
            let fresh = query["minPosition"] != nil
            return try await answers.body(for: Self.key("product", kind.rawValue, id, limit, currency.code, preview), afresh: fresh) {
                guard let list = try await reader.list(kind, for: id, limit: limit, currency: currency, includingUnpublished: preview, fresh: fresh)
                else { throw ApplicationError.notFound("product \(id)") }
                return Array(try StrictJSON.encoder.encode(list))
            }
        }
        router.get("/catalog/trending") { request, context -> RawJSONBody in
            let query = request.uri.queryParameters
            try await readYourWrites.wait(request, projection: RecommendationsProjection())
            let category = try QueryParameters.text(query["category"], "category")?.split(separator: "/").map(String.init) ?? []
            let (limit, currency) = (try Self.limit(query["limit"]), try QueryParameters.currency(query["currency"]))
            let fresh = query["minPosition"] != nil
            return try await answers.body(for: Self.key("trending", category.joined(separator: "/"), limit, currency.code), afresh: fresh) {
                Array(try StrictJSON.encoder.encode(try await reader.trending(category: category, limit: limit, currency: currency, fresh: fresh)))
            }
        }
        signedIn.get("/customers/me/recommendations") { request, context -> RawJSONBody in
            let query = request.uri.queryParameters
            let principal = try context.requirePrincipal()
            try await readYourWrites.wait(request, projection: RecommendationsProjection())
            let kind = try Self.choice(query["kind"], RecommendationsReader.CustomerList.self, default: .forYou)
            let (limit, currency) = (try Self.limit(query["limit"]), try QueryParameters.currency(query["currency"]))
            let fresh = query["minPosition"] != nil
            return try await answers.body(for: Self.key("customer", kind.rawValue, principal.userID, limit, currency.code), afresh: fresh) {
                Array(try StrictJSON.encoder.encode(try await reader.list(kind, for: principal.userID, limit: limit, currency: currency, fresh: fresh)))
            }
        }
        router.post("/activity/product-viewed") { request, context -> Response in
            let body = try await StrictJSON.decode(ProductViewedReport.self, from: request, context: context)
            guard let productId = try? ProductID(body.productId) else {
                throw Problem.unprocessable(DomainError.Code.invalidID.rawValue, "productId is not a valid id", field: "productId")
            }
            let sku = try body.sku.map { text throws -> SKU in
                guard let sku = try? SKU(text) else { throw Problem.unprocessable(DomainError.Code.invalidID.rawValue, "sku is not a valid id", field: "sku") }
                return sku
            }
            guard let viewer = try Self.viewer(request, context, sessionId: body.sessionId) else {
                throw Problem.unprocessable("viewer_unknown", "sign in, send your Guest-Token, or give a sessionId (16 to 128 letters, digits, '-' or '_')", field: "sessionId")
            }
            guard let product = try await catalog.product(id: productId.rawValue, currency: .EUR), product.status == "published" else {
                throw ApplicationError.notFound("product \(productId.rawValue)")
            }
            if let sku, !product.variants.contains(where: { $0.sku == sku.rawValue }) {
                throw Problem.unprocessable("unknown_variant", "the product has no variant \(sku.rawValue)", field: "sku")
            }
            activity.record(.productViewed(ProductViewed(viewer: viewer, productId: productId, sku: sku)))
            return Response(status: .accepted)
        }
    }

    struct ProductViewedReport: Codable {
        let productId: String
        let sku: String?
        /// A guest's browsing session, chosen by the storefront (stored only as its hash).
        let sessionId: String?
    }

    /// Who is browsing: the signed-in customer (an admin's views count for no one), else the
    /// guest by the hash of their Guest-Token; nil for anyone else.
    static func viewer(_ request: Request, _ context: CommerceRequestContext) -> CartOwner? {
        if let principal = context.principal {
            guard principal.role == .customer, let id = try? CustomerID(principal.userID) else { return nil }
            return .customer(id)
        }
        return request.headers[GuestToken.header].map { .guest(GuestToken.hash($0)) }
    }

    /// A viewer as ``viewer(_:_:)``, failing that a guest by the hash of the storefront's session id.
    static func viewer(_ request: Request, _ context: CommerceRequestContext, sessionId: String?) throws -> CartOwner? {
        if context.principal != nil || request.headers[GuestToken.header] != nil { return viewer(request, context) }
        guard let sessionId else { return nil }
        guard (16...128).contains(sessionId.utf8.count),
              sessionId.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") })
        else { throw Problem.unprocessable("invalid_session", "sessionId must be 16 to 128 letters, digits, '-' or '_'", field: "sessionId") }
        return .guest(GuestToken.hash("session:" + sessionId))
    }

    /// A cache key of the query's parts, apart however they are spelled (NUL is in none of them).
    static func key(_ parts: Any...) -> String {
        parts.map { "\($0)" }.joined(separator: "\u{0}")
    }

    static func limit(_ value: Substring?) throws -> Int {
        guard let value else { return RecommendationsReader.defaultLimit }
        guard let limit = Int(value), (1...RecommendationsReader.maximumLimit).contains(limit) else {
            throw Problem.badRequest("invalid_parameter", "limit must be 1 to \(RecommendationsReader.maximumLimit)", field: "limit")
        }
        return limit
    }

    static func choice<Choice: RawRepresentable & CaseIterable>(_ value: Substring?, _: Choice.Type, default fallback: Choice) throws -> Choice
    where Choice.RawValue == String {
        guard let value else { return fallback }
        guard let choice = Choice(rawValue: String(value)) else {
            throw Problem.badRequest("invalid_parameter", "kind must be one of \(Choice.allCases.map(\.rawValue).joined(separator: ", "))", field: "kind")
        }
        return choice
    }
}
