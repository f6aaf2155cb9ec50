@testable import Aggregates
import API
import Application
import EventStore
import Foundation
import Hummingbird
import PostgresNIO
import ServiceLifecycle
import Testing
import TestSupport
import Workers

/// Promotions through HTTP against a real PostgreSQL: admin set-up, codes in carts, checkout
/// with discounts, limits under concurrent checkouts, uses given back on cancellation.
@Suite("Promotions over HTTP")
struct PromotionTests {
    /// Creates and activates a promotion; returns its id.
    static func promotion(_ api: APIClient, admin: String, _ definition: [String: Any]) async throws -> String {
        let created = try await api.call(.post, "/admin/promotions", token: admin, body: definition)
        #expect(created.status == .created, "\(created.body)")
        let id = created.string("id")
        #expect(try await api.call(.post, "/admin/promotions/\(id)/activate", token: admin).status == .ok)
        return id
    }

    static func money(_ value: (any Sendable)?) -> Int64 {
        ((value as? [String: any Sendable])?["amount"] as? Int64) ?? -1
    }

    static func object(_ value: (any Sendable)?) -> [String: any Sendable] { value as? [String: any Sendable] ?? [:] }
    static func array(_ value: (any Sendable)?) -> [[String: any Sendable]] { (value as? [any Sendable] ?? []).map(object) }

