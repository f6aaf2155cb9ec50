import Aggregates
import API
import Application
import EventStore
import Foundation
import Hummingbird
import PostgresNIO
import Testing
import TestSupport
import Workers

/// Wish lists through HTTP: lists, prices since added, share links, move to cart under
/// concurrency, and the alerts the wishlist-alerts process records.
@Suite("Wish lists through HTTP")
struct WishlistTests {
    static func unique(_ name: String) -> String { "\(name)-\(UUID().uuidString.prefix(8).lowercased())@example.com" }

    static func items(_ answer: APIClient.Answer) -> [[String: any Sendable]] {
        (answer["items"] as? [any Sendable])?.compactMap { $0 as? [String: any Sendable] } ?? []
    }

    static func amount(_ value: (any Sendable)?) -> Int64? { (value as? [String: any Sendable])?["amount"] as? Int64 }

    func count(_ sql: PostgresQuery, _ postgres: PostgresClient) async throws -> Int {
        try await postgres.query(sql).decode(Int.self).collectAll().first ?? 0
    }

    @Test("named lists with counts, prices since added and availability, a read-only share link, rename and delete")
    func lists() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "scarf", sku: "SCARF-1", price: 3000, stock: 2)
            try await api.product(admin: admin, id: "hat", sku: "HAT-1", price: 1500, stock: 0)
            let (ada, _) = try await api.register(Self.unique("ada"))
            let (bea, _) = try await api.register(Self.unique("bea"))
            let empty = try await api.call(.get, "/customers/me/wishlists", token: ada)
            #expect(empty.status == .ok && empty["itemCount"] as? Int64 == 0, "\(empty.body)")
            #expect(try await api.call(.get, "/customers/me/wishlists", token: nil).status == .unauthorized)

            let scarf: [String: Any] = ["productId": "scarf", "sku": "SCARF-1"]
            #expect(try await api.call(.post, "/customers/me/wishlists/default/items", token: ada, body: scarf).status == .ok)
            let again = try await api.call(.post, "/customers/me/wishlists/default/items", token: ada, body: scarf)
            #expect(again.status == .ok && again["position"] == nil, "adding it again records nothing")
            let dollars = try await api.call(.post, "/customers/me/wishlists/default/items", token: ada, body: ["productId": "hat", "sku": "HAT-1", "currency": "USD"])
            #expect(dollars.status == .unprocessableContent && dollars.code == "not_sold_in_currency", "\(dollars.body)")
            #expect(try await api.call(.post, "/customers/me/wishlists/default/items", token: ada, body: ["productId": "hat", "sku": "HAT-9"]).status == .notFound)
            #expect(try await api.call(.post, "/customers/me/wishlists/default/items", token: ada, body: ["productId": "hat", "sku": "HAT-1"]).status == .ok)
            let gifts = try await api.call(.post, "/customers/me/wishlists", token: ada, body: ["name": "Gifts"])
            #expect(gifts.status == .created, "\(gifts.body)")
            let giftsID = gifts.string("id")
            let duplicate = try await api.call(.post, "/customers/me/wishlists", token: ada, body: ["name": " gifts "])
            #expect(duplicate.status == .conflict && duplicate.code == "wishlist.duplicate_name")
            #expect(try await api.call(.post, "/customers/me/wishlists/\(giftsID)/items", token: ada, body: scarf).status == .ok)
            let lists = try await api.call(.get, "/customers/me/wishlists", token: ada)
            let summaries = (lists["lists"] as? [any Sendable])?.compactMap { $0 as? [String: any Sendable] } ?? []
            #expect(summaries.map { $0["name"] as? String } == ["Wishlist", "Gifts"] && summaries.map { $0["itemCount"] as? Int64 } == [2, 1])
            #expect(lists["itemCount"] as? Int64 == 3)
            #expect(try await api.call(.get, "/customers/me/wishlists/\(giftsID)", token: bea).status == .notFound, "lists are their owner's")

            #expect(try await api.call(.put, "/admin/products/scarf/prices", token: admin, body: ["sku": "SCARF-1", "amount": 2400, "currency": "EUR"]).status == .ok)
            try await project(postgres)
            let list = try await api.call(.get, "/customers/me/wishlists/default", token: ada)
            let items = Self.items(list)
            let scarfItem = try #require(items.first { $0["sku"] as? String == "SCARF-1" })
            #expect(Self.amount(scarfItem["addedPrice"]) == 3000 && Self.amount(scarfItem["currentPrice"]) == 2400 && Self.amount(scarfItem["priceChange"]) == -600)
            #expect(scarfItem["available"] as? Int64 == 2 && flag(scarfItem["purchasable"]) == true && scarfItem["name"] as? String == "Product scarf")
            let hatItem = try #require(items.first { $0["sku"] as? String == "HAT-1" })
            #expect(flag(hatItem["inStock"]) == false && flag(hatItem["purchasable"]) == false && Self.amount(hatItem["priceChange"]) == 0)

            let shared = try await api.call(.post, "/customers/me/wishlists/default/share", token: ada)
            #expect(shared.status == .created, "\(shared.body)")
            let token = shared.string("token")
            #expect(try await api.call(.post, "/customers/me/wishlists/default/share", token: ada).string("token") == token, "shared once: the same link")
            let public1 = try await api.call(.get, shared.string("path"))
            #expect(public1.status == .ok && Self.items(public1).count == 2 && public1["shareToken"] == nil && public1["version"] == nil, "\(public1.body)")
            #expect(try await api.call(.delete, "/customers/me/wishlists/default/share", token: ada).status == .ok)
            #expect(try await api.call(.get, "/wishlists/shared/\(token)").status == .notFound)
            let reshared = try await api.call(.post, "/customers/me/wishlists/default/share", token: ada).string("token")
            #expect(reshared != token)
            #expect(try await api.call(.get, "/wishlists/shared/\(reshared)").status == .ok)
            #expect(try await api.call(.get, "/wishlists/shared/\(token)").status == .notFound, "the old link stays dead")

            #expect(try await api.call(.patch, "/customers/me/wishlists/\(giftsID)", token: ada, body: ["name": "Presents"]).status == .ok)
            #expect(try await api.call(.delete, "/customers/me/wishlists/\(giftsID)", token: ada).status == .ok)
            #expect(try await api.call(.get, "/customers/me/wishlists/\(giftsID)", token: ada).status == .notFound)
            let keep = try await api.call(.delete, "/customers/me/wishlists/default", token: ada)
            #expect(keep.status == .conflict && keep.code == "wishlist.default_list")
            #expect(try await api.call(.delete, "/customers/me/wishlists/default/items/HAT-1", token: ada).status == .ok)
            #expect(Self.items(try await api.call(.get, "/customers/me/wishlists/default", token: ada)).map { $0["sku"] as? String } == ["SCARF-1"])
            #expect(try await api.call(.post, "/customers/me/wishlists", token: ada, body: ["name": ""]).code == "validation.invalid_value")
            #expect(try await api.call(.post, "/customers/me/wishlists", token: ada, json: #"{"title": "x"}"#).status == .badRequest)
        }
    }

    @Test("moving the same item to the cart from two sessions at once lands once, at the price now; another's cart or a currency without a price is refused and the item stays")
    func moveToCartUnderConcurrency() async throws {
        try await withAPI { api, postgres in
            let streams = Streams(postgres)
            let admin = try await api.admin(postgres)
            let (ada, adaID) = try await api.register(Self.unique("ada"))
            let (bea, _) = try await api.register(Self.unique("bea"))
            let skus = (0..<8).map { "MUG-\($0)" }
            for (index, sku) in skus.enumerated() {
                try await api.product(admin: admin, id: "mug-\(index)", sku: sku, price: 1200, stock: 50)
                #expect(try await api.call(.post, "/customers/me/wishlists/default/items", token: ada, body: ["productId": "mug-\(index)", "sku": sku]).status == .ok)
            }
            #expect(try await api.call(.put, "/admin/products/mug-0/prices", token: admin, body: ["sku": "MUG-0", "amount": 999, "currency": "EUR"]).status == .ok)
            let cart = try await api.call(.post, "/carts", token: ada, body: ["currency": "EUR"]).string("id")
            let beasCart = try await api.call(.post, "/carts", token: bea, body: ["currency": "EUR"]).string("id")
            let dollarCart = try await api.call(.post, "/carts", token: ada, body: ["currency": "USD"]).string("id")
            #expect(try await api.call(.post, "/customers/me/wishlists/default/items/MUG-0/move-to-cart", token: ada, body: ["cartId": beasCart]).status == .notFound)
            let noDollars = try await api.call(.post, "/customers/me/wishlists/default/items/MUG-0/move-to-cart", token: ada, body: ["cartId": dollarCart])
            #expect(noDollars.code == "not_sold_in_currency")

            for sku in skus {
                let path = "/customers/me/wishlists/default/items/\(sku)/move-to-cart"
                let answers = try await api.concurrently([.init(.post, path, token: ada, body: ["cartId": cart]), .init(.post, path, token: ada, body: ["cartId": cart])])
                #expect(answers.map(\.status.code).sorted() == [200, 404], "\(answers.map(\.body))")
                #expect(answers.contains { $0.code == "wishlist.unknown_item" })
            }
            let state = try await streams.repository.load(Cart.self, .of("cart", try CartID(cart))).state
            #expect(state.lines.map(\.sku.rawValue).sorted() == skus && state.lines.allSatisfy { $0.quantity == 1 })
            #expect(state.lines.first { $0.sku.rawValue == "MUG-0" }?.unitPrice == Money(999, .EUR), "the price now, not when wished")
            let wishlist = try await streams.repository.load(Wishlist.self, .of("wishlist", try CustomerID(adaID))).state
            #expect(wishlist.list(Wishlist.defaultList)?.items.isEmpty == true)
            #expect(try await count("SELECT count(*)::int FROM events WHERE event_type = 'WishlistItemRemoved' AND data::jsonb ? 'movedToCart'", postgres) == skus.count)
            #expect(try await count("SELECT count(*)::int FROM events WHERE event_type = 'CartItemAdded'", postgres) == skus.count)
        }
    }

    @Test("back in stock alerts each wisher once per change, not on a second receipt; a price drop alerts only at the threshold, in the item's currency")
    func alerts() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "boot", sku: "BOOT-1", price: 10000, stock: 0)
            let (ada, adaID) = try await api.register(Self.unique("ada"))
            let (bea, beaID) = try await api.register(Self.unique("bea"))
            let (cy, _) = try await api.register(Self.unique("cy"))
            let boot: [String: Any] = ["productId": "boot", "sku": "BOOT-1"]
            #expect(try await api.call(.post, "/customers/me/wishlists/default/items", token: ada, body: boot).status == .ok)
            let winter = try await api.call(.post, "/customers/me/wishlists", token: bea, body: ["name": "Winter"]).string("id")
            for list in ["default", winter] {
                #expect(try await api.call(.post, "/customers/me/wishlists/\(list)/items", token: bea, body: boot).status == .ok)
            }
            #expect(try await api.call(.post, "/customers/me/wishlists/default/items", token: cy, body: boot).status == .ok)
            #expect(try await api.call(.delete, "/customers/me/wishlists/default/items/BOOT-1", token: cy).status == .ok)

            @Sendable func alerts(_ type: String) async throws -> [(customer: String, lists: Int)] {
                try await postgres.query("""
                    SELECT data->>'customerId', json_array_length(data->'wishlistIds') FROM events
                    WHERE event_type = \(type) ORDER BY global_position
                    """).decode((String, Int).self).collectAll().map { ($0.0, $0.1) }
            }
            try await withServices(lifecycleWorkers(postgres)) {
                #expect(try await api.call(.post, "/admin/inventory/BOOT-1/receive", token: admin, body: ["quantity": 5]).status == .ok)
                try await waitUntil(timeout: .seconds(90)) { (try? await alerts("WishlistBackInStock").count) == 2 }
                let first = try await alerts("WishlistBackInStock")
                #expect(Set(first.map(\.customer)) == [adaID, beaID] && first.first { $0.customer == beaID }?.lists == 2, "\(first)")

                // A second receipt finds stock there already; the 1 % cut is under the 5 % threshold.
                #expect(try await api.call(.post, "/admin/inventory/BOOT-1/receive", token: admin, body: ["quantity": 3]).status == .ok)
                #expect(try await api.call(.put, "/admin/products/boot/prices", token: admin, body: ["sku": "BOOT-1", "amount": 9900, "currency": "EUR"]).status == .ok)
                #expect(try await api.call(.put, "/admin/products/boot/prices", token: admin, body: ["sku": "BOOT-1", "amount": 9000, "currency": "USD"]).status == .ok)
                #expect(try await api.call(.put, "/admin/products/boot/prices", token: admin, body: ["sku": "BOOT-1", "amount": 8000, "currency": "USD"]).status == .ok)
                #expect(try await api.call(.put, "/admin/products/boot/prices", token: admin, body: ["sku": "BOOT-1", "amount": 9405, "currency": "EUR"]).status == .ok)
                // The alerts of the last change show the ones before were handled (in order) and alerted no one.
                try await waitUntil(timeout: .seconds(90)) { (try? await alerts("WishlistPriceDropped").count) == 2 }
                #expect(try await alerts("WishlistBackInStock").count == 2)
                let dropped = try await postgres.query("""
                    SELECT (data->'previousPrice'->>'amount')::bigint, (data->'price'->>'amount')::bigint, data->'price'->>'currency'
                    FROM events WHERE event_type = 'WishlistPriceDropped'
                    """).decode((Int64, Int64, String).self).collectAll()
                #expect(dropped.allSatisfy { $0 == (9900, 9405, "EUR") }, "exactly 5 % down; the USD prices concern no one: \(dropped)")

                // Sold out, then back: a new change, a new alert each.
                #expect(try await api.call(.post, "/admin/inventory/BOOT-1/adjust", token: admin, body: ["delta": -8, "reason": "lost"]).status == .ok)
                #expect(try await api.call(.post, "/admin/inventory/BOOT-1/receive", token: admin, body: ["quantity": 1]).status == .ok)
                try await waitUntil(timeout: .seconds(90)) { (try? await alerts("WishlistBackInStock").count) == 4 }
            }
            #expect(WishlistAlertsProcess.isDrop(from: Money(10000, .EUR), to: Money(9500, .EUR), percent: 5))
            #expect(!WishlistAlertsProcess.isDrop(from: Money(10000, .EUR), to: Money(9501, .EUR), percent: 5))
            #expect(!WishlistAlertsProcess.isDrop(from: Money(10000, .EUR), to: Money(5000, .USD), percent: 5))
        }
    }
}
