@testable import Aggregates
import API
import Application
import EventStore
import Foundation
import Hummingbird
import PostgresNIO
@testable import Projections
import Testing
import TestSupport

/// Recommendations against a real PostgreSQL: a small hand-made history of orders (appended to
/// the store with their business times) and views (through HTTP, as a storefront makes them),
/// projected as the projector does, read through HTTP. Every expected figure is worked out here
/// from the history by hand — counts, cosines, decays — not read from the read model.
@Suite("Recommendations over HTTP")
struct RecommendationTests {
    static let hour: TimeInterval = 3600
    static let day: TimeInterval = 86_400

    /// 2^(−age/halfLife), written out again rather than taken from the code under test.
    static func halved(_ age: TimeInterval, every halfLife: TimeInterval) -> Double { pow(2, -age / halfLife) }

    static func items(_ answer: APIClient.Answer) -> [(id: String, reason: String, score: Double)] {
        (answer["items"] as? [any Sendable] ?? []).compactMap { item -> (String, String, Double)? in
            guard let item = item as? [String: any Sendable], let product = item["product"] as? [String: any Sendable] else { return nil }
            let score = (item["score"] as? Double) ?? (item["score"] as? Int64).map(Double.init) ?? -1
            return (product["productId"] as? String ?? "", item["reason"] as? String ?? "", score)
        }
    }

    static func close(_ a: Double, _ b: Double, within relative: Double = 1e-4) -> Bool {
        abs(a - b) <= relative * max(abs(a), abs(b), 1e-12)
    }

