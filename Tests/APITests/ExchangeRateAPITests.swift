import API
import Foundation
import HTTPTypes
import Hummingbird
import Testing
import TestSupport

@Suite("Exchange rates over HTTP: derived prices in the catalog and in carts, set prices first, files all or nothing")
struct ExchangeRateAPITests {
    typealias JSON = [String: any Sendable]

    /// The USD price of `euroCents` at `rate` per euro, rounded half up to the cent, by
    /// Foundation's decimal arithmetic rather than the code under test.
    static func dollars(_ euroCents: Int64, at rate: String) -> Int64 {
        var exact = Decimal(euroCents) * Decimal(string: rate)!
        var rounded = Decimal()
        NSDecimalRound(&rounded, &exact, 0, .plain)
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    func variant(_ api: APIClient, _ product: String, currency: String) async throws -> JSON? {
        let answer = try await api.call(.get, "/catalog/products/\(product)?currency=\(currency)")
        return (answer["variants"] as? [JSON])?.first
    }

    @Test("a currency without set prices sells at the derived ones, marked; carts keep the price they got when the rate changes; without the rate it is not sold")
    func derivedPrices() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            let (shopper, _) = try await api.register("rates-\(UUID().uuidString.prefix(6))@example.com")
            try await api.product(admin: admin, id: "lamp", sku: "LAMP-M", price: 2499, stock: 10)
            try await api.product(admin: admin, id: "vase", sku: "VASE-M", price: 1000, stock: 10)
            #expect(try await api.call(.put, "/admin/products/vase/prices", token: admin, body: ["sku": "VASE-M", "amount": 1234, "currency": "USD"]).status == .ok)
            let set = try await api.call(.put, "/admin/exchange-rates/USD", token: admin, body: ["base": "EUR", "rate": "1.0825"])
            #expect(set.status == .ok, "\(set.body)")
            try await project(postgres)

            let derived = try #require(try await variant(api, "lamp", currency: "USD"))
            #expect((derived["price"] as? JSON)?["amount"] as? Int64 == Self.dollars(2499, at: "1.0825"), "24.99 € × 1.0825 = 27.051675 $")
            #expect(flag(derived["priceDerived"]) == true)
            let set2 = try #require(try await variant(api, "vase", currency: "USD"))
            #expect((set2["price"] as? JSON)?["amount"] as? Int64 == 1234 && flag(set2["priceDerived"]) == false, "a set price wins")
            #expect(flag(try await variant(api, "lamp", currency: "EUR")?["priceDerived"]) == false)
            let inRange = try await api.call(.get, "/catalog/products?currency=USD&price=2700-2800")
            #expect(((inRange["items"] as? [JSON]) ?? []).map { $0["productId"] as? String } == ["lamp"], "filters see derived prices")

            // A stock change rewrites the variant's row but keeps its derived prices (not derived
            // again); a price set on it derives them anew.
            #expect(try await api.call(.post, "/admin/inventory/LAMP-M/receive", token: admin, body: ["quantity": 5]).status == .ok)
            try await project(postgres)
            #expect(try await postgres.query("SELECT on_hand FROM catalog_variants WHERE sku = 'LAMP-M'", logger: TestEnvironment.logger).decode(Int.self).collectAll() == [15])
            let restocked = try #require(try await variant(api, "lamp", currency: "USD"))
            #expect((restocked["price"] as? JSON)?["amount"] as? Int64 == Self.dollars(2499, at: "1.0825") && flag(restocked["priceDerived"]) == true)
            #expect(try await api.call(.put, "/admin/products/lamp/prices", token: admin, body: ["sku": "LAMP-M", "amount": 2599, "currency": "EUR"]).status == .ok)
            try await project(postgres)
            #expect((try await variant(api, "lamp", currency: "USD")?["price"] as? JSON)?["amount"] as? Int64 == Self.dollars(2599, at: "1.0825"))
            #expect(try await api.call(.put, "/admin/products/lamp/prices", token: admin, body: ["sku": "LAMP-M", "amount": 2499, "currency": "EUR"]).status == .ok)
            try await project(postgres)

            // A USD cart gets the derived price — the same the catalog shows — and keeps it.
            let cart = try await api.call(.post, "/carts", token: shopper, body: ["currency": "USD"]).string("id")
            let added = try await api.call(.post, "/carts/\(cart)/lines", token: shopper, body: ["productId": "lamp", "sku": "LAMP-M", "quantity": 2])
            #expect(added.status == .ok, "\(added.body)")
            let line = { () async throws -> Int64? in
                let lines = try await api.call(.get, "/carts/\(cart)", token: shopper)["lines"] as? [JSON]
                return (lines?.first?["unitPrice"] as? JSON)?["amount"] as? Int64
            }
            #expect(try await line() == Self.dollars(2499, at: "1.0825"))

            #expect(try await api.call(.put, "/admin/exchange-rates/USD", token: admin, body: ["base": "EUR", "rate": "1.2", "roundingIncrement": 100]).status == .ok)
            try await project(postgres)
            #expect((try await variant(api, "lamp", currency: "USD")?["price"] as? JSON)?["amount"] as? Int64 == 3000, "29.988 $ to the whole dollar")
            #expect(try await line() == Self.dollars(2499, at: "1.0825"), "the cart keeps the price it was given")
            let table = try await api.call(.get, "/admin/exchange-rates", token: admin)
            #expect((table["rates"] as? [JSON])?.map { [$0["currency"] as? String, $0["base"] as? String, $0["rate"] as? String] } == [["USD", "EUR", "1.2"]])

            #expect(try await api.call(.delete, "/admin/exchange-rates/USD", token: admin).status == .ok)
            try await project(postgres)
            #expect((try await variant(api, "lamp", currency: "USD"))?["price"] == nil)
            let refused = try await api.call(.post, "/carts/\(cart)/lines", token: shopper, body: ["productId": "lamp", "sku": "LAMP-M", "quantity": 1])
            #expect(refused.status == .unprocessableContent && refused.code == "not_sold_in_currency", "\(refused.body)")
            #expect(try await api.call(.post, "/carts/\(cart)/lines", token: shopper, body: ["productId": "vase", "sku": "VASE-M", "quantity": 1]).status == .ok)
        }
    }

    @Test("bad rates and files are refused with their codes and write nothing; a good file sets every rate at once")
    func refusalsAndFiles() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            let events = { try await postgres.query("SELECT count(*)::int FROM events").decode(Int.self).collectAll()[0] }
            let before = try await events()
            let bad: [(String, [String: Any], HTTPResponse.Status, String)] = [
                ("USD", ["base": "EUR", "rate": "1.2345678"], .unprocessableContent, "validation.invalid_value"),
                ("USD", ["base": "EUR", "rate": "0"], .unprocessableContent, "validation.invalid_value"),
                ("USD", ["base": "USD", "rate": "1"], .unprocessableContent, "validation.invalid_value"),
                ("USD", ["base": "XYZ", "rate": "1"], .unprocessableContent, "money.unknown_currency"),
                ("XYZ", ["base": "EUR", "rate": "1"], .unprocessableContent, "money.unknown_currency"),
                ("USD", ["base": "EUR", "rate": "1", "roundingIncrement": 0], .unprocessableContent, "validation.invalid_value"),
            ]
            for (currency, body, status, code) in bad {
                let answer = try await api.call(.put, "/admin/exchange-rates/\(currency)", token: admin, body: body)
                #expect(answer.status == status && answer.code == code, "\(currency) \(body): \(answer.status) \(answer.body)")
            }
            #expect(try await api.call(.delete, "/admin/exchange-rates/GBP", token: admin).status == .notFound)
            let file = { (text: String) in try await api.call(.post, "/admin/exchange-rates", token: admin, json: text, headers: [.contentType: "text/csv"]) }
            let badFile = try await file("currency,base,rate,rounding_increment\nUSD,EUR,1.08,\nGBP,EUR,abc,\nUSD,EUR,1.1,\nJPY,EUR,162.5,x\n")
            #expect(badFile.status == .unprocessableContent && badFile.code == "invalid_rates_file", "\(badFile.body)")
            #expect((badFile["problems"] as? [JSON])?.compactMap { $0["line"] as? Int64 } == [3, 4, 5], "the bad rate, the second USD, the bad increment")
            #expect(try await file("currency,rate\nUSD,1\n").code == "invalid_rates_file", "no base column")
            #expect(try await events() == before, "nothing refused was written")

            let good = try await file("currency,base,rate,rounding_increment\nUSD,EUR,1.08,\nJPY,EUR,162.5,10\nCHF,EUR,0.94,5\n")
            #expect(good.status == .ok, "\(good.body)")
            #expect(try await events() == before + 3)
            let table = try await api.call(.get, "/admin/exchange-rates", token: admin)
            #expect((table["rates"] as? [JSON])?.map { "\($0["currency"]!) \($0["rate"]!) \($0["roundingIncrement"]!)" } == ["CHF 0.94 5", "JPY 162.5 10", "USD 1.08 1"])
            #expect(try await file("currency,base,rate,rounding_increment\nUSD,EUR,1.08,\n").integer("version") == 3, "the same again: nothing written")
        }
    }
}
