import Aggregates
import API
import Application
import Foundation
import Hummingbird
import PostgresNIO
import Testing
import TestSupport

/// Reviews through HTTP: who may review, moderation, votes and reports, the product's rating
/// summary (and the catalog's rating filter and sort) checked against the test's own count.
@Suite("Reviews through HTTP")
struct ReviewAPITests {
    static func unique(_ name: String) -> String { "\(name)-\(UUID().uuidString.prefix(8).lowercased())@example.com" }

    static func items(_ answer: APIClient.Answer) -> [[String: any Sendable]] {
        (answer["items"] as? [any Sendable])?.compactMap { $0 as? [String: any Sendable] } ?? []
    }

    static func summary(_ answer: APIClient.Answer) -> [String: any Sendable] {
        answer["summary"] as? [String: any Sendable] ?? [:]
    }

    /// The average as shown: Foundation's decimal arithmetic, one place, half up; nil with no reviews.
    static func shownAverage(sum: Int64, count: Int64) -> Double? {
        guard count > 0 else { return nil }
        var average = Decimal(sum) / Decimal(count)
        var shown = Decimal()
        NSDecimalRound(&shown, &average, 1, .plain)
        return Double(NSDecimalNumber(decimal: shown).stringValue)
    }

    @Test("without a delivered order of the product a customer cannot review it (403); after delivery they can, once, also when sending twice at once")
    func eligibility() async throws {
        try await withAPI { api, postgres in
            let streams = Streams(postgres)
            let admin = try await api.admin(postgres)
            for (id, sku) in [("kettle", "KETTLE-1"), ("toaster", "TOAST-1"), ("iron", "IRON-1")] {
                try await api.product(admin: admin, id: id, sku: sku, price: 3000, stock: 5)
            }
            let (customer, userID) = try await api.register(Self.unique("buyer"))
            let review: [String: Any] = ["rating": 5, "title": "Boils fast", "body": "Quiet too."]
            let early = try await api.call(.post, "/catalog/products/kettle/reviews", token: customer, body: review)
            #expect(early.status == .forbidden && early.code == "review.purchase_required", "\(early.body)")
            #expect(try await api.call(.post, "/catalog/products/nothing/reviews", token: customer, body: review).status == .notFound)
            #expect(try await api.call(.post, "/catalog/products/kettle/reviews", body: review).status == .unauthorized)

            let cart = try await api.readyCart(token: customer, product: "kettle", sku: "KETTLE-1")
            #expect(try await api.call(.post, "/carts/\(cart)/lines", token: customer, body: ["productId": "toaster", "sku": "TOAST-1", "quantity": 1]).status == .ok)
            let order = try await withServices(lifecycleWorkers(postgres)) {
                let answer = try await api.call(.post, "/carts/\(cart)/checkout", token: customer, body: ["cardNumber": "4242424242424242"])
                #expect(answer.status == .created, "\(answer.body)")
                let order = answer.string("id")
                try await waitUntil { (try? await streams.order(order).status) == .paymentAuthorized }
                let payment = OrderPayments.paymentID(for: try OrderID(order)).rawValue
                #expect(try await api.call(.post, "/admin/payments/\(payment)/capture", token: admin, body: [:]).status == .ok)
                #expect(try await api.call(.post, "/admin/orders/\(order)/fulfil", token: admin).status == .ok)
                #expect(try await api.call(.post, "/admin/orders/\(order)/ship", token: admin, body: ["carrier": "DHL", "trackingNumber": "7"]).status == .ok)
                return order
            }
            try await project(postgres)
            let shipped = try await api.call(.post, "/catalog/products/kettle/reviews", token: customer, body: review)
            #expect(shipped.code == "review.purchase_required", "shipped is not delivered: \(shipped.body)")
            #expect(try await api.call(.post, "/admin/orders/\(order)/deliver", token: admin).status == .ok)
            try await project(postgres)

            let first = try await api.call(.post, "/catalog/products/kettle/reviews", token: customer, body: review)
            #expect(first.status == .created, "\(first.body)")
            let reviewID = first.string("id")
            let second = try await api.call(.post, "/catalog/products/kettle/reviews", token: customer, body: ["rating": 1])
            #expect(second.status == .conflict && second.code == "review.duplicate", "\(second.body)")
            let both = try await api.concurrently([
                .init(.post, "/catalog/products/toaster/reviews", token: customer, body: ["rating": 4]),
                .init(.post, "/catalog/products/toaster/reviews", token: customer, body: ["rating": 2]),
            ])
            #expect(both.map(\.status.code).sorted() == [201, 409], "\(both.map(\.body))")
            #expect(try await api.call(.post, "/catalog/products/iron/reviews", token: customer, body: review).code == "review.purchase_required")
            let stored = try await postgres.query("SELECT count(*)::int FROM events WHERE event_type = 'ReviewSubmitted'").decode(Int.self).collectAll()
            #expect(stored == [2])

            try await project(postgres)
            let listed = try await api.call(.get, "/catalog/products/kettle/reviews")
            #expect(Self.summary(listed)["count"] as? Int64 == 1 && number(Self.summary(listed)["average"]) == 5.0, "\(listed.body)")
            let item = try #require(Self.items(listed).first)
            #expect(flag(item["verified"]) == true && item["title"] as? String == "Boils fast" && item["customerId"] == nil)
            #expect(Self.items(try await api.call(.get, "/catalog/products/kettle/reviews?verified=false")).isEmpty)
            let product = try await api.call(.get, "/catalog/products/kettle")
            #expect((product["rating"] as? [String: any Sendable])?["count"] as? Int64 == 1)
            let own = try await api.call(.get, "/reviews/\(reviewID)", token: customer)
            #expect(own.string("customerId") == userID && own.string("status") == "approved", "\(own.body)")
            #expect(try await api.call(.get, "/reviews/\(reviewID)")["customerId"] == nil, "shoppers do not see who wrote it")
        }
    }