    /// A product with one variant, in `path`, priced in EUR, with `stock` units; published unless told.
    static func product(_ api: APIClient, admin: String, _ id: String, _ path: [String], price: Int, colour: String, stock: Int, publish: Bool = true) async throws {
        #expect(try await api.call(.post, "/admin/products", token: admin, body: ["productId": id, "name": id.capitalized, "description": "A \(id)", "categoryPath": path]).status == .created)
        let sku = id.uppercased() + "-1"
        #expect(try await api.call(.post, "/admin/products/\(id)/variants", token: admin, body: ["sku": sku, "attributes": ["colour": colour]]).status == .ok)
        #expect(try await api.call(.put, "/admin/products/\(id)/prices", token: admin, body: ["sku": sku, "amount": price, "currency": "EUR"]).status == .ok)
        if publish { #expect(try await api.call(.post, "/admin/products/\(id)/publish", token: admin).status == .ok) }
        if stock > 0 { #expect(try await api.call(.post, "/admin/inventory/\(sku)/receive", token: admin, body: ["quantity": stock]).status == .ok) }
    }

    /// An order placed at `time` by `customer` (a guest when nil), one unit of each product.
    static func placeOrder(_ store: PostgresEventStore, _ number: Int, by customer: String?, _ products: [String], at time: Date) async throws {
        var placed = OrderPlaced.sample
        placed.orderId = try OrderID("hand-\(number)")
        placed.cartId = try CartID("hand-cart-\(number)")
        placed.customer = try customer.map { .customer(try CustomerID($0)) } ?? .guest("guest-hash-\(number)")
        placed.lines = try products.map { product in
            OrderLine(CartLine(sku: try SKU(product.uppercased() + "-1"), productId: try ProductID(product), name: product, quantity: 1, unitPrice: Money(1000, .EUR)))
        }
        placed.linePrices = nil
        let encoded = EventCodec.encode(OrderEvent.placed(placed))
        var metadata = EventMetadata(actor: "test")
        metadata.occurredAt = time
        _ = try await store.append([StreamAppend(stream: try StreamName("order-hand-\(number)"), expectedVersion: .noStream, events: [
            NewEvent(type: encoded.type, schemaVersion: Int32(encoded.schemaVersion), data: encoded.json, metadata: metadata),
        ])])
    }

    @Test("a hand-made history: every list is what the documented formulas give, unavailable products never appear, and fallbacks fill the rest")
    func handMadeHistory() async throws {
        try await withAPI { api, postgres in
            let store = PostgresEventStore(client: postgres, logger: TestEnvironment.logger)
            let admin = try await api.admin(postgres)
            try await Self.product(api, admin: admin, "kettle", ["Home", "Kitchen"], price: 3000, colour: "red", stock: 5)
            try await Self.product(api, admin: admin, "teapot", ["Home", "Kitchen"], price: 2500, colour: "red", stock: 5)
            try await Self.product(api, admin: admin, "mug", ["Home", "Kitchen"], price: 800, colour: "blue", stock: 5)
            try await Self.product(api, admin: admin, "lamp", ["Home", "Lighting"], price: 5000, colour: "white", stock: 5)
            try await Self.product(api, admin: admin, "tee", ["Apparel", "Shirts"], price: 2000, colour: "navy", stock: 5)
            try await Self.product(api, admin: admin, "hidden", ["Home", "Kitchen"], price: 1000, colour: "red", stock: 5, publish: false)
            try await Self.product(api, admin: admin, "soldout", ["Home", "Kitchen"], price: 1200, colour: "red", stock: 0)
            try await project(postgres)
            var customers: [(token: String, userID: String)] = []
            for number in 1...5 { customers.append(try await api.register("shopper\(number)@example.com")) }
            let (c1, c2, c3, c4) = (customers[0].userID, customers[1].userID, customers[2].userID, customers[3].userID)

            let now = Date()
            let placedAgo: [(Int, String?, [String], TimeInterval)] = [
                (1, c1, ["kettle", "teapot"], 10 * Self.day),
                (2, c2, ["kettle", "teapot", "mug"], 5 * Self.day),
                (3, c3, ["kettle", "mug"], 3 * Self.day),
                (4, nil, ["teapot", "hidden"], 2 * Self.day),
                (5, c2, ["mug"], 1 * Self.day),
                (6, c4, ["kettle", "soldout"], 1 * Self.day),
                (7, c1, ["kettle", "soldout"], 12 * Self.hour),
            ]
            for (number, customer, products, ago) in placedAgo {
                try await Self.placeOrder(store, number, by: customer, products, at: now.addingTimeInterval(-ago))
            }
            // Views as a storefront makes them: c1 looks at the lamp twice and the tee, c3 at the lamp and the tee.
            for (token, product) in [(customers[0].token, "lamp"), (customers[0].token, "lamp"), (customers[0].token, "tee"),
                                     (customers[2].token, "lamp"), (customers[2].token, "tee")] {
                #expect(try await api.call(.get, "/catalog/products/\(product)", token: token).status == .ok)
            }
            // Only published products count as viewed; an admin's look counts for no one.
            #expect(try await api.call(.get, "/catalog/products/hidden", token: customers[0].token).status == .notFound)
            #expect(try await api.call(.get, "/catalog/products/lamp", token: admin).status == .ok)
            try await waitUntil {
                (try? await postgres.query("SELECT count(*)::int FROM events WHERE event_type = 'ProductViewed'").decode(Int.self).collectAll().first) == 5
            }
            try await project(postgres)
            let viewedAt = try await postgres.query(
                "SELECT stream_name, data->>'productId', metadata->>'occurredAt' FROM events WHERE event_type = 'ProductViewed' ORDER BY global_position"
            ).decode((String, String, String).self).collectAll().map { ($0.0, $0.1, BusinessTime.parse($0.2)!) }
            #expect(viewedAt.count == 5)

            // Counts by hand: orders per product — kettle 5, teapot 3, mug 3, soldout 2, hidden 1;
            // together — kettle+teapot 2, kettle+mug 2, kettle+soldout 2, teapot+mug 1, teapot+hidden 1.
            // Also-bought for the kettle: mug and teapot at 2/√(5·3) (a tie, by id), soldout at
            // 2/√(5·2) is out of stock; then similar (the lamp shares "Home"), then trending (the tee).
            var answer = try await api.call(.get, "/catalog/products/kettle/recommendations?kind=also-bought")
            #expect(answer.status == .ok, "\(answer.body)")
            var items = Self.items(answer)
            #expect(items.map(\.id) == ["mug", "teapot", "lamp", "tee"], "\(items)")
            #expect(items.map(\.reason) == ["also-bought", "also-bought", "similar", "trending"])
            #expect(Self.close(items[0].score, 2 / (5.0 * 3).squareRoot()) && Self.close(items[1].score, 2 / (5.0 * 3).squareRoot()))
            // Similar: half the path in common, prices 3000 and 5000, no colour in common.
            #expect(Self.close(items[2].score, 0.6 * 0.5 + 0.25 * (1 - log(5000.0 / 3000) / log(4.0))))
            #expect(answer["kind"] as? String == "also-bought")
            // The teapot and the mug were bought together once: below the support of two, no rule.
            items = Self.items(try await api.call(.get, "/catalog/products/teapot/recommendations?kind=also-bought&limit=1"))
            #expect(items.map(\.id) == ["kettle"] && Self.close(items[0].score, 2 / (3.0 * 5).squareRoot()))

            // Also-viewed: the lamp and the tee were viewed in two sessions (c1's, c3's), each in two: 2/√(2·2) = 1.
            items = Self.items(try await api.call(.get, "/catalog/products/lamp/recommendations?kind=also-viewed&limit=2"))
            #expect(items.map(\.id) == ["tee", "kettle"] && items.map(\.reason) == ["also-viewed", "similar"], "\(items)")
            #expect(Self.close(items[0].score, 1))

            // Trend scores now: orders weigh 1, views 0.1, each counted at the start of its hour,
            // halving every 72 hours.
            func hourStart(_ time: Date) -> Date { Date(timeIntervalSince1970: (time.timeIntervalSince1970 / 3600).rounded(.down) * 3600) }
            func trend(_ product: String) -> Double {
                let orders = placedAgo.filter { $0.2.contains(product) }
                    .map { Self.halved(now.timeIntervalSince(hourStart(now.addingTimeInterval(-$0.3))), every: 72 * Self.hour) }.reduce(0, +)
                let views = viewedAt.filter { $0.1 == product }.map { 0.1 * Self.halved(now.timeIntervalSince(hourStart($0.2)), every: 72 * Self.hour) }.reduce(0, +)
                return orders + views
            }
            let available = ["kettle", "teapot", "mug", "lamp", "tee"]
            let byTrend = available.sorted { trend($0) > trend($1) }
            answer = try await api.call(.get, "/catalog/trending?limit=10")
            items = Self.items(answer)
            #expect(items.map(\.id) == byTrend, "\(items) against \(byTrend.map { ($0, trend($0)) })")
            for item in items { #expect(Self.close(item.score, trend(item.id), within: 1e-3), "\(item.id): \(item.score) vs \(trend(item.id))") }
            items = Self.items(try await api.call(.get, "/catalog/trending?category=Home"))
            #expect(items.map(\.id) == byTrend.filter { $0 != "tee" })
            #expect(Self.items(try await api.call(.get, "/catalog/trending?category=Garden")).isEmpty, "no product in the category: nothing to show")

            // For-you for c1, who placed 2 orders: the kettle (in both), the teapot and the soldout,
            // and viewed the lamp (twice) and the tee. Signed-in buyers (repeat buyers): kettle 4
            // (c1), teapot 2, mug 2 (c2), soldout 2: the shop's typical repeat share is 2 of 10, and
            // the kettle's, 1 of 4, is above a quarter of it: re-bought often, it stays a candidate;
            // the teapot and the soldout (nobody bought them again) are left out. The score is
            // what c1 buys again, plus two new products an order, half by the pairs, half by the
            // categories:
            // - again: the kettle, in 2 of 2 orders, the first counted as (1 + 1) / (4 + 2): (1 + 1/3) / 2;
            // - pairs, without what c1 bought, by the share of the product's orders (sessions) that
            //   held the other: mug ← kettle: w(kettle) · 2/5 (2 of the kettle's 5 orders held the
            //   mug), with w(kettle) = 2 orders · 2^(−12 h / 90 d); lamp ← tee viewed together:
            //   w(tee) · 0.5 · 1 (the tee's one session); tee ← lamp: w(lamp) · 0.5 · 1, with
            //   w(viewed) = 0.25 · 2^(−age of the last view / 14 d); each over the three's sum;
            // - categories: c1's share of weight in the product's category — each product weighing
            //   orders · 2^(−age / 365 d) + 0.25 · views · 2^(−age of the last view / 365 d), a year
            //   of where c1 shops — times the product's
            //   (signed-in buyers + 1) over its category's: Home/Kitchen has kettle 4 buyers (c1–c4),
            //   teapot 2 (c1, c2), mug 2 (c2, c3), soldout 2 (c4, c1): 5 + 3 + 3 + 3 = 14; the lamp
            //   and the tee are alone in theirs (1 of 1).
            func lastView(_ stream: String, _ product: String) -> Date { viewedAt.filter { $0.0 == stream && $0.1 == product }.map(\.2).max()! }
            let c1Stream = "activity-customer_\(c1)"
            let forYouNow = Date()
            let ordered = { (orders: Double, ago: TimeInterval) in orders * Self.halved(ago, every: 90 * Self.day) }
            let viewed = { (product: String) in 0.25 * Self.halved(forYouNow.timeIntervalSince(lastView(c1Stream, product)), every: 14 * Self.day) }
            let yearly = { (weight: Double, ago: TimeInterval) in weight * Self.halved(ago, every: 365 * Self.day) }
            let yearlyViews = { (product: String) in
                let views = viewedAt.filter { $0.0 == c1Stream && $0.1 == product }.count
                return yearly(0.25 * Double(views), forYouNow.timeIntervalSince(lastView(c1Stream, product)))
            }
            let kitchen = yearly(2, 12 * Self.hour) + yearly(1, 10 * Self.day) + yearly(1, 12 * Self.hour)
            let (lighting, shirts) = (yearlyViews("lamp"), yearlyViews("tee"))
            let total = kitchen + lighting + shirts
            let pairs: [String: Double] = [
                "mug": ordered(2, 12 * Self.hour) * 2 / 5, "lamp": viewed("tee") * 0.5, "tee": viewed("lamp") * 0.5,
            ]
            let pairSum = pairs.values.reduce(0, +)
            let categories: [String: Double] = ["mug": kitchen / total * 3 / 14, "kettle": kitchen / total * 5 / 14, "lamp": lighting / total, "tee": shirts / total]
            let again: [String: Double] = ["kettle": (1 + 2.0 / 6) / 2]
            var expected: [String: Double] = [:]
            for product in ["mug", "lamp", "tee", "kettle"] {
                expected[product] = (again[product] ?? 0) + 2 * (0.5 * (pairs[product] ?? 0) / pairSum + 0.5 * categories[product]!)
            }
            answer = try await api.call(.get, "/customers/me/recommendations?kind=for-you", token: customers[0].token)
            #expect(answer.status == .ok, "\(answer.body)")
            items = Self.items(answer)
            let forYouOrder = expected.keys.sorted { expected[$0]! != expected[$1]! ? expected[$0]! > expected[$1]! : $0 < $1 }
            #expect(items.map(\.id) == forYouOrder, "\(items)")
            #expect(items.allSatisfy { $0.reason == "for-you" && Self.close($0.score, expected[$0.id]!) }, "\(items) against \(expected)")

            // Buy-again for c1: the kettle, bought twice: 2 · 2^(−12 h / 30 d) · (1 repeat buyer + 1) / (4 buyers + 2).
            // The teapot, bought once and re-bought by no one (less than the shop's typical share),
            // is left out; soldout too (and out of stock); then for-you's, as above, without the
            // kettle listed already.
            items = Self.items(try await api.call(.get, "/customers/me/recommendations?kind=buy-again", token: customers[0].token))
            #expect(items.map(\.id) == ["kettle"] + forYouOrder.filter { $0 != "kettle" }, "\(items)")
            #expect(Self.close(items[0].score, 2 * Self.halved(12 * Self.hour, every: 30 * Self.day) * 2 / 6))
            #expect(items.dropFirst().allSatisfy { $0.reason == "for-you" })

            // A customer with no history: trending overall, for both lists.
            for kind in ["for-you", "buy-again"] {
                items = Self.items(try await api.call(.get, "/customers/me/recommendations?kind=\(kind)", token: customers[4].token))
                #expect(items.map(\.id) == byTrend && items.allSatisfy { $0.reason == "trending" }, "\(kind): \(items)")
            }
            // A product nobody bought or viewed: similar, then trending.
            items = Self.items(try await api.call(.get, "/catalog/products/tee/recommendations?kind=also-bought"))
            #expect(items.map(\.id) == byTrend.filter { $0 != "tee" } && items.allSatisfy { $0.reason == "trending" }, "\(items)")

            // Unavailable products are never listed, anywhere.
            for path in ["/catalog/trending?limit=50", "/catalog/products/kettle/recommendations?kind=similar&limit=50",
                         "/catalog/products/teapot/recommendations?kind=also-bought&limit=50"] {
                let ids = Self.items(try await api.call(.get, path)).map(\.id)
                #expect(!ids.contains("hidden") && !ids.contains("soldout"), "\(path): \(ids)")
            }

            // Incremental: one more order with the teapot and the mug makes them a rule. The
            // teapot's pairs and its list of one were read before the order and may still be kept
            // (for up to 5 s); read-your-writes (minPosition) reads them afresh.
            try await Self.placeOrder(store, 8, by: c4, ["teapot", "mug"], at: Date())
            try await project(postgres)
            let position = try await postgres.query("SELECT max(global_position) FROM events").decode(Int64.self).collectAll()[0]
            items = Self.items(try await api.call(.get, "/catalog/products/teapot/recommendations?kind=also-bought&limit=2&minPosition=\(position)"))
            // teapot 4 orders, mug 4, kettle 5: mug 2/√16 = 0.5, kettle 2/√20 = 0.447.
            #expect(items.map(\.id) == ["mug", "kettle"] && Self.close(items[0].score, 0.5) && Self.close(items[1].score, 2 / 20.0.squareRoot()), "\(items)")
            items = Self.items(try await api.call(.get, "/catalog/products/teapot/recommendations?kind=also-bought&limit=1&minPosition=\(position)"))
            #expect(items.map(\.id) == ["mug"], "\(items)")

            // Each signed-in customer's orders are counted (c1 2, c2 2, c3 1, c4 2); erasing c4's
            // data deletes their count with their products.
            let counted = try await postgres.query("SELECT customer_id, orders FROM rec_customer_orders").decode((String, Int64).self).collectAll()
            #expect(Dictionary(uniqueKeysWithValues: counted.map { ($0.0, $0.1) }) == [c1: 2, c2: 2, c3: 1, c4: 2], "\(counted)")
            #expect(try await api.call(.post, "/admin/customers/\(c4)/erase", token: admin).status == .ok)
            #expect(try await postgres.query("SELECT count(*)::int FROM rec_customer_orders WHERE customer_id = \(c4)").decode(Int.self).collectAll()[0] == 0)
            #expect(try await postgres.query("SELECT count(*)::int FROM rec_customer_products WHERE customer_id = \(c4)").decode(Int.self).collectAll()[0] == 0)
        }
    }

    @Test("the products on sale, read again only where rows changed, equal a whole read: after price, stock, status and order changes, and after a rebuild")
    func productsOnSaleFollowChanges() async throws {
        try await withAPI { api, postgres in
            let logger = TestEnvironment.logger
            let store = PostgresEventStore(client: postgres, logger: logger)
            let admin = try await api.admin(postgres)
            try await Self.product(api, admin: admin, "kettle", ["Home", "Kitchen"], price: 3000, colour: "red", stock: 5)
            try await Self.product(api, admin: admin, "teapot", ["Home", "Kitchen"], price: 2500, colour: "red", stock: 5)
            try await Self.product(api, admin: admin, "mug", ["Home", "Kitchen"], price: 800, colour: "blue", stock: 1)
            try await Self.product(api, admin: admin, "lamp", ["Home", "Lighting"], price: 5000, colour: "white", stock: 5, publish: false)
            // The orders' times, kept: the trend counts each at its hour's start, and a test that
            // crosses an hour's end would otherwise expect the wrong hour.
            let orderTimes = [Date().addingTimeInterval(-2 * Self.hour), Date().addingTimeInterval(-Self.hour)]
            try await Self.placeOrder(store, 1, by: "c1", ["kettle", "teapot"], at: orderTimes[0])
            try await project(postgres)
            let halfLife = 72 * Self.hour
            let kept = ProductsOnSale(client: postgres, logger: logger, maximumAge: .seconds(3600), trendHalfLife: halfLife)
            let before = try await kept.current()
            #expect(Set(before.products.keys) == ["kettle", "teapot", "mug"])

            // A change of every kind the snapshot holds.
            #expect(try await api.call(.put, "/admin/products/teapot/prices", token: admin, body: ["sku": "TEAPOT-1", "amount": 2200, "currency": "EUR"]).status == .ok)
            #expect(try await api.call(.post, "/admin/inventory/MUG-1/adjust", token: admin, body: ["delta": -1, "reason": "damaged"]).status == .ok)
            #expect(try await api.call(.post, "/admin/products/lamp/publish", token: admin).status == .ok)
            #expect(try await api.call(.post, "/admin/products/kettle/unpublish", token: admin).status == .ok)
            try await Self.placeOrder(store, 2, by: "c1", ["teapot"], at: orderTimes[1])
            try await project(postgres)

            // Young enough: kept as it was.
            #expect(Set(try await kept.current().products.keys) == ["kettle", "teapot", "mug"])
            // Read again: only the changed products are read, and the result is what a whole read gives.
            let followed = try await kept.current(fresh: true)
            let whole = try await ProductsOnSale(client: postgres, logger: logger, trendHalfLife: halfLife).current()
            Self.expectSame(followed, whole, halfLife: halfLife)
            // Worked out by hand: the kettle unpublished, the lamp published, the mug sold out,
            // the teapot at its new price and bought twice by one customer.
            #expect(Set(followed.products.keys) == ["teapot", "mug", "lamp"])
            #expect(followed.products["teapot"]?.prices == ["EUR": 2200])
            #expect(followed.products["mug"]?.buyable == [] && followed.products["lamp"]?.buyable == ["EUR"])
            #expect(followed.products["teapot"]?.buyers == 1 && followed.products["teapot"]?.repeatBuyers == 1)
            // The teapot's trend: an order two hours ago and one an hour ago, each counted at its hour's start.
            let now = Date()
            let expectedTrend = orderTimes.map { time -> Double in
                let hourStart = (time.timeIntervalSince1970 / Self.hour).rounded(.down) * Self.hour
                return Self.halved(now.timeIntervalSince1970 - hourStart, every: halfLife)
            }.reduce(0, +)
            #expect(Self.close(followed.products["teapot"]?.trend.value(at: now, halfLife: halfLife) ?? 0, expectedTrend, within: 1e-3))

            // A rebuilt catalog puts new tables in place: read whole again.
            _ = try await ProjectionRebuilder(store: store, logger: logger).rebuild(CatalogProjection())
            #expect(try await api.call(.post, "/admin/products/kettle/publish", token: admin).status == .ok)
            try await project(postgres)
            let rebuilt = try await kept.current(fresh: true)
            #expect(rebuilt.seen.tables != followed.seen.tables)
            Self.expectSame(rebuilt, try await ProductsOnSale(client: postgres, logger: logger, trendHalfLife: halfLife).current(), halfLife: halfLife)
            #expect(Set(rebuilt.products.keys) == ["kettle", "teapot", "mug", "lamp"])
        }
    }

    /// The same products with the same figures (trend scores compared at one time).
    static func expectSame(_ left: ProductsOnSale.Snapshot, _ right: ProductsOnSale.Snapshot, halfLife: TimeInterval,
                           sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(Set(left.products.keys) == Set(right.products.keys), sourceLocation: sourceLocation)
        let now = Date()
        for (id, product) in left.products {
            guard let other = right.products[id] else { continue }
            #expect(product.categoryPath == other.categoryPath && product.prices == other.prices && product.buyable == other.buyable
                && product.attributes == other.attributes && product.buyers == other.buyers && product.repeatBuyers == other.repeatBuyers,
                "\(id)", sourceLocation: sourceLocation)
            #expect(close(product.trend.value(at: now, halfLife: halfLife), other.trend.value(at: now, halfLife: halfLife)), "\(id)", sourceLocation: sourceLocation)
        }
        #expect(close(left.typicalRepeatShare, right.typicalRepeatShare), sourceLocation: sourceLocation)
    }

    @Test("each customer sees only their own lists; bad parameters, unknown and unpublished products get precise problems")
    func accessAndErrors() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await Self.product(api, admin: admin, "vase", ["Home"], price: 1500, colour: "green", stock: 3)
            try await Self.product(api, admin: admin, "draft", ["Home"], price: 1500, colour: "green", stock: 3, publish: false)
            let (shopper, _) = try await api.register("own@example.com")
            try await project(postgres)

            #expect(try await api.call(.get, "/customers/me/recommendations").status == .unauthorized)
            #expect(try await api.call(.get, "/customers/someone-else/recommendations", token: shopper).status == .notFound)
            #expect(try await api.call(.get, "/customers/me/recommendations?kind=also-bought", token: shopper).code == "invalid_parameter")
            #expect(try await api.call(.get, "/catalog/products/vase/recommendations?kind=for-you").code == "invalid_parameter")
            #expect(try await api.call(.get, "/catalog/products/vase/recommendations?limit=0").code == "invalid_parameter")
            #expect(try await api.call(.get, "/catalog/products/vase/recommendations?limit=51").code == "invalid_parameter")
            #expect(try await api.call(.get, "/catalog/trending?currency=XYZ").code == "invalid_parameter")
            #expect(try await api.call(.get, "/catalog/products/nothing/recommendations").status == .notFound)
            #expect(try await api.call(.get, "/catalog/products/draft/recommendations").status == .notFound)
            #expect(try await api.call(.get, "/catalog/products/draft/recommendations", token: admin).status == .ok, "an admin previews a draft's")
            // The only other product is a draft: the vase's list is empty, but it answers.
            let vase = try await api.call(.get, "/catalog/products/vase/recommendations?kind=similar")
            #expect(vase.status == .ok && Self.items(vase).isEmpty)

            // A storefront reports a view: signed in, by Guest-Token, or by its own session id.
            #expect(try await api.call(.post, "/activity/product-viewed", token: shopper, body: ["productId": "vase"]).status == .accepted)
            #expect(try await api.call(.post, "/activity/product-viewed", body: ["productId": "vase", "sessionId": "storefront-session-0001"]).status == .accepted)
            #expect(try await api.call(.post, "/activity/product-viewed", body: ["productId": "vase"], headers: [.init("Guest-Token")!: "a-guest-token"]).status == .accepted)
            #expect(try await api.call(.post, "/activity/product-viewed", body: ["productId": "vase"]).code == "viewer_unknown")
            #expect(try await api.call(.post, "/activity/product-viewed", body: ["productId": "vase", "sessionId": "short"]).code == "invalid_session")
            #expect(try await api.call(.post, "/activity/product-viewed", token: shopper, body: ["productId": "draft"]).status == .notFound)
            #expect(try await api.call(.post, "/activity/product-viewed", token: shopper, body: ["productId": "vase", "sku": "NOPE-1"]).code == "unknown_variant")
            #expect(try await api.call(.post, "/activity/product-viewed", token: shopper, body: ["productId": "no spaces"]).code == "validation.invalid_id")
            try await waitUntil {
                (try? await postgres.query("SELECT count(DISTINCT stream_name)::int FROM events WHERE event_type = 'ProductViewed'").decode(Int.self).collectAll().first) == 3
            }
            // The guest's token and the storefront's session id are stored only as hashes.
            let streams = try await postgres.query("SELECT DISTINCT stream_name FROM events WHERE event_type = 'ProductViewed'").decode(String.self).collectAll()
            #expect(!streams.contains { $0.contains("a-guest-token") || $0.contains("storefront-session") }, "\(streams)")

            // A search by a signed-in shopper is recorded with its text sealed.
            #expect(try await api.call(.get, "/catalog/products?q=vase", token: shopper).status == .ok)
            try await waitUntil {
                (try? await postgres.query("SELECT count(*)::int FROM events WHERE event_type = 'SearchPerformed'").decode(Int.self).collectAll().first) == 1
            }
            let search = try await postgres.query("SELECT data->>'query', (data->>'resultCount')::int FROM events WHERE event_type = 'SearchPerformed'")
                .decode((String, Int).self).collectAll()
            #expect(search.count == 1 && search[0].0 != "vase" && search[0].1 == 1, "the text is stored sealed: \(search)")
            let vault = PersonalDataVault(client: postgres, logger: TestEnvironment.logger)
            let stored = try await postgres.query("SELECT data::text FROM events WHERE event_type = 'SearchPerformed'").decode(String.self).collectAll()[0]
            #expect(try await vault.reveal(stored, object: [], fields: ["query"]).contains("\"vase\""), "it opens with the shopper's key")

            // Erasing the shopper: the text no longer opens, and the read model forgets their products and session.
            try await project(postgres)
            let shopperID = try await postgres.query("SELECT user_id FROM users WHERE email = 'own@example.com'").decode(String.self).collectAll()[0]
            #expect(try await postgres.query("SELECT count(*)::int FROM rec_customer_products WHERE customer_id = \(shopperID)").decode(Int.self).collectAll()[0] == 1)
            #expect(try await api.call(.post, "/admin/customers/\(shopperID)/erase", token: admin).status == .ok)
            let revealed = try await PersonalDataVault(client: postgres, logger: TestEnvironment.logger).reveal(stored, object: [], fields: ["query"])
            #expect(!revealed.contains("\"vase\"") && revealed.contains(PersonalDataVault.erased), "\(revealed)")
            #expect(try await postgres.query("SELECT count(*)::int FROM rec_customer_products WHERE customer_id = \(shopperID)").decode(Int.self).collectAll()[0] == 0)
            #expect(try await postgres.query("SELECT count(*)::int FROM rec_view_sessions WHERE viewer = \("activity-customer_" + shopperID)").decode(Int.self).collectAll()[0] == 0)

            // The server counts what it stored and dropped.
            let activity = try await api.call(.get, "/admin/activity", token: admin)
            #expect(activity.status == .ok && activity.integer("recorded") == 4 && activity.integer("dropped") == 0, "\(activity.body)")
            #expect(try await api.call(.get, "/admin/activity", token: shopper).status == .forbidden)
        }
    }
}
