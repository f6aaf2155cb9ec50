import API
import Foundation
import HTTPTypes
import Hummingbird
import PostgresNIO
import Testing
import TestSupport

@Suite("Search analytics over HTTP: texts counted by digest, shown only once enough searchers typed them; zero results; popular filters")
struct SearchAnalyticsAPITests {
    typealias JSON = [String: any Sendable]

    @Test("the report counts every search, shows texts three searchers typed, never one a single searcher typed")
    func report() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "linen-shirt", sku: "LINEN-M", price: 3000, stock: 5)
            try await project(postgres)
            // Three guests search one text, typed three ways (two find the shirt: "Product linen-shirt");
            // two of them and a third look for something the shop lacks; one types their own name.
            var searches: [(guest: String, query: String)] = []
            for guest in ["guest-a", "guest-b", "guest-c"] {
                searches.append((guest, ["PRODUCT  linen", "product linen", " Product Linen "][searches.count]))
            }
            searches += [("guest-a", "unicorn"), ("guest-b", "unicorn"), ("guest-c", "Unicorn"), ("guest-a", "unicorn"), ("guest-d", "Ada Lovelace")]
            for search in searches {
                let query = search.query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let answer = try await api.call(.get, "/catalog/products?q=\(query)", headers: [HTTPField.Name("Guest-Token")!: search.guest])
                #expect(answer.status == .ok)
            }
            // Filters only: a search too, with no text.
            #expect(try await api.call(.get, "/catalog/products?attribute=size:M&inStock=true", headers: [HTTPField.Name("Guest-Token")!: "guest-e"]).status == .ok)
            // A later page is the same search, not another; a caller without a session is not recorded.
            #expect(try await api.call(.get, "/catalog/products?q=unicorn").status == .ok)
            let total = searches.count + 1
            try await waitUntil {
                (try? await postgres.query("SELECT count(*)::int FROM events WHERE event_type = 'SearchPerformed'").decode(Int.self).collectAll().first) == total
            }
            try await project(postgres)

            let today = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
            let report = try await api.call(.get, "/admin/analytics/search?from=\(today)&to=\(today)", token: admin)
            #expect(report.status == .ok, "\(report.body)")
            let totals = try #require(report["totals"] as? JSON)
            #expect(totals["searches"] as? Int64 == Int64(total) && totals["withText"] as? Int64 == Int64(searches.count))
            #expect(totals["zeroResults"] as? Int64 == 5, "four unicorns and the name")
            let top = try #require(report["topQueries"] as? [JSON])
            #expect(top.map { "\($0["query"]!) \($0["searches"]!) \($0["searchers"]!)" } == ["unicorn 4 3", "product linen 3 3"])
            let zero = try #require(report["zeroResultQueries"] as? [JSON])
            #expect(zero.map { $0["query"] as? String } == ["unicorn"])
            #expect(!report.text.lowercased().contains("lovelace"), "one searcher's text is never shown")
            #expect(report["withheldQueries"] as? Int64 == 1)
            let filters = try #require(report["popularFilters"] as? [JSON])
            #expect(Set(filters.map { "\($0["filter"]!) \($0["searches"]!)" }) == ["size:M 1", "inStock 1"])

            // No digest and no text leave the database in the clear: the stored events carry the digest and a sealed text.
            let stored = try await postgres.query("SELECT data->>'query', data->>'queryDigest' FROM events WHERE event_type = 'SearchPerformed' AND data->>'queryDigest' IS NOT NULL")
                .decode((String, String).self).collectAll()
            #expect(stored.count == searches.count && stored.allSatisfy { $0.0.hasPrefix("enc:v1:") && $0.1.count == 32 })
            #expect(Set(stored.map(\.1)).count == 3, "one digest per text however it was typed")

            #expect(try await api.call(.get, "/admin/analytics/search?tz=Europe/Berlin", token: admin).status == .badRequest)
            #expect(try await api.call(.get, "/admin/analytics/search").status == .unauthorized)
        }
    }
}
