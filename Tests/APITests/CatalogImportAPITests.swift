import API
import Foundation
import Hummingbird
import HTTPTypes
import PostgresNIO
import Testing
import TestSupport

@Suite("Catalog files over HTTP: import all or nothing, idempotent re-imports, export, product editing")
struct CatalogImportAPITests {
    static let header = "product_id,name,description,category,brand,status,sku,price:EUR,price:USD,attribute:size"
    static let sizes = ["S", "M", "L", "XL"]

    /// `products` products of four variants each: one row per variant.
    static func rows(products: Int) -> [String] {
        (0..<products).flatMap { product in
            sizes.enumerated().map { variant, size in
                let brand = product % 3 == 0 ? "" : "Brand\(product % 3)"
                let category = product % 2 == 0 ? "Home/Kitchen" : "Apparel/Shirts"
                return "imp-\(product),Imported \(product),\"Line \(product), with a comma\",\(category),\(brand),published,IMP-\(product)-\(size),\(10 + product % 50).\(variant)0,\(11 + product % 50).99,\(size)"
            }
        }
    }

    static func file(_ rows: [String]) -> String { ([header] + rows).joined(separator: "\n") + "\n" }

    func upload(_ api: APIClient, _ admin: String, _ csv: String, query: String = "") async throws -> APIClient.Answer {
        try await api.call(.post, "/admin/products/import\(query)", token: admin, json: csv, headers: [.contentType: "text/csv"])
    }

    func productEvents(_ postgres: PostgresClient) async throws -> Int {
        try await postgres.query("SELECT count(*)::int FROM events WHERE stream_category = 'product'").decode(Int.self).collectAll()[0]
    }

    @Test("1,000 rows with 3 bad ones write nothing and name the 3 lines; corrected, they import once; again, nothing; the export imports as unchanged")
    func importsAllOrNothing() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            var rows = Self.rows(products: 250)
            #expect(rows.count == 1000)
            let good = rows
            // Row k is on line k + 2 (the header is line 1; no field spans lines).
            rows[9] = rows[9].replacingOccurrences(of: ".99,", with: ".999,")
            let (product, size) = (498 / Self.sizes.count, Self.sizes[498 % Self.sizes.count])
            rows[498] = rows[498].replacingOccurrences(of: "IMP-\(product)-\(size)", with: "IMP \(product) \(size)")
            rows[899] = rows[899].replacingOccurrences(of: ",published,", with: ",live,")
            let refused = try await upload(api, admin, Self.file(rows))
            #expect(refused.status == .unprocessableContent)
            #expect(refused.code == "invalid_catalog_file")
            #expect(refused.headers[.contentType] == "application/problem+json")
            let problems = try #require(refused["problems"] as? [[String: any Sendable]])
            #expect(problems.map { $0["line"] as? Int64 } == [11, 500, 901], "\(problems)")
            #expect(problems.map { $0["column"] as? String } == ["price:USD", "sku", "status"])
            #expect(try await productEvents(postgres) == 0, "nothing written")

            // Each product: created, four variants with two prices each, published.
            let eventsPerProduct = 1 + Self.sizes.count * 3 + 1
            let imported = try await upload(api, admin, Self.file(good))
            #expect(imported.status == .ok, "\(imported.body)")
            #expect(imported.integer("rows") == 1000 && imported.integer("products") == 250)
            #expect(imported.integer("created") == 250 && imported.integer("changed") == 0 && imported.integer("unchanged") == 0)
            #expect(imported.integer("events") == Int64(250 * eventsPerProduct))
            #expect(try await productEvents(postgres) == 250 * eventsPerProduct)

            let again = try await upload(api, admin, Self.file(good))
            #expect(again.integer("unchanged") == 250 && again.integer("events") == 0 && again["position"] == nil)
            #expect(try await productEvents(postgres) == 250 * eventsPerProduct, "a re-upload writes nothing")