    @Test("the rating summary and the catalog's rating filter and sort equal a brute-force count over 1,000 random reviews, rejected, pending and deleted ones left out")
    func summariesMatchBruteForce() async throws {
        try await withAPI(reviewPolicy: ReviewPolicy(purchase: .none, autoApprove: true)) { api, postgres in
            var random = SplitMix64(seed: 18)
            let admin = try await api.admin(postgres)
            let products = (0..<10).map { "gadget-\($0)" }
            for (index, product) in products.enumerated() {
                try await api.product(admin: admin, id: product, sku: "GADGET-\(index)", price: 1000 + index, stock: 0)
            }
            // Signed-in customers by token alone: a hundred registrations would only load the mail server.
            let tokens = AccessTokens(secret: APIClient.secret, lifetime: 3600)
            let customers = (0..<100).map { tokens.issue(for: Principal(userID: "critic-\($0)", role: .customer)) }

            /// What the test expects of each review: its rating now and its status.
            struct Expected {
                var product: String
                var author: String
                var rating: Int
                var status: String
                var id = ""
            }
            var reviews: [Expected] = []
            var submissions: [APIClient.Call] = []
            for customer in customers {
                for product in products {
                    let rating = Int.random(in: 1...5, using: &random)
                    let flagged = Int.random(in: 0..<10, using: &random) == 0
                    reviews.append(Expected(product: product, author: customer, rating: rating, status: flagged ? "pending" : "approved"))
                    submissions.append(.init(.post, "/catalog/products/\(product)/reviews", token: customer, body: [
                        "rating": rating, "title": "Verdict", "body": flagged ? "more at www.elsewhere.example" : "Does what it says.",
                    ]))
                }
            }
            for start in stride(from: 0, to: submissions.count, by: 10) {
                let answers = try await api.concurrently(Array(submissions[start..<min(start + 10, submissions.count)]))
                for (offset, answer) in answers.enumerated() {
                    #expect(answer.status == .created, "\(answer.body)")
                    reviews[start + offset].id = answer.string("id")
                }
            }
            // Two rounds of random moderation and author changes, each review's in order.
            for _ in 0..<2 {
                var calls: [APIClient.Call] = []
                var effects: [(Int, String, Int?)] = []
                for index in reviews.indices where reviews[index].status != "deleted" {
                    let review = reviews[index]
                    switch Int.random(in: 0..<20, using: &random) {
                    case 0, 1:
                        calls.append(.init(.delete, "/reviews/\(review.id)", token: review.author))
                        effects.append((index, "deleted", nil))
                    case 2:
                        calls.append(.init(.delete, "/reviews/\(review.id)", token: admin))
                        effects.append((index, "deleted", nil))
                    case 3, 4:
                        calls.append(.init(.post, "/admin/reviews/\(review.id)/reject", token: admin, body: ["reason": "Not about the product"]))
                        effects.append((index, "rejected", nil))
                    case 5, 6:
                        let rating = Int.random(in: 1...5, using: &random)
                        calls.append(.init(.patch, "/reviews/\(review.id)", token: review.author, body: ["rating": rating, "body": "Changed my mind."]))
                        effects.append((index, "approved", rating))
                    case 7:
                        calls.append(.init(.post, "/admin/reviews/\(review.id)/approve", token: admin))
                        effects.append((index, "approved", nil))
                    default:
                        continue
                    }
                }
                for start in stride(from: 0, to: calls.count, by: 10) {
                    let answers = try await api.concurrently(Array(calls[start..<min(start + 10, calls.count)]))
                    for (offset, answer) in answers.enumerated() {
                        #expect(answer.status == .ok, "\(calls[start + offset].path): \(answer.body)")
                        let (index, status, rating) = effects[start + offset]
                        reviews[index].status = status
                        if let rating { reviews[index].rating = rating }
                    }
                }
            }
            try await project(postgres)

            var expectedSums: [String: (sum: Int64, count: Int64)] = [:]
            for product in products {
                let approved = reviews.filter { $0.product == product && $0.status == "approved" }
                var distribution: [String: Int64] = [:]
                for star in 1...5 { distribution[String(star)] = Int64(approved.filter { $0.rating == star }.count) }
                let sum = Int64(approved.reduce(0) { $0 + $1.rating })
                let count = Int64(approved.count)
                expectedSums[product] = (sum, count)
                let answer = try await api.call(.get, "/catalog/products/\(product)/reviews?limit=100")
                let summary = Self.summary(answer)
                #expect(summary["count"] as? Int64 == count && summary["ratingSum"] as? Int64 == sum, "\(product): \(summary)")
                #expect(number(summary["average"]) == Self.shownAverage(sum: sum, count: count), "\(product): \(summary)")
                #expect((summary["distribution"] as? [String: any Sendable])?.mapValues { $0 as? Int64 ?? -1 } == distribution, "\(product)")
                #expect(Self.items(answer).count == Int(count), "every approved review is listed, and only those")
                let catalogRating = try await api.call(.get, "/catalog/products/\(product)")["rating"] as? [String: any Sendable]
                #expect(catalogRating?["ratingSum"] as? Int64 == sum && catalogRating?["count"] as? Int64 == count)
            }
            let queue = try await api.call(.get, "/admin/reviews?status=pending&limit=100", token: admin)
            #expect(Self.items(queue).count == min(100, reviews.filter { $0.status == "pending" }.count))

            // The catalog sorted by rating: by exact average, best first, unrated last.
            let byRating = Self.items(try await api.call(.get, "/catalog/products?sort=rating&limit=100")).map { $0["productId"] as? String ?? "" }
            let ordered = products.sorted { a, b in
                let (x, y) = (expectedSums[a]!, expectedSums[b]!)
                if x.count == 0 || y.count == 0 { return x.count != 0 || (y.count == 0 && a > b) }
                let (left, right) = (x.sum * y.count, y.sum * x.count)
                return left != right ? left > right : a > b
            }
            #expect(byRating == ordered)
            let atLeastThree = Self.items(try await api.call(.get, "/catalog/products?minRating=3.0&limit=100")).map { $0["productId"] as? String ?? "" }.sorted()
            #expect(atLeastThree == products.filter { (Self.shownAverage(sum: expectedSums[$0]!.sum, count: expectedSums[$0]!.count) ?? 0) >= 3.0 }.sorted())
        }
    }

