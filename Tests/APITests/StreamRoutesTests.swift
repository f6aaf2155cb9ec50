import Foundation
import Testing
import TestSupport

/// The admin's audit reads: a stream's events, and its state as of a position or a time.
@Suite("Admin stream history: events and state as of any instant")
struct StreamRoutesTests {
    @Test("a cart's and an order's state at three instants each equal a hand fold of their events")
    func stateAsOf() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "mug", sku: "MUG-1", price: 1250, stock: 5)
            let (customer, userID) = try await api.register("asof-\(UUID().uuidString.prefix(6))@example.com")

            let created = try await api.call(.post, "/carts", token: customer, body: ["currency": "EUR"])
            let cart = created.string("id")
            let atCreation = created.integer("position")
            let added = try await api.call(.post, "/carts/\(cart)/lines", token: customer, body: ["productId": "mug", "sku": "MUG-1", "quantity": 2])
            let afterLine = added.integer("position")
            let beforeAddress = Date()
            try await Task.sleep(for: .milliseconds(5))  // recorded times are this process's clock, to the microsecond
            try await api.call(.put, "/carts/\(cart)/shipping-address", token: customer,
                               body: ["name": "Ada", "line1": "1 Main St", "city": "Berlin", "postalCode": "10115", "country": "DE"])
            try await api.call(.put, "/carts/\(cart)/shipping-method", token: customer, body: ["method": "standard"])
            let checkout = try await api.call(.post, "/carts/\(cart)/checkout", token: customer, body: ["cardNumber": "4242424242424242"])
            let order = checkout.string("id")
            let placedAt = checkout.integer("position")
            let cancelled = try await api.call(.post, "/orders/\(order)/cancel", token: customer, body: ["reason": "changed my mind"])
            #expect(cancelled.status == .ok, "\(cancelled.body)")

            // The cart, by hand: created empty and open; then one line of 2 mugs at 12.50; then,
            // as of a time before the address, still no address; at the end, checked out.
            let first = try await state(api, admin, "cart-\(cart)", asOf: "\(atCreation)")
            #expect(first.version == 1 && first.events == ["CartCreated"])
            #expect(first.state["currency"] as? String == "EUR" && first.state["status"] as? String == "open")
            #expect((first.state["lines"] as? [Any])?.isEmpty == true)
            #expect((first.state["owner"] as? [String: Any])?["id"] as? String == userID)

            let second = try await state(api, admin, "cart-\(cart)", asOf: "\(afterLine)")
            let lines = try #require(second.state["lines"] as? [[String: Any]])
            #expect(lines.count == 1 && lines[0]["sku"] as? String == "MUG-1" && lines[0]["quantity"] as? Int64 == 2)
            #expect((lines[0]["unitPrice"] as? [String: Any])?["amount"] as? Int64 == 1250)
            #expect(second.state["shippingAddress"] == nil)

            let third = try await state(api, admin, "cart-\(cart)", asOf: RFC3339(beforeAddress))
            #expect(third.version == 2 && third.state["shippingAddress"] == nil)

            let now = try await state(api, admin, "cart-\(cart)", asOf: nil)
            #expect(now.state["status"] as? String == "checkedOut")
            #expect((now.state["shippingAddress"] as? [String: Any])?["city"] as? String == "Berlin")
            #expect(now.events == ["CartCreated", "CartItemAdded", "CartShippingAddressSet", "CartShippingMethodSet", "CartCheckedOut"])

            // The order: not there before checkout; placed for 2 mugs; cancelled at the end.
            let before = try await api.call(.get, "/admin/streams/order-\(order)/state?asOf=\(afterLine)", token: admin)
            #expect(before.status == .notFound && before.code == "not_found")
            let placed = try await state(api, admin, "order-\(order)", asOf: "\(placedAt)")
            #expect(placed.version == 1 && placed.state["status"] as? String == "placed")
            #expect(((placed.state["lines"] as? [[String: Any]])?.first?["quantity"]) as? Int64 == 2)
            let latest = try await state(api, admin, "order-\(order)", asOf: nil)
            #expect(latest.state["status"] as? String == "cancelled")
            #expect(latest.events.contains("OrderCancelled"))

            // The events themselves, paged.
            let page = try await api.call(.get, "/admin/streams/cart-\(cart)/events?fromVersion=2&limit=2", token: admin)
            let events = try #require(page["events"] as? [[String: any Sendable]])
            #expect(events.map { $0["version"] as? Int64 } == [2, 3])
            #expect(page.integer("nextVersion") == 4)
            #expect((events[0]["data"] as? [String: any Sendable])?["quantityAdded"] as? Int64 == 2)
            #expect((events[0]["metadata"] as? [String: any Sendable])?["actor"] as? String == userID)
        }
    }

    @Test("bad input is a precise problem; customers may not read history")
    func refusals() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            let (customer, _) = try await api.register("nosy-\(UUID().uuidString.prefix(6))@example.com")
            #expect(try await api.call(.get, "/admin/streams/cart-x/state", token: customer).status == .forbidden)
            let badStream = try await api.call(.get, "/admin/streams/NoCategory/events", token: admin)
            #expect(badStream.status == .badRequest && badStream.code == "invalid_parameter" && badStream.string("field") == "stream")
            let badAsOf = try await api.call(.get, "/admin/streams/cart-x/state?asOf=yesterday", token: admin)
            #expect(badAsOf.status == .badRequest && badAsOf.string("field") == "asOf")
            let badLimit = try await api.call(.get, "/admin/streams/cart-x/events?limit=0", token: admin)
            #expect(badLimit.status == .badRequest && badLimit.string("field") == "limit")
            let noAggregate = try await api.call(.get, "/admin/streams/activity-x/state", token: admin)
            #expect(noAggregate.status == .notFound)
            let empty = try await api.call(.get, "/admin/streams/cart-none/events", token: admin)
            #expect(empty.status == .ok && (empty["events"] as? [any Sendable])?.isEmpty == true)
        }
    }

    private struct Replayed {
        let version: Int64
        let state: [String: Any]
        let events: [String]
    }

    private func state(_ api: APIClient, _ admin: String, _ stream: String, asOf: String?) async throws -> Replayed {
        let query = asOf.map { "?asOf=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? ""
        let answer = try await api.call(.get, "/admin/streams/\(stream)/state\(query)", token: admin)
        #expect(answer.status == .ok, "\(answer.body)")
        let events = (answer["events"] as? [[String: any Sendable]] ?? []).compactMap { $0["type"] as? String }
        return Replayed(version: answer.integer("version"), state: answer["state"] as? [String: any Sendable] ?? [:], events: events)
    }

    private func RFC3339(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