            try await project(postgres)
            let shown = try await api.call(.get, "/catalog/products/imp-4?currency=USD")
            #expect(shown.string("name") == "Imported 4" && shown.string("brand") == "Brand1" && shown.string("description") == "Line 4, with a comma")
            #expect(shown["categoryPath"] as? [any Sendable] as? [String] == ["Home", "Kitchen"])
            let variants = try #require(shown["variants"] as? [[String: any Sendable]])
            #expect(variants.compactMap { ($0["attributes"] as? [String: any Sendable])?["size"] as? String }.sorted() == Self.sizes.sorted())
            #expect(variants.compactMap { ($0["price"] as? [String: any Sendable])?["amount"] as? Int64 } == [1599, 1599, 1599, 1599])
            let branded = try await api.call(.get, "/catalog/products?brand=Brand1&limit=100&facets=brand")
            #expect((branded["items"] as? [any Sendable])?.count == (0..<250).filter { $0 % 3 == 1 }.count)

            // The export holds every row; imported again it changes nothing.
            let export = try await api.call(.get, "/admin/products/export?format=csv", token: admin)
            #expect(export.status == .ok && export.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(export.text.split(separator: "\r\n").count == 1001)
            #expect(export.text.hasPrefix("product_id,name,description,category,brand,status,sku,price:EUR,price:USD,attribute:size\r\n"))
            let reimported = try await upload(api, admin, export.text)
            #expect(reimported.status == .ok && reimported.integer("unchanged") == 250 && reimported.integer("events") == 0, "\(reimported.body)")

