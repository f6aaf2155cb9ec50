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

    /// Two servers, an admin, a customer and the lamp: published at 3,000 through `first`.
    func withLampShop(_ body: @escaping @Sendable (APIClient, APIClient, String, String, PostgresClient) async throws -> Void) async throws {
        try await withTwoAPIServers(CheckoutStockCacheTests.configuration) { first, second, postgres in
            let admin = try await first.admin(postgres)
            try await first.product(admin: admin, id: "lamp", sku: "LAMP-1", price: 3000, stock: 0)
            let (customer, _) = try await first.register("lamp-\(UUID().uuidString.prefix(6))@example.com")
            try await body(first, second, admin, customer, postgres)
        }
    }

    @Test("a server whose cached product is behind prices lines at the current price, refuses an unpublished product and sells it again once republished")
    func cachedProductNeverPricesAlone() async throws {
        try await withLampShop { first, second, admin, customer, postgres in

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

    @Test("lines added while the price changes through another server each carry the price the product had when the line was stored, or the one a change still committing replaced")
    func concurrentPriceChanges() async throws {
        try await withLampShop { first, second, admin, customer, postgres in
            // 48 lines through `first`, eight at a time, while `second` sets 12 prices.
            let carts = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var carts: [String] = []
                        for _ in 0..<6 {
                            let (answer, cart) = try await add(first, customer)
                            #expect(answer.status == .ok, "worker \(worker): \(answer.body)")
                            carts.append(cart)
                        }
                        return carts
                    }
                }
                group.addTask {
                    for step in 1...12 {
                        let set = try await second.call(.put, "/admin/products/lamp/prices", token: admin, body: ["sku": "LAMP-1", "amount": 3000 + step * 10, "currency": "EUR"])
                        #expect(set.status == .ok)
                    }
                    return []
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(carts.count == 48)
            // The price as of each global position, from the product's stream as stored.
            let store = PostgresEventStore(client: postgres, logger: TestEnvironment.logger)
            var prices: [(position: Int64, amount: Int64)] = []
            for recorded in try await store.read(.of("product", try ProductID("lamp"))) {
                let event = try EventCodec.decode(ProductEvent.self, EncodedEvent(type: recorded.type, schemaVersion: Int(recorded.schemaVersion), json: recorded.data))
                if case .priceSet(let set) = event { prices.append((recorded.position, set.price.amount)) }
            }
            #expect(prices.count == 13)
            for cart in carts {
                for recorded in try await store.read(.of("cart", try CartID(cart))) where recorded.type == CartItemAdded.eventType {
                    let event = try EventCodec.decode(CartEvent.self, EncodedEvent(type: recorded.type, schemaVersion: Int(recorded.schemaVersion), json: recorded.data))
                    guard case .itemAdded(let added) = event else { continue }
                    // A condition is checked against what is committed when the append runs:
                    // a price change whose position comes before the line's but which had not
                    // committed yet may go unseen. `second` sets one price at a time, so the
                    // line has the price as of its position or the one just before it.
                    let before = prices.filter { $0.position < recorded.position }.suffix(2).map(\.amount)
                    #expect(before.contains(added.line.unitPrice.amount), "cart \(cart) at \(recorded.position): \(added.line.unitPrice.amount), prices \(before)")
                }
            }
        }
    }
}
