import API
import Foundation
import Hummingbird
import PostgresNIO
import Testing
import TestSupport

@Suite("Command and query API over HTTP")
struct CommerceAPITests {
    @Test("a new customer registers, browses, fills a cart, checks out and sees the order in their history")
    func journey() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "tee", sku: "TEE-M", price: 2500, stock: 10)
            try await project(postgres)

            let (customer, _) = try await api.register("ada@example.com")
            let listing = try await api.call(.get, "/catalog/products?currency=EUR&sort=price")
            #expect(listing.status == .ok)
            #expect((listing["items"] as? [any Sendable])?.count == 1)

            let cart = try await api.readyCart(token: customer, product: "tee", sku: "TEE-M", quantity: 2)
            let view = try await api.call(.get, "/carts/\(cart)", token: customer)
            #expect(view.status == .ok)
            #expect(view.headers[.eTag] == "\"4\"")
            let totals = view["totals"] as? [String: any Sendable]
            #expect((totals?["subtotal"] as? [String: any Sendable])?["amount"] as? Int64 == 5000)

            let checkout = try await api.call(.post, "/carts/\(cart)/checkout", token: customer, body: ["cardNumber": "4242 4242 4242 4242"])
            #expect(checkout.status == .created, "\(checkout.body)")
            let order = checkout.string("id")
            let position = checkout.integer("position")
            #expect(try await api.call(.get, "/carts/\(cart)", token: customer).string("status") == "checkedOut")

            // Read-your-writes: the read model has not got the order yet, so the wait times out…
            let early = try await api.call(.get, "/orders/\(order)?minPosition=\(position)&waitMs=50", token: customer)
            #expect(early.status == .serviceUnavailable)
            #expect(early.code == "read_model_lagging")
            // …and once projected, the order is there with its timeline.
            try await project(postgres)
            let placed = try await api.call(.get, "/orders/\(order)?minPosition=\(position)", token: customer)
            #expect(placed.status == .ok)
            #expect(placed.string("status") == "placed")
            #expect((placed["timeline"] as? [any Sendable])?.count == 1)
            let history = try await api.call(.get, "/orders", token: customer)
            #expect((history["items"] as? [any Sendable])?.count == 1)

            // Stock is reserved; another customer cannot see this order.
            let stock = try await api.call(.get, "/catalog/products/tee?minPosition=\(position)")
            #expect((stock["available"] as? Int64) == 8)
            let (stranger, _) = try await api.register("eve@example.com")
            #expect(try await api.call(.get, "/orders/\(order)", token: stranger).status == .notFound)
            #expect(try await api.call(.get, "/carts/\(cart)", token: stranger).status == .notFound)
            #expect(try await api.call(.post, "/orders/\(order)/cancel", token: stranger, body: ["reason": "mine now"]).status == .notFound)
        }
    }

    @Test("200 concurrent checkouts for 20 units: exactly 20 orders, stock ends at 0, every loser told it is out of stock")
    func noOverselling() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "scarce", sku: "SCARCE-1", price: 1000, stock: 20)
            // The buyers get ready 20 at a time, each on a connection of its own; then all 200
            // check out at once, each on its own connection too (on the test client's one
            // connection they would be answered one by one).
            var carts: [(String, String)] = []
            for chunk in stride(from: 0, to: 200, by: 20) {
                carts += try await withThrowingTaskGroup(of: (String, String).self) { group in
                    for index in chunk..<(chunk + 20) {
                        group.addTask {
                            try await api.onOwnConnection { api in
                                let (token, _) = try await api.register("buyer\(index)@example.com")
                                return (token, try await api.readyCart(token: token, product: "scarce", sku: "SCARCE-1"))
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            let answers = try await api.concurrently(carts.map { token, cart in
                APIClient.Call(.post, "/carts/\(cart)/checkout", token: token, body: ["cardNumber": "4242424242424242"])
            })
            #expect(answers.filter { $0.status == .created }.count == 20)
            let losers = answers.filter { $0.status != .created }
            #expect(losers.count == 180)
            #expect(losers.allSatisfy { $0.status == .conflict && $0.code == "inventory.insufficient_stock" }, "\(Set(losers.compactMap(\.code)))")
            let orders = try await postgres.query("SELECT count(*)::int FROM events WHERE event_type = 'OrderPlaced'").decode(Int.self).collectAll()[0]
            #expect(orders == 20)
            try await project(postgres)
            let available = try await postgres.query("SELECT available FROM catalog_variants WHERE sku = 'SCARCE-1'").decode(Int.self).collectAll()[0]
            #expect(available == 0)
        }
    }

    @Test("bad input gets a precise problem+json and writes nothing")
    func badInput() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "mug", sku: "MUG-1", price: 900, stock: 5)
            let (customer, _) = try await api.register("bob@example.com")
            let cart = try await api.call(.post, "/carts", token: customer, body: ["currency": "EUR"]).string("id")
            let before = try await postgres.query("SELECT count(*)::int FROM events").decode(Int.self).collectAll()[0]

            let cases: [(String, APIClient.Answer, HTTPResponse.Status, String)] = [
                ("malformed JSON", try await api.call(.post, "/carts/\(cart)/lines", token: customer, json: "{\"sku\": "), .badRequest, "malformed_json"),
                ("unknown field", try await api.call(.post, "/carts/\(cart)/lines", token: customer, body: ["productId": "mug", "sku": "MUG-1", "quantity": 1, "discount": 50]), .badRequest, "unknown_field"),
                ("wrong type", try await api.call(.post, "/carts/\(cart)/lines", token: customer, body: ["productId": "mug", "sku": "MUG-1", "quantity": "two"]), .badRequest, "wrong_type"),
                ("missing field", try await api.call(.post, "/carts/\(cart)/lines", token: customer, body: ["productId": "mug", "sku": "MUG-1"]), .badRequest, "missing_field"),
                ("negative quantity", try await api.call(.post, "/carts/\(cart)/lines", token: customer, body: ["productId": "mug", "sku": "MUG-1", "quantity": -3]), .unprocessableContent, "validation.invalid_quantity"),
                ("unknown product", try await api.call(.post, "/carts/\(cart)/lines", token: customer, body: ["productId": "nothing", "sku": "MUG-1", "quantity": 1]), .notFound, "not_found"),
                ("unknown cart", try await api.call(.post, "/carts/cart_nope/lines", token: customer, body: ["productId": "mug", "sku": "MUG-1", "quantity": 1]), .notFound, "not_found"),
                ("stale version", try await api.call(.put, "/carts/\(cart)/shipping-method", token: customer, body: ["method": "standard"], headers: [.ifMatch: "\"0\""]), .conflict, "version_conflict"),
                ("oversized body", try await api.call(.post, "/carts/\(cart)/lines", token: customer, json: "{\"sku\": \"" + String(repeating: "x", count: 100_000) + "\"}"), .contentTooLarge, "body_too_large"),
                ("no token", try await api.call(.post, "/carts/\(cart)/lines", body: ["productId": "mug", "sku": "MUG-1", "quantity": 1]), .unauthorized, "unauthenticated"),
                ("forged token", try await api.call(.post, "/carts/\(cart)/lines", token: customer + "x", body: ["productId": "mug", "sku": "MUG-1", "quantity": 1]), .unauthorized, "invalid_token"),
                ("expired token", try await api.call(.get, "/orders", token: AccessTokens(secret: APIClient.secret, lifetime: 60).issue(for: .init(userID: "u", role: .customer), now: Date().addingTimeInterval(-120))), .unauthorized, "token_expired"),
                ("customer on an admin route", try await api.call(.post, "/admin/inventory/MUG-1/receive", token: customer, body: ["quantity": 5]), .forbidden, "forbidden"),
                ("unknown route", try await api.call(.get, "/nothing-here"), .notFound, "route_not_found"),
                ("bad currency", try await api.call(.get, "/catalog/products?currency=XXX"), .badRequest, "invalid_parameter"),
            ]
            for (name, answer, status, code) in cases {
                #expect(answer.status == status, "\(name): \(answer.status) \(answer.body)")
                #expect(answer.code == code, "\(name)")
                #expect(answer.headers[.contentType] == "application/problem+json", "\(name)")
            }
            let stale = cases.first { $0.0 == "stale version" }!.1
            #expect(stale.integer("currentVersion") == 1)
            let after = try await postgres.query("SELECT count(*)::int FROM events").decode(Int.self).collectAll()[0]
            #expect(after == before, "nothing written")
        }
    }

    @Test("refresh tokens rotate; a reused one signs the whole session out; logins are rate limited")
    func tokens() async throws {
        try await withAPI { api, _ in
            #expect(try await api.call(.post, "/auth/register", body: ["email": "cy@example.com", "password": "correct horse battery"]).status == .accepted)
            let first = try await api.call(.post, "/auth/login", body: ["email": "cy@example.com", "password": "correct horse battery"]).string("refreshToken")
            let second = try await api.call(.post, "/auth/refresh", body: ["refreshToken": first])
            #expect(second.status == .ok)
            let reused = try await api.call(.post, "/auth/refresh", body: ["refreshToken": first])
            #expect(reused.status == .unauthorized)
            #expect(reused.code == "refresh_token_reused")
            #expect(try await api.call(.post, "/auth/refresh", body: ["refreshToken": second.string("refreshToken")]).code == "invalid_refresh_token")

            // A taken address gets the same answer as a new one, and the account stays as it was.
            #expect(try await api.call(.post, "/auth/register", body: ["email": "CY@example.com", "password": "another password"]).status == .accepted)
            #expect(try await api.call(.post, "/auth/login", body: ["email": "cy@example.com", "password": "another password"]).code == "invalid_credentials")
            // That was the first failed sign-in; four more lock the account.
            for _ in 0..<4 {
                #expect(try await api.call(.post, "/auth/login", body: ["email": "cy@example.com", "password": "wrong password!"]).code == "invalid_credentials")
            }
            let limited = try await api.call(.post, "/auth/login", body: ["email": "cy@example.com", "password": "correct horse battery"])
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
        }
    }

    @Test("Idempotency-Key: the same request gets the stored answer, a different one with the key is 422")
    func idempotency() async throws {
        try await withAPI { api, postgres in
            let (customer, _) = try await api.register("idem@example.com")
            let key: HTTPFields = [.init("Idempotency-Key")!: "create-cart-1"]
            let first = try await api.call(.post, "/carts", token: customer, body: ["currency": "EUR"], headers: key)
            #expect(first.status == .created)
            let events = try await postgres.query("SELECT count(*)::int FROM events").decode(Int.self).collectAll()[0]
            let again = try await api.call(.post, "/carts", token: customer, body: ["currency": "EUR"], headers: key)
            #expect(again.status == .created)
            #expect(again.string("id") == first.string("id"))
            #expect(again.headers[.init("Idempotent-Replayed")!] == "true")
            #expect(try await postgres.query("SELECT count(*)::int FROM events").decode(Int.self).collectAll()[0] == events, "nothing written again")

            let other = try await api.call(.post, "/carts", token: customer, body: ["currency": "USD"], headers: key)
            #expect(other.status == .unprocessableContent)
            #expect(other.code == "idempotency_key_reused")

            let badKey: HTTPFields = [.init("Idempotency-Key")!: "bad-1"]
            let refused = try await api.call(.post, "/carts", token: customer, body: ["currency": "XXX"], headers: badKey)
            let replayed = try await api.call(.post, "/carts", token: customer, body: ["currency": "XXX"], headers: badKey)
            #expect(refused.status == .unprocessableContent)
            #expect(replayed.code == refused.code)
            #expect(replayed.headers[.init("Idempotent-Replayed")!] == "true")
        }
    }

    @Test("a guest fills a cart with its token, signs in, and merges it into the customer's cart")
    func guestCart() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "cap", sku: "CAP-1", price: 1500, stock: 10)
            let guest = try await api.call(.post, "/carts", body: ["currency": "EUR"])
            #expect(guest.status == .created)
            let guestCart = guest.string("id")
            let token = try #require(guest.headers[.init("Guest-Token")!])
            let asGuest: HTTPFields = [.init("Guest-Token")!: token]
            #expect(try await api.call(.post, "/carts/\(guestCart)/lines", body: ["productId": "cap", "sku": "CAP-1", "quantity": 2], headers: asGuest).status == .ok)
            #expect(try await api.call(.get, "/carts/\(guestCart)", headers: [.init("Guest-Token")!: "wrong"]).status == .notFound)
            #expect(try await api.call(.get, "/carts/\(guestCart)").code == "unauthenticated")

            let (customer, _) = try await api.register("guest-then-customer@example.com")
            let mine = try await api.call(.post, "/carts", token: customer, body: ["currency": "EUR"]).string("id")
            #expect(try await api.call(.post, "/carts/\(mine)/merge", token: customer, body: ["guestCartId": guestCart, "guestToken": "wrong"]).status == .notFound)
            let merged = try await api.call(.post, "/carts/\(mine)/merge", token: customer, body: ["guestCartId": guestCart, "guestToken": token])
            #expect(merged.status == .ok, "\(merged.body)")
            let lines = try await api.call(.get, "/carts/\(mine)", token: customer)["lines"] as? [any Sendable]
            #expect((lines?.first as? [String: any Sendable])?["quantity"] as? Int64 == 2)
            #expect(try await api.call(.get, "/carts/\(guestCart)", headers: asGuest).string("status") == "merged")
        }
    }
}