            // A changed name and a changed price: two events, one product changed.
            var edited = good
            for row in 0..<Self.sizes.count { edited[row] = edited[row].replacingOccurrences(of: "Imported 0,", with: "Imported zero,") }
            edited[0] = edited[0].replacingOccurrences(of: ",11.99,", with: ",12.49,")
            let dry = try await upload(api, admin, Self.file(edited), query: "?dryRun=true")
            #expect(dry.integer("changed") == 1 && dry.integer("events") == 2 && flag(dry["dryRun"]) == true)
            #expect(try await productEvents(postgres) == 250 * eventsPerProduct, "a dry run writes nothing")
            let changed = try await upload(api, admin, Self.file(edited))
            #expect(changed.integer("changed") == 1 && changed.integer("unchanged") == 249 && changed.integer("events") == 2)
            #expect(try await productEvents(postgres) == 250 * eventsPerProduct + 2)
        }
    }

    @Test("a path that names a category of the tree puts the product in it; the export writes the path as it stands after a rename, and imports as unchanged")
    func categoriesOfTheTree() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            #expect(try await api.call(.post, "/admin/categories", token: admin, body: ["categoryId": "home", "name": "Home"]).status == .created)
            #expect(try await api.call(.post, "/admin/categories", token: admin, body: ["categoryId": "kitchen", "name": "Kitchen", "parentId": "home"]).status == .created)
            // Even products in Home/Kitchen (the tree's), odd ones in Apparel/Shirts (a free path).
            let imported = try await upload(api, admin, Self.file(Self.rows(products: 4)))
            #expect(imported.status == .ok, "\(imported.body)")
            try await project(postgres)
            #expect(try await api.call(.get, "/catalog/products/imp-0").string("categoryId") == "kitchen")
            #expect(try await api.call(.get, "/catalog/products/imp-1")["categoryId"] == nil)
            #expect(try await upload(api, admin, Self.file(Self.rows(products: 4))).integer("events") == 0)

            #expect(try await api.call(.put, "/admin/categories/home", token: admin, body: ["name": "Living", "slug": "living"]).status == .ok)
            let export = try await api.call(.get, "/admin/products/export", token: admin)
            let categories = Set(export.text.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",")[4] })
            #expect(categories == ["Living/Kitchen", "Apparel/Shirts"], "the tree's path as it stands")
            let reimported = try await upload(api, admin, export.text)
            #expect(reimported.integer("unchanged") == 4 && reimported.integer("events") == 0, "\(reimported.body)")
            // The file's old path (the one the events carry) keeps the product in its category, too.
            #expect(try await upload(api, admin, Self.file(Self.rows(products: 4))).integer("events") == 0)
            // A path the tree does not have takes the product out of the tree.
            let moved = try await upload(api, admin, Self.file(Self.rows(products: 1).map { $0.replacingOccurrences(of: "Home/Kitchen", with: "Garden") }))
            #expect(moved.integer("changed") == 1, "\(moved.body)")
            try await project(postgres)
            let garden = try await api.call(.get, "/catalog/products/imp-0")
            #expect(garden["categoryId"] == nil && garden["categoryPath"] as? [String] == ["Garden"])
        }
    }

    @Test("bad files, a SKU of another product, a new product without a name and going back to draft are refused by line; product details and variants edited over HTTP")
    func refusalsAndEditing() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "kettle", sku: "KETTLE-M", price: 3000, stock: 5)
            try await project(postgres)
            let before = try await productEvents(postgres)

            #expect(try await api.call(.post, "/admin/products/import", token: admin, json: Self.file([]), headers: [.contentType: "application/json"]).status == .unsupportedMediaType)
            #expect(try await upload(api, admin, Self.file([]), query: "?dryRun=maybe").code == "invalid_parameter")
            let problems: [(String, [Int64])] = [
                ("", [1]),
                ("product_id,colour\nx,red\n", [1]),
                (Self.header + "\nteapot,Teapot,,Home,,draft,KETTLE-M,20,,M\n", [2]),
                (Self.header + "\nteapot,,,Home,,,,,,\n", [2]),
                (Self.header + "\nkettle,,,,,draft,,,,\n", [2]),
                (Self.header + "\nmug,Mug,,,,,MUG-1,5,,\nmug,Cup,,,,,MUG-2,5,,\nmug,Mug,,,,,MUG-1,6,,\n", [3, 4]),
                (Self.header + "\n\"open,,,,,,,,,\n", [2]),
            ]
            for (csv, lines) in problems {
                let answer = try await upload(api, admin, csv)
                #expect(answer.status == .unprocessableContent, "\(csv)")
                #expect(answer.code == "invalid_catalog_file", "\(csv)")
                #expect((answer["problems"] as? [[String: any Sendable]])?.map { $0["line"] as? Int64 } == lines, "\(csv): \(answer.body)")
            }
            #expect(try await productEvents(postgres) == before, "no refused file wrote anything")

            // Editing: the details as a whole, a variant's attributes, then the catalog shows them.
            let details: [String: Any] = ["name": "Steel Kettle", "description": "1.7 l", "categoryPath": ["Home", "Kitchen"], "brand": "Fjell"]
            #expect(try await api.call(.put, "/admin/products/kettle/details", token: admin, body: details).status == .ok)
            let same = try await api.call(.put, "/admin/products/kettle/details", token: admin, body: details)
            #expect(same.status == .ok && same["position"] == nil, "the same details: no event")
            #expect(try await api.call(.put, "/admin/products/kettle/variants/KETTLE-M", token: admin, body: ["attributes": ["size": "M", "colour": "steel"]]).status == .ok)
            #expect(try await api.call(.put, "/admin/products/kettle/variants/NOPE", token: admin, body: ["attributes": [:] as [String: String]]).code == "product.unknown_variant")
            #expect(try await api.call(.put, "/admin/products/nothing/details", token: admin, body: details).status == .notFound)
            #expect(try await api.call(.put, "/admin/products/kettle/details", token: admin, body: ["name": "x", "description": "", "categoryPath": [String](), "brand": " "]).status == .unprocessableContent)
            try await project(postgres)
            let kettle = try await api.call(.get, "/catalog/products/kettle")
            #expect(kettle.string("name") == "Steel Kettle" && kettle.string("brand") == "Fjell")
            #expect(((kettle["variants"] as? [[String: any Sendable]])?.first?["attributes"] as? [String: any Sendable])?["colour"] as? String == "steel")
            // The brand is searched (weight B), suggested and counted.
            let found = try await api.call(.get, "/catalog/products?q=fjell&facets=brand")
            #expect((found["items"] as? [[String: any Sendable]])?.map { $0["productId"] as? String } == ["kettle"])
            let suggested = try await api.call(.get, "/catalog/suggest?q=fj&minPosition=1")
            #expect((suggested["brands"] as? [[String: any Sendable]])?.map { $0["name"] as? String } == ["Fjell"])
            #expect(try await api.call(.post, "/admin/products/kettle/discontinue", token: admin).status == .ok)
            #expect(try await api.call(.put, "/admin/products/kettle/details", token: admin, body: details).status == .conflict)
        }
    }
}
