import API
import Aggregates
import Application
import EventStore
import Foundation
import PostgresNIO
import Testing
import TestSupport

/// Adding to a cart prices the line from the product as its server cached it, unread, with the
/// product's version as a condition of the append. Two servers on one database: each change to
/// the product through one leaves the other's cache behind, and no line may be priced, nor any
/// sale refused, on the product as it was.
@Suite("Cart lines on a cached product, with two servers")
struct CartLineProductCacheTests {
    func add(_ api: APIClient, _ customer: String) async throws -> (answer: APIClient.Answer, cart: String) {
        let cart = try await api.call(.post, "/carts", token: customer, body: ["currency": "EUR"]).string("id")
        let answer = try await api.call(.post, "/carts/\(cart)/lines", token: customer, body: ["productId": "lamp", "sku": "LAMP-1", "quantity": 2])
        return (answer, cart)
    }

    /// The line's unit price as stored in the cart's stream.
    func unitPrice(_ postgres: PostgresClient, cart: String) async throws -> Int64? {
        let repository = AggregateRepository(store: PostgresEventStore(client: postgres, logger: TestEnvironment.logger), cacheCapacity: 1)
        return try await repository.load(Cart.self, .of("cart", try CartID(cart))).state.line(try SKU("LAMP-1"))?.unitPrice.amount
    }

    @Test("a server whose cached product is behind prices lines at the current price, refuses an unpublished product and sells it again once republished")
    func cachedProductNeverPricesAlone() async throws {
        try await withTwoAPIServers(CheckoutStockCacheTests.configuration) { first, second, postgres in
            let admin = try await first.admin(postgres)
            try await first.product(admin: admin, id: "lamp", sku: "LAMP-1", price: 3000, stock: 0)
            let (customer, _) = try await first.register("lamp-\(UUID().uuidString.prefix(6))@example.com")

            // `first` caches the product at 3,000; `second` raises the price behind its back.
            let before = try await add(first, customer)
            #expect(before.answer.status == .ok, "\(before.answer.body)")
            #expect(try await unitPrice(postgres, cart: before.cart) == 3000)
            #expect(try await second.call(.put, "/admin/products/lamp/prices", token: admin, body: ["sku": "LAMP-1", "amount": 4500, "currency": "EUR"]).status == .ok)
            let raised = try await add(first, customer)
            #expect(raised.answer.status == .ok, "\(raised.answer.body)")
            #expect(try await unitPrice(postgres, cart: raised.cart) == 4500)

            // Unpublished through `second`: `first`'s cache still says published.
            #expect(try await second.call(.post, "/admin/products/lamp/unpublish", token: admin).status == .ok)
            let refused = try await add(first, customer)
            #expect(refused.answer.code == ApplicationError.Code.notForSale.rawValue, "\(refused.answer.body)")
            #expect(try await unitPrice(postgres, cart: refused.cart) == nil)

            // Published again through `second`: `first`'s cache now says unpublished.
            #expect(try await second.call(.post, "/admin/products/lamp/publish", token: admin).status == .ok)
            let again = try await add(first, customer)
            #expect(again.answer.status == .ok, "\(again.answer.body)")
            #expect(try await unitPrice(postgres, cart: again.cart) == 4500)
        }
    }
}
