import Aggregates
import Commands
import EventStore
import Foundation
import Hummingbird
import PostgresNIO
import Projections

/// Queries: the catalog and products (read model), a cart (its stream), a customer's orders
/// and one order with its timeline (read model). Read-model queries take `minPosition`: the
/// answer waits (up to `waitMs`, default 2000, at most 10000) until the event at that global
/// position is in the read model — read-your-writes after a command — or says 503
/// `read_model_lagging` when it is not in time.
struct QueryController {
    let repository: AggregateRepository
    let catalog: CatalogReader
    let orders: OrderHistoryReader

    struct CartView: Codable, Sendable {
        let cartId: String
        let status: String
        let currency: String?
        let lines: [CartLine]
        let shippingAddress: Address?
        let shippingMethod: String?
        let totals: CartTotals?
        let version: Int64
    }

    func addRoutes(to router: Router<CommerceRequestContext>) {
        router.get("/catalog/products") { request, context -> JSONBody<CatalogReader.Page> in
            let query = request.uri.queryParameters
            try await waitForReadModel(request, projection: CatalogProjection())
            var search = CatalogReader.Search()
            search.text = query["q"].map(String.init)
            search.category = query["category"].map { $0.split(separator: "/").map(String.init) } ?? []
            search.currency = try currency(query["currency"])
            if let sort = query["sort"] {
                guard let value = CatalogReader.Sort(rawValue: String(sort)) else {
                    throw Problem.badRequest("invalid_parameter", "sort must be one of \(CatalogReader.Sort.allCases.map(\.rawValue).joined(separator: ", "))", field: "sort")
                }
                search.sort = value
            }
            search.limit = try limit(query["limit"])
            search.cursor = query["cursor"].map(String.init)
            do {
                return JSONBody(try await catalog.products(search))
            } catch CatalogReader.QueryError.invalidCursor {
                throw Problem.badRequest("invalid_cursor", "the cursor is not one this listing gave out (for this sort)", field: "cursor")
            }
        }
        router.get("/catalog/products/{productId}") { request, context -> JSONBody<CatalogReader.Product> in
            try await waitForReadModel(request, projection: CatalogProjection())
            let id = try context.parameters.require("productId")
            guard let product = try await catalog.product(id: id, currency: try currency(request.uri.queryParameters["currency"])),
                  product.status == "published" || context.principal?.role == .admin
            else { throw Problem.notFound("product \(id)") }
            return JSONBody(product)
        }
        router.get("/carts/{cartId}") { request, context -> Response in
            let caller = try CartCaller(request, context)
            let id = try CartID(try context.parameters.require("cartId"))
            let (state, version) = try await repository.load(Cart.self, .of("cart", id))
            guard state.id != nil, caller.owns(state.owner) else { throw Problem.notFound("cart \(id)") }
            let view = CartView(
                cartId: id.rawValue, status: state.status.rawValue, currency: state.currency?.code, lines: state.lines,
                shippingAddress: state.shippingAddress, shippingMethod: state.shippingMethod, totals: try? state.totals(.standard), version: version
            )
            var response = try JSONBody(view).response(from: request, context: context)
            response.headers[.eTag] = "\"\(version)\""
            return response
        }
        router.get("/orders") { request, context -> JSONBody<OrderHistoryReader.Page> in
            let customer = try context.requirePrincipal()
            try await waitForReadModel(request, projection: OrderHistoryProjection())
            let query = request.uri.queryParameters
            return JSONBody(try await orders.orders(customerID: customer.userID, limit: try limit(query["limit"]), after: query["cursor"].map(String.init)))
        }
        router.get("/orders/{orderId}") { request, context -> JSONBody<OrderHistoryReader.Order> in
            let caller = try context.requirePrincipal()
            try await waitForReadModel(request, projection: OrderHistoryProjection())
            let id = try context.parameters.require("orderId")
            guard let order = try await orders.order(id: id), caller.role == .admin || order.customerId == caller.userID else {
                throw Problem.notFound("order \(id)")
            }
            return JSONBody(order)
        }
    }

    private func currency(_ value: Substring?) throws -> Currency {
        guard let value else { return .EUR }
        do { return try Currency(String(value)) } catch {
            throw Problem.badRequest("invalid_parameter", "currency must be a supported ISO 4217 code", field: "currency")
        }
    }

    private func limit(_ value: Substring?) throws -> Int {
        guard let value else { return 20 }
        guard let limit = Int(value), (1...100).contains(limit) else {
            throw Problem.badRequest("invalid_parameter", "limit must be 1 to 100", field: "limit")
        }
        return limit
    }

    /// With `minPosition`: waits until the event at that position is in `projection`'s tables.
    private func waitForReadModel(_ request: Request, projection: some Projection) async throws {
        let query = request.uri.queryParameters
        guard let text = query["minPosition"] else { return }
        guard let position = Int64(text), position > 0 else {
            throw Problem.badRequest("invalid_parameter", "minPosition must be a positive global position", field: "minPosition")
        }
        var wait = Duration.seconds(2)
        if let text = query["waitMs"] {
            guard let milliseconds = Int(text), (0...10_000).contains(milliseconds) else {
                throw Problem.badRequest("invalid_parameter", "waitMs must be 0 to 10000", field: "waitMs")
            }
            wait = .milliseconds(milliseconds)
        }
        let client = repository.store.client
        let deadline = ContinuousClock.now + wait
        while true {
            // The event's stream and version, and the version the read model has reached for it.
            let rows = try await client.query(
                """
                SELECT e.stream_category, e.stream_version, coalesce(v.version, 0)
                FROM events e LEFT JOIN projection_stream_versions v ON v.projection = \(projection.name) AND v.stream_name = e.stream_name
                WHERE e.global_position = \(position)
                """
            ).decode((String, Int64, Int64).self).collectAll()
            guard let (category, version, reached) = rows.first else {
                throw Problem.badRequest("invalid_parameter", "no event has global position \(position)", field: "minPosition")
            }
            if !projection.categories.contains(category) || reached >= version { return }
            guard ContinuousClock.now < deadline else {
                throw Problem(.serviceUnavailable, "read_model_lagging", "the \(projection.name) read model has not reached position \(position) yet",
                              fields: ["minPosition": .integer(position)], headers: [.retryAfter: "1"])
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