    @Test("a code in the cart: priced per line, refused when unknown, listed while it does not fit, carried onto the order and its figures")
    func codeJourney() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "kettle", sku: "KETTLE-1", price: 3333, stock: 10)
            let promotion = try await Self.promotion(api, admin: admin, [
                "name": "Ten off from 50", "automatic": false,
                "rules": ["kind": "percentageOff", "target": "order", "basisPoints": 1000, "minimumSubtotal": ["EUR": 5000]],
            ])
            let issued = try await api.call(.post, "/admin/promotions/\(promotion)/codes", token: admin, body: ["codes": ["ten-off"]])
            #expect(issued.status == .created, "\(issued.body)")
            #expect(issued["codes"] as? [any Sendable] as? [String] == ["TEN-OFF"], "codes are stored upper case")
            #expect(try await api.call(.post, "/admin/promotions/\(promotion)/codes", token: admin, body: ["codes": ["Ten-Off"]]).code == "coupon.duplicate")

            let (customer, _) = try await api.register("saver@example.com")
            let cart = try await api.readyCart(token: customer, product: "kettle", sku: "KETTLE-1", quantity: 1)
            let unknown = try await api.call(.post, "/carts/\(cart)/coupons", token: customer, body: ["code": "NOPE-123"])
            #expect(unknown.status == .unprocessableContent && unknown.code == "coupon.unknown", "\(unknown.body)")
            #expect(try await api.call(.post, "/carts/\(cart)/coupons", token: customer, body: ["code": "no spaces"]).code == "invalid_coupon_code")

            // 3333 is below the minimum: the code is kept and listed with its reason.
            #expect(try await api.call(.post, "/carts/\(cart)/coupons", token: customer, body: ["code": "ten-off"]).status == .ok)
            var view = try await api.call(.get, "/carts/\(cart)", token: customer)
            #expect(Self.array(view["coupons"]).first?["refusal"] as? String == "minimumSubtotalNotMet")
            #expect(Self.money(Self.object(view["totals"])["discount"]) == 0)

            // Two kettles: 6666, 10 % = 667 (666.6 rounded half away from zero); tax 19 % of 5999 = 1140 (1139.81);
            // 6666 − 667 + 495 + 1140 = 7634.
            #expect(try await api.call(.put, "/carts/\(cart)/lines/KETTLE-1", token: customer, body: ["quantity": 2]).status == .ok)
            view = try await api.call(.get, "/carts/\(cart)", token: customer)
            let totals = Self.object(view["totals"])
            #expect([Self.money(totals["subtotal"]), Self.money(totals["discount"]), Self.money(totals["shipping"]), Self.money(totals["tax"]), Self.money(totals["total"])]
                    == [6666, 667, 495, 1140, 7634], "\(totals)")
            #expect(Self.array(view["coupons"]).first?["applied"] as? Int64 == 1)
            #expect(Self.array(view["discounts"]).first?["promotionId"] as? String == promotion)
            #expect(Self.money(Self.array(view["linePrices"]).first?["discount"]) == 667)

            let placed = try await api.call(.post, "/carts/\(cart)/checkout", token: customer, body: ["cardNumber": "4242424242424242"])
            #expect(placed.status == .created, "\(placed.body)")
            let order = try await Streams(postgres).order(placed.string("id"))
            #expect(order.totals?.total == Money(7634, .EUR) && order.totals?.discount == Money(667, .EUR))
            #expect(order.discounts.map(\.code?.rawValue) == ["TEN-OFF"])
            let payment = try await Streams(postgres).payment(ofOrder: placed.string("id"))
            #expect(payment.amount == Money(7634, .EUR), "the payment is for the discounted total")

            try await project(postgres)
            let redemptions = try await api.call(.get, "/admin/promotions/\(promotion)/redemptions", token: admin)
            #expect(Self.array(redemptions["items"]).map { $0["orderId"] as? String } == [placed.string("id")])
            let detail = try await api.call(.get, "/admin/promotions/\(promotion)", token: admin)
            #expect(detail.status == .ok)
            let figures = Self.object(detail["figures"])
            #expect(figures["uses"] as? Int64 == 1)
            #expect(Self.array(figures["byCurrency"]).first.map { [$0["discount"] as? Int64, $0["revenue"] as? Int64] } == [667, 7634])
            let report = try await api.call(.get, "/admin/analytics/promotions", token: admin)
            #expect(Self.array(report["promotions"]).map { $0["promotionId"] as? String } == [promotion])
            let codes = try await api.call(.get, "/admin/promotions/\(promotion)/codes", token: admin)
            #expect(Self.array(codes["items"]).map { $0["uses"] as? Int64 } == [1])
            let listed = try await api.call(.get, "/admin/promotions?status=active", token: admin)
            #expect(Self.array(listed["items"]).map { $0["promotionId"] as? String } == [promotion])
        }
    }

    @Test("automatic promotions apply without a code once projected, stack by priority, and stop when one says so")
    func automaticPromotions() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "pan", sku: "PAN-1", price: 10_000, stock: 10)
            _ = try await Self.promotion(api, admin: admin, [
                "name": "Free shipping", "automatic": true, "priority": 20, "rules": ["kind": "freeShipping", "target": "shipping"],
            ])
            let first = try await Self.promotion(api, admin: admin, [
                "name": "Five euro off", "automatic": true, "priority": 10, "rules": ["kind": "amountOff", "target": "order", "amounts": ["EUR": 500]],
            ])
            try await project(postgres)
            let (customer, _) = try await api.register("auto@example.com")
            let cart = try await api.readyCart(token: customer, product: "pan", sku: "PAN-1")
            var view = try await api.call(.get, "/carts/\(cart)", token: customer)
            // 500 off the 10000 line, then the 495 shipping: 995.
            #expect(Self.array(view["discounts"]).map { Self.money($0["amount"]) } == [500, 495])
            #expect(Self.money(Self.object(view["totals"])["total"]) == 10_000 - 995 + 495 + 1805)  // tax 19 % of 9500
            // The first one now stops the rest: shipping is charged again.
            #expect(try await api.call(.put, "/admin/promotions/\(first)", token: admin, body: [
                "name": "Five euro off", "automatic": true, "priority": 10, "stopsLaterPromotions": true,
                "rules": ["kind": "amountOff", "target": "order", "amounts": ["EUR": 500]],
            ]).status == .ok)
            view = try await api.call(.get, "/carts/\(cart)", token: customer)
            #expect(Self.array(view["discounts"]).map { Self.money($0["amount"]) } == [500])
            // Deactivated: it is gone from the price at once (promotions are read from their streams).
            #expect(try await api.call(.post, "/admin/promotions/\(first)/deactivate", token: admin).status == .ok)
            view = try await api.call(.get, "/carts/\(cart)", token: customer)
            #expect(Self.array(view["discounts"]).map { Self.money($0["amount"]) } == [495])
            let invalid = try await api.call(.post, "/admin/promotions", token: admin, body: [
                "name": "Broken", "automatic": true, "rules": ["kind": "freeShipping", "target": "order"],
            ])
            #expect(invalid.status == .unprocessableContent && invalid.code == "promotion.invalid_rules", "\(invalid.body)")
        }
    }

    @Test("a code limited to 25 uses, 200 customers checking out with it at once: exactly 25 orders carry it, the rest get 409 naming the promotion")
    func limitedCodeRace() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "lamp", sku: "LAMP-RACE", price: 2000, stock: 1000)
            let promotion = try await Self.promotion(api, admin: admin, [
                "name": "First 25", "automatic": false, "rules": ["kind": "percentageOff", "target": "order", "basisPoints": 2000],
            ])
            #expect(try await api.call(.post, "/admin/promotions/\(promotion)/codes", token: admin, body: ["codes": ["FIRST25"], "usageLimit": 25]).status == .created)
            var carts: [(String, String)] = []
            for chunk in stride(from: 0, to: 200, by: 20) {
                carts += try await withThrowingTaskGroup(of: (String, String).self) { group in
                    for index in chunk..<(chunk + 20) {
                        group.addTask {
                            try await api.onOwnConnection { api in
                                let (token, _) = try await api.register("racer\(index)@example.com")
                                let cart = try await api.readyCart(token: token, product: "lamp", sku: "LAMP-RACE")
                                let applied = try await api.call(.post, "/carts/\(cart)/coupons", token: token, body: ["code": "FIRST25"])
                                #expect(applied.status == .ok, "\(applied.body)")
                                return (token, cart)
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            let before = try await Self.count(postgres, "SELECT count(*)::int FROM events")
            let answers = try await api.concurrently(carts.map { token, cart in
                APIClient.Call(.post, "/carts/\(cart)/checkout", token: token, body: ["cardNumber": "4242424242424242"])
            })
            #expect(answers.filter { $0.status == .created }.count == 25)
            let losers = answers.filter { $0.status != .created }
            #expect(losers.count == 175)
            #expect(losers.allSatisfy { $0.status == .conflict && $0.code == "promotion.used_up" && $0.string("promotionId") == promotion },
                    "\(Set(losers.compactMap(\.code)))")
            let placed = try await Self.count(postgres, "SELECT count(*)::int FROM events WHERE event_type = 'OrderPlaced'")
            #expect(placed == 25)
            let carrying = try await Self.count(postgres, "SELECT count(*)::int FROM events WHERE event_type = 'OrderPlaced' AND data->'discounts'->0->>'code' = 'FIRST25'")
            #expect(carrying == 25)
            let redeemed = try await Self.count(postgres, "SELECT count(*)::int FROM events WHERE event_type = 'CouponRedeemed' AND stream_name = 'coupon-FIRST25'")
            #expect(redeemed == 25)
            // Each winner wrote cart, order, payment, reservation and the code's use: nothing for the losers.
            #expect(try await Self.count(postgres, "SELECT count(*)::int FROM events") - before == 25 * 5)
            #expect(try await Streams(postgres).stock("LAMP-RACE").reserved == 25)
        }
    }

    @Test("a per-customer limit of 1: one customer checking out 10 carts at once gets 1 order with it; cancelling gives the use back")
    func perCustomerLimit() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "vase", sku: "VASE-1", price: 3000, stock: 100)
            let promotion = try await Self.promotion(api, admin: admin, [
                "name": "Once each", "automatic": false, "rules": ["kind": "amountOff", "target": "order", "amounts": ["EUR": 1000]],
            ])
            #expect(try await api.call(.post, "/admin/promotions/\(promotion)/codes", token: admin, body: ["codes": ["ONCE-EACH"], "perCustomerLimit": 1]).status == .created)
            let (customer, _) = try await api.register("greedy@example.com")
            var carts: [String] = []
            for _ in 0..<10 {
                let cart = try await api.readyCart(token: customer, product: "vase", sku: "VASE-1")
                #expect(try await api.call(.post, "/carts/\(cart)/coupons", token: customer, body: ["code": "once-each"]).status == .ok)
                carts.append(cart)
            }
            let answers = try await api.concurrently(carts.map { cart in
                APIClient.Call(.post, "/carts/\(cart)/checkout", token: customer, body: ["cardNumber": "4242424242424242"])
            })
            let winners = answers.filter { $0.status == .created }
            #expect(winners.count == 1)
            #expect(answers.filter { $0.code == "promotion.used_up" }.count == 9)
            // A guest may not use a per-customer code at all.
            let guestCart = try await api.call(.post, "/carts", body: ["currency": "EUR"])
            let guestToken = try #require(guestCart.headers[.init("Guest-Token")!])
            let guest = try await api.call(.post, "/carts/\(guestCart.string("id"))/coupons", body: ["code": "ONCE-EACH"], headers: [.init("Guest-Token")!: guestToken])
            #expect(guest.code == "coupon.not_usable" && guest.string("reason") == "signInRequired", "\(guest.body)")

            // Cancelled: the use comes back while the promotion runs (the cancellation process).
            let order = winners[0].string("id")
            try await withServices(lifecycleWorkers(postgres)) {
                #expect(try await api.call(.post, "/orders/\(order)/cancel", token: customer, body: ["reason": "changed my mind"]).status == .ok)
                try await waitUntil(timeout: .seconds(20)) {
                    (try? await Streams(postgres).repository.load(Coupon.self, .of("coupon", try CouponCode("ONCE-EACH"))).state.uses) == 0
                }
            }
            // Another of the carts (the winner's is closed) now gets the code's use.
            let other = carts[answers.firstIndex { $0.status != .created }!]
            let again = try await api.call(.post, "/carts/\(other)/checkout", token: customer, body: ["cardNumber": "4242424242424242"])
            #expect(again.status == .created, "\(again.body)")
        }
    }

    static func count(_ postgres: PostgresClient, _ sql: String) async throws -> Int {
        try await postgres.query(PostgresQuery(unsafeSQL: sql)).decode(Int.self).collectAll()[0]
    }
}