    @Test("votes, reports, moderation, edits, filters and sorts; bad input gets precise problems")
    func lifeOfAReview() async throws {
        try await withAPI(reviewPolicy: ReviewPolicy(purchase: .none, autoApprove: true)) { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "lamp", sku: "LAMP-1", price: 5000, stock: 0)
            var tokens: [String] = []
            for name in ["ann", "ben", "cat", "dan", "eve", "fay"] { tokens.append(try await api.register(Self.unique(name)).token) }
            let (ann, ben, cat, dan, eve, fay) = (tokens[0], tokens[1], tokens[2], tokens[3], tokens[4], tokens[5])
            var ids: [String: String] = [:]
            for (token, name, body) in [(ann, "ann", ["rating": 5, "title": "Bright", "body": "Lights the whole room."]), (ben, "ben", ["rating": 3]),
                                        (cat, "cat", ["rating": 1, "body": "Broke in a week."]), (dan, "dan", ["rating": 4, "body": "Nice shade."])] as [(String, String, [String: Any])] {
                let answer = try await api.call(.post, "/catalog/products/lamp/reviews", token: token, body: body)
                #expect(answer.status == .created, "\(answer.body)")
                ids[name] = answer.string("id")
            }
            for (token, review, helpful) in [(ben, "ann", true), (cat, "ann", true), (dan, "ann", true), (cat, "dan", true), (ann, "dan", false), (eve, "dan", true)] {
                #expect(try await api.call(.post, "/reviews/\(ids[review]!)/votes", token: token, body: ["helpful": helpful]).status == .ok)
            }
            let own = try await api.call(.post, "/reviews/\(ids["ann"]!)/votes", token: ann, body: ["helpful": true])
            #expect(own.status == .forbidden && own.code == "review.own_review")
            try await project(postgres)
            func order(_ query: String) async throws -> [String] {
                Self.items(try await api.call(.get, "/catalog/products/lamp/reviews\(query)")).map { item in ids.first { $0.value == item["reviewId"] as? String }!.key }
            }
            #expect(try await order("?sort=helpful") == ["ann", "dan", "cat", "ben"])
            #expect(try await order("?sort=rating") == ["ann", "dan", "ben", "cat"])
            #expect(try await order("?sort=-rating") == ["cat", "ben", "dan", "ann"])
            #expect(try await order("?rating=1,5&sort=rating") == ["ann", "cat"])
            #expect(try await order("?withText=false") == ["ben"])
            #expect(try await order("?verified=true").isEmpty, "no purchase asked for: none is verified")
            let page = try await api.call(.get, "/catalog/products/lamp/reviews?sort=rating&limit=3")
            #expect(Self.items(page).count == 3)
            #expect(try await order("?sort=rating&limit=3&cursor=\(page.string("nextCursor"))") == ["cat"])
            let dan0 = Self.items(try await api.call(.get, "/catalog/products/lamp/reviews?sort=helpful")).first { $0["reviewId"] as? String == ids["dan"] }
            #expect(dan0?["helpful"] as? Int64 == 2 && dan0?["notHelpful"] as? Int64 == 1)

            // Three reports take Cat's review back to moderation; an admin puts it back.
            for token in [ann, ben, dan] {
                #expect(try await api.call(.post, "/reviews/\(ids["cat"]!)/reports", token: token, body: ["reason": "Rude"]).status == .ok)
            }
            try await project(postgres)
            #expect(!(try await order("")).contains("cat"))
            #expect(Self.summary(try await api.call(.get, "/catalog/products/lamp/reviews"))["count"] as? Int64 == 3)
            let queue = Self.items(try await api.call(.get, "/admin/reviews", token: admin))
            #expect(queue.map { $0["reviewId"] as? String } == [ids["cat"]] && queue.first?["reports"] as? Int64 == 3)
            #expect(try await api.call(.get, "/admin/reviews", token: ann).status == .forbidden)
            #expect(try await api.call(.post, "/admin/reviews/\(ids["cat"]!)/approve", token: admin).status == .ok)

            // The author edits (judged again); others may not.
            let notYours = try await api.call(.patch, "/reviews/\(ids["ann"]!)", token: ben, body: ["rating": 1])
            #expect(notYours.status == .forbidden && notYours.code == "review.not_author")
            #expect(try await api.call(.patch, "/reviews/\(ids["ann"]!)", token: ann, body: ["rating": 4]).status == .ok)
            let shouted = try await api.call(.patch, "/reviews/\(ids["ben"]!)", token: ben, body: ["body": "WORST LAMP I HAVE EVER OWNED, TRULY"])
            #expect(shouted.status == .ok)
            // Rejected with a reason its author sees; others no longer find it.
            #expect(try await api.call(.post, "/admin/reviews/\(ids["dan"]!)/reject", token: admin, body: ["reason": "Mentions a competitor"]).status == .ok)
            try await project(postgres)
            let rejected = try await api.call(.get, "/reviews/\(ids["dan"]!)", token: dan)
            #expect(rejected.string("status") == "rejected" && rejected.string("rejectionReason") == "Mentions a competitor")
            #expect(try await api.call(.get, "/reviews/\(ids["dan"]!)", token: fay).status == .notFound)
            let flagged = try await api.call(.get, "/reviews/\(ids["ben"]!)", token: ben)
            #expect(flagged.string("status") == "pending" && (flagged["flags"] as? [any Sendable])?.first as? String == "shouting", "\(flagged.body)")
            let summary = Self.summary(try await api.call(.get, "/catalog/products/lamp/reviews"))
            #expect(summary["count"] as? Int64 == 2 && summary["ratingSum"] as? Int64 == 5, "Ann's 4 and Cat's 1: \(summary)")

            // Deleted by its author: gone, and a second delete finds nothing.
            #expect(try await api.call(.delete, "/reviews/\(ids["cat"]!)", token: dan).code == "review.not_author")
            #expect(try await api.call(.delete, "/reviews/\(ids["cat"]!)", token: cat).status == .ok)
            #expect(try await api.call(.delete, "/reviews/\(ids["cat"]!)", token: cat).status == .notFound)
            #expect(try await api.call(.post, "/reviews/\(ids["cat"]!)/votes", token: fay, body: ["helpful": true]).status == .notFound)

            // Bad input.
            let cases: [(HTTPRequest.Method, String, String?, Int, String)] = [
                (.post, "/catalog/products/lamp/reviews", #"{"rating": 6}"#, 422, "validation.invalid_value"),
                (.post, "/catalog/products/lamp/reviews", #"{"rating": 3, "title": "\#(String(repeating: "x", count: 121))"}"#, 422, "validation.invalid_value"),
                (.post, "/catalog/products/lamp/reviews", #"{"rating": "five"}"#, 400, "wrong_type"),
                (.post, "/catalog/products/lamp/reviews", "{", 400, "malformed_json"),
                (.post, "/reviews/\(ids["ann"]!)/reports", #"{"reason": " "}"#, 422, "validation.invalid_value"),
                (.get, "/catalog/products/lamp/reviews?sort=best", nil, 400, "invalid_parameter"),
                (.get, "/catalog/products/lamp/reviews?rating=0", nil, 400, "invalid_parameter"),
                (.get, "/catalog/products/lamp/reviews?withText=yes", nil, 400, "invalid_parameter"),
                (.get, "/catalog/products/lamp/reviews?cursor=-4", nil, 422, "invalid_cursor"),
                (.get, "/catalog/products?minRating=4.55", nil, 400, "invalid_parameter"),
                (.get, "/admin/reviews?status=gone", nil, 400, "invalid_parameter"),
                (.get, "/reviews/no%20such", nil, 404, "not_found"),
            ]
            for (method, path, json, status, code) in cases {
                let token = path.hasPrefix("/admin") ? admin : eve
                let answer = try await api.call(method, path, token: token, json: json)
                #expect(Int(answer.status.code) == status && answer.code == code, "\(method) \(path) \(json ?? ""): \(answer.status) \(answer.body)")
                #expect(answer.headers[.contentType] == "application/problem+json")
            }
        }
    }
}
