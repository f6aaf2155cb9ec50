import API
import Foundation
import Hummingbird
import Testing
import TestSupport

@Suite("Catalog search over HTTP: filters, facets, corrections, suggestions and their errors")
struct CatalogSearchAPITests {
    @Test("repeated filters are alternatives, facets come in the order asked, misspellings are corrected, and the box suggests")
    func searchOverHTTP() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "kettle", sku: "KETTLE-M", price: 3000, stock: 5)
            try await api.product(admin: admin, id: "lantern", sku: "LANTERN-M", price: 1500, stock: 0)
            try await project(postgres)

            let all = try await api.call(.get, "/catalog/products?facets=size,price,inStock,category&minPosition=1")
            #expect(all.status == .ok, "\(all.body)")
            let facets = try #require(all["facets"] as? [[String: any Sendable]])
            #expect(facets.map { $0["name"] as? String } == ["size", "price", "inStock", "category"])
            let size = facets[0]["values"] as? [[String: any Sendable]]
            #expect(size?.first?["value"] as? String == "M" && size?.first?["count"] as? Int64 == 2)
            let price = (facets[1]["values"] as? [[String: any Sendable]])?.map { $0["value"] as? String }
            #expect(price == ["1000-2500", "2500-5000"], "15 € and 30 € in their ranges (minor units)")
            #expect((facets[2]["values"] as? [[String: any Sendable]])?.first?["count"] as? Int64 == 1, "only the kettle is in stock")

            func ids(_ query: String) async throws -> [String] {
                let answer = try await api.call(.get, "/catalog/products?\(query)")
                #expect(answer.status == .ok, "\(query): \(answer.body)")
                return ((answer["items"] as? [[String: any Sendable]]) ?? []).compactMap { $0["productId"] as? String }.sorted()
            }
            #expect(try await ids("price=0-2000&price=2900-3100") == ["kettle", "lantern"])
            #expect(try await ids("price=2000-") == ["kettle"])
            #expect(try await ids("inStock=true") == ["kettle"])
            #expect(try await ids("attribute=size:M&attribute=size:L") == ["kettle", "lantern"])
            #expect(try await ids("attribute=size:XL") == [])
            #expect(try await ids("category=Test&category=Nothing") == ["kettle", "lantern"])

            let corrected = try await api.call(.get, "/catalog/products?q=prodcut%20kettel&minPosition=1")
            #expect(((corrected["items"] as? [[String: any Sendable]]) ?? []).map { $0["productId"] as? String } == ["kettle"])
            #expect(corrected["corrections"] as? [String: any Sendable] != nil)

            let suggested = try await api.call(.get, "/catalog/suggest?q=lan")
            #expect(suggested.status == .ok)
            #expect(((suggested["products"] as? [[String: any Sendable]]) ?? []).map { $0["productId"] as? String } == ["lantern"])
            #expect(try await api.call(.get, "/catalog/suggest?q=%20").status == .ok, "only a space: nothing to suggest, no error")

            let before = try await postgres.query("SELECT count(*)::int FROM events").decode(Int.self).collectAll()[0]
            let refused: [(String, String)] = [
                ("/catalog/products?price=abc", "price"),
                ("/catalog/products?price=-", "price"),
                ("/catalog/products?price=1234567890123456-", "price"),
                ("/catalog/products?attribute=size", "attribute"),
                ("/catalog/products?attribute=:M", "attribute"),
                ("/catalog/products?inStock=yes", "inStock"),
                ("/catalog/products?facets=a,,b", "facets"),
                ("/catalog/products?facets=" + (1...11).map { "f\($0)" }.joined(separator: ","), "facets"),
                ("/catalog/products?" + (1...21).map { "category=c\($0)" }.joined(separator: "&"), "category"),
                ("/catalog/products?sort=best", "sort"),
                ("/catalog/suggest", "q"),
                ("/catalog/suggest?q=", "q"),
                ("/catalog/suggest?q=" + String(repeating: "a", count: 101), "q"),
            ]
            for (path, field) in refused {
                let answer = try await api.call(.get, path)
                #expect(answer.status == .badRequest, "\(path): \(answer.status)")
                #expect(answer.code == "invalid_parameter", "\(path)")
                #expect(answer.string("field") == field, "\(path)")
                #expect(answer.headers[.contentType] == "application/problem+json")
            }
            #expect(try await postgres.query("SELECT count(*)::int FROM events").decode(Int.self).collectAll()[0] == before)
        }
    }
}
