import API
import Application
import Foundation
import PostgresNIO
import Testing
import TestSupport

/// Checkout reserves stock first on the inventory state its server cached, unread. Two servers
/// on one database: each sale, receipt or adjustment through one leaves the other's cache
/// behind, and neither may sell stock that is gone nor refuse stock that is there.
@Suite("Checkout on cached stock, with two servers")
struct CheckoutStockCacheTests {
    static let configuration = APIConfiguration(
        port: 0, tokenSecret: APIClient.secret, bcryptCost: 4, authLimits: APIClient.oneAddressLimits,
        accountMail: AccountMailSettings(storefrontURL: "https://shop.example.com", requireVerifiedEmail: false)
    )

    func checkout(_ api: APIClient, _ customer: String, quantity: Int) async throws -> APIClient.Answer {
        let cart = try await api.readyCart(token: customer, product: "kettle", sku: "KETTLE-1", quantity: quantity)
        return try await api.call(.post, "/carts/\(cart)/checkout", token: customer, body: ["cardNumber": "4242424242424242"])
    }

    func onHand(_ postgres: PostgresClient) async throws -> (available: Int, reserved: Int) {
        let stock = try await Streams(postgres).stock("KETTLE-1")
        return (stock.available, stock.reserved)
    }

    @Test("a server whose cached stock is behind sells what is there, refuses what is gone, and sells again once stock arrives through the other")
    func cachedStockNeverDecidesAlone() async throws {
        try await withTwoAPIServers(Self.configuration) { first, second, postgres in
            let admin = try await first.admin(postgres)
            try await first.product(admin: admin, id: "kettle", sku: "KETTLE-1", price: 3000, stock: 5)
            let (customer, _) = try await first.register("kettle-\(UUID().uuidString.prefix(6))@example.com")

            // `first` caches the stock after its sale (3 left); `second` sells 2 behind its back.
            #expect(try await checkout(first, customer, quantity: 2).status == .created)
            #expect(try await checkout(second, customer, quantity: 2).status == .created)
            #expect(try await onHand(postgres) == (1, 4))

            // On `first`'s cache 3 are left; on the stream 1: two are refused, one is sold.
            let refused = try await checkout(first, customer, quantity: 2)
            #expect(refused.status == .conflict && refused.code == "inventory.insufficient_stock", "\(refused.body)")
            #expect(try await onHand(postgres) == (1, 4))
            #expect(try await checkout(first, customer, quantity: 1).status == .created)
            #expect(try await onHand(postgres) == (0, 5))

            // `first` caches none left; stock received through `second` is sold by `first`.
            #expect(try await second.call(.post, "/admin/inventory/KETTLE-1/receive", token: admin, body: ["quantity": 3]).status == .ok)
            #expect(try await checkout(first, customer, quantity: 3).status == .created)
            #expect(try await onHand(postgres) == (0, 8))
        }
    }
}
