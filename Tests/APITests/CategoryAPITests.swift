import API
import Foundation
import HTTPTypes
import Hummingbird
import Testing
import TestSupport

@Suite("The category tree over HTTP: kept by admins, followed by the catalog view, read in the reader's language")
struct CategoryAPITests {
    typealias JSON = [String: any Sendable]

    /// Every category of a tree answer, depth first, with its children flattened away.
    static func flattened(_ categories: [JSON]) -> [JSON] {
        categories.flatMap { [$0] + flattened($0["children"] as? [JSON] ?? []) }
    }

    @Test("products in a category show its path as it stands: renames and moves reach listings, filters and the tree's counts")
    func productsFollowTheTree() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            let create = { (body: [String: Any]) in try await api.call(.post, "/admin/categories", token: admin, body: body) }
            #expect(try await create(["categoryId": "apparel", "name": "Apparel", "localizedNames": ["de": "Bekleidung", "fr-CH": "Vêtements"]]).status == .created)
            let shirts = try await create(["categoryId": "shirts", "name": "Shirts & Tops", "parentId": "apparel"])
            #expect(shirts.status == .created && shirts.string("id") == "shirts", "\(shirts.body)")
            #expect(try await create(["categoryId": "knitwear", "name": "Knitwear", "parentId": "apparel", "position": 0]).status == .created)
            #expect(try await create(["categoryId": "home", "name": "Home", "slug": "home-and-living"]).status == .created)

            // Three products in Shirts, one in Knitwear, one with a free path; one shirt unpublished.
            for (product, category) in [("tee", "shirts"), ("polo", "shirts"), ("vest", "shirts"), ("jumper", "knitwear")] {
                try await api.product(admin: admin, id: product, sku: "\(product.uppercased())-M", price: 2000, stock: 3)
                let moved = try await api.call(.put, "/admin/products/\(product)/details", token: admin,
                                               body: ["name": "The \(product)", "description": "", "categoryId": category])
                #expect(moved.status == .ok, "\(moved.body)")
            }
            try await api.product(admin: admin, id: "loose", sku: "LOOSE-M", price: 2000, stock: 3)
            #expect(try await api.call(.post, "/admin/products/vest/unpublish", token: admin).status == .ok)
            try await project(postgres)

            func listed(_ query: String) async throws -> [String] {
                let answer = try await api.call(.get, "/catalog/products?\(query)")
                #expect(answer.status == .ok, "\(query): \(answer.body)")
                return ((answer["items"] as? [JSON]) ?? []).compactMap { $0["productId"] as? String }.sorted()
            }
            let tee = try await api.call(.get, "/catalog/products/tee")
            #expect(tee["categoryPath"] as? [String] == ["Apparel", "Shirts & Tops"] && tee.string("categoryId") == "shirts")
            #expect(try await listed("categoryId=apparel") == ["jumper", "polo", "tee"])
            #expect(try await listed("categoryId=shirts&categoryId=home") == ["polo", "tee"])
            #expect(try await listed("category=Apparel/Knitwear") == ["jumper"])

            let tree = try await api.call(.get, "/catalog/categories")
            #expect(tree.status == .ok, "\(tree.body)")
            let roots = try #require(tree["categories"] as? [JSON])
            #expect(roots.map { $0["categoryId"] as? String } == ["apparel", "home"])
            let apparel = roots[0]
            #expect((apparel["children"] as? [JSON])?.map { $0["categoryId"] as? String } == ["knitwear", "shirts"], "Knitwear was put first")
            // Published products: tee and polo in Shirts, jumper in Knitwear (the vest is unpublished).
            let counts = Dictionary(uniqueKeysWithValues: Self.flattened(roots).map { ($0["categoryId"] as! String, $0["productCount"] as? Int64) })
            #expect(counts == ["apparel": 3, "shirts": 2, "knitwear": 1, "home": 0])
            #expect(Self.flattened(roots).first { $0["categoryId"] as? String == "shirts" }?["slug"] as? String == "shirts-tops", "a slug made from the name")

            // Renamed, then moved under Home: the products' path follows, old paths find nothing.
            #expect(try await api.call(.put, "/admin/categories/apparel", token: admin,
                                       body: ["name": "Clothing", "slug": "clothing", "localizedNames": ["de": "Kleidung"]]).status == .ok)
            #expect(try await api.call(.post, "/admin/categories/shirts/move", token: admin, body: ["parentId": "home", "position": 0]).status == .ok)
            try await project(postgres)
            #expect(try await api.call(.get, "/catalog/products/tee")["categoryPath"] as? [String] == ["Home", "Shirts & Tops"])
            #expect(try await api.call(.get, "/catalog/products/jumper")["categoryPath"] as? [String] == ["Clothing", "Knitwear"])
            #expect(try await listed("category=Apparel") == [])
            #expect(try await listed("category=Home") == ["polo", "tee"])
            #expect(try await listed("q=clothing") == ["jumper"], "the search words follow the new name")
            #expect(try await listed("categoryId=home") == ["polo", "tee"])

            let detail = try await api.call(.get, "/catalog/categories/shirts")
            #expect(detail.status == .ok, "\(detail.body)")
            #expect((detail["breadcrumbs"] as? [JSON])?.map { $0["categoryId"] as? String } == ["home"])
            #expect((detail["category"] as? JSON)?["path"] as? [String] == ["Home", "Shirts & Tops"])
            let bySlug = try await api.call(.get, "/catalog/categories/by-slug/clothing")
            #expect((bySlug["category"] as? JSON)?["categoryId"] as? String == "apparel" && (bySlug["category"] as? JSON)?["productCount"] as? Int64 == 1)
            #expect(try await api.call(.get, "/catalog/categories/by-slug/apparel").status == .notFound, "the old slug is gone")
            #expect(try await api.call(.get, "/catalog/categories/nothing").status == .notFound)
        }
    }

    @Test("names come in the language asked for by locale or Accept-Language, else the default")
    func languages() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            #expect(try await api.call(.post, "/admin/categories", token: admin,
                                       body: ["categoryId": "apparel", "name": "Apparel", "localizedNames": ["de": "Bekleidung", "fr-CH": "Vêtements"]]).status == .created)
            #expect(try await api.call(.post, "/admin/categories", token: admin, body: ["categoryId": "shirts", "name": "Shirts", "parentId": "apparel"]).status == .created)
            try await project(postgres)
            func name(_ path: String, headers: HTTPFields = [:]) async throws -> (String?, String?) {
                let answer = try await api.call(.get, path, headers: headers)
                let category = (answer["categories"] as? [JSON])?.first ?? (answer["category"] as? JSON)
                return (category?["name"] as? String, category?["locale"] as? String)
            }
            #expect(try await name("/catalog/categories") == ("Apparel", nil))
            #expect(try await name("/catalog/categories?locale=de") == ("Bekleidung", "de"))
            #expect(try await name("/catalog/categories", headers: [.acceptLanguage: "it;q=0.9, fr;q=0.8, de;q=0.1"]) == ("Vêtements", "fr-CH"))
            #expect(try await name("/catalog/categories", headers: [.acceptLanguage: "en-US, de;q=0.9"]) == ("Apparel", nil), "the default language first")
            #expect(try await name("/catalog/categories", headers: [.acceptLanguage: "*, x!y, de-AT"]) == ("Bekleidung", "de"), "bad entries passed over")
            let crumbs = try await api.call(.get, "/catalog/categories/shirts?locale=de-DE")
            #expect((crumbs["breadcrumbs"] as? [JSON])?.first?["name"] as? String == "Bekleidung")
            #expect((crumbs["category"] as? JSON)?["name"] as? String == "Shirts", "no German name: the default")
            let refused = try await api.call(.get, "/catalog/categories?locale=not_a_tag")
            #expect(refused.status == .badRequest && refused.code == "invalid_parameter")
        }
    }

    @Test("bad changes are refused with their codes and write nothing; only an empty category is deleted")
    func refusals() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            let create = { (body: [String: Any]) in try await api.call(.post, "/admin/categories", token: admin, body: body) }
            #expect(try await create(["categoryId": "apparel", "name": "Apparel"]).status == .created)
            #expect(try await create(["categoryId": "shirts", "name": "Shirts", "parentId": "apparel"]).status == .created)
            let events = { try await postgres.query("SELECT count(*)::int FROM events").decode(Int.self).collectAll()[0] }
            let before = try await events()
            let refused: [(HTTPRequest.Method, String, [String: Any], HTTPResponse.Status, String)] = [
                (.post, "/admin/categories", ["categoryId": "apparel", "name": "Again"], .conflict, "aggregate.already_exists"),
                (.post, "/admin/categories", ["categoryId": "tops", "name": "SHIRTS", "parentId": "apparel"], .conflict, "category.duplicate"),
                (.post, "/admin/categories", ["categoryId": "tops", "name": "Tops", "slug": "shirts"], .conflict, "category.duplicate"),
                (.post, "/admin/categories", ["categoryId": "tops", "name": "Tops", "parentId": "nothing"], .unprocessableContent, "category.unknown"),
                (.post, "/admin/categories", ["categoryId": "tops", "name": "A/B"], .unprocessableContent, "validation.invalid_value"),
                (.post, "/admin/categories", ["categoryId": "tops", "name": "Tops", "slug": "Not A Slug"], .unprocessableContent, "validation.invalid_value"),
                (.post, "/admin/categories", ["categoryId": "tops", "name": "Tops", "position": 7], .unprocessableContent, "validation.invalid_value"),
                (.post, "/admin/categories", ["categoryId": "tops", "name": "Tops", "localizedNames": ["german": "Oberteile"]], .unprocessableContent, "validation.invalid_value"),
                (.post, "/admin/categories/apparel/move", ["parentId": "shirts"], .unprocessableContent, "category.invalid_move"),
                (.post, "/admin/categories/nothing/move", [:], .notFound, "aggregate.not_found"),
                (.put, "/admin/categories/nothing", ["name": "X", "slug": "x"], .notFound, "aggregate.not_found"),
                (.post, "/admin/products", ["productId": "p", "name": "P", "description": "", "categoryId": "nothing"], .unprocessableContent, "category.unknown"),
                (.post, "/admin/products", ["productId": "p", "name": "P", "description": "", "categoryId": "shirts", "categoryPath": ["Other"]],
                 .unprocessableContent, "validation.invalid_value"),
            ]
            for (method, path, body, status, code) in refused {
                let answer = try await api.call(method, path, token: admin, body: body)
                #expect(answer.status == status && answer.code == code, "\(path) \(body): \(answer.status) \(answer.body)")
            }
            #expect(try await api.call(.get, "/catalog/products?categoryId=nothing").code == "category.unknown")
            #expect(try await events() == before, "nothing refused was written")

            // A product in Shirts (its path given too, as read back) keeps Shirts from deletion; Apparel has a subcategory.
            let placed = try await api.call(.post, "/admin/products", token: admin,
                                            body: ["productId": "p", "name": "P", "description": "", "categoryId": "shirts", "categoryPath": ["Apparel", "Shirts"]])
            #expect(placed.status == .created, "\(placed.body)")
            try await project(postgres)
            let busy = try await api.call(.delete, "/admin/categories/shirts", token: admin)
            #expect(busy.status == .conflict && busy.code == "category.not_empty", "\(busy.body)")
            #expect(try await api.call(.delete, "/admin/categories/apparel", token: admin).code == "category.not_empty")
            #expect(try await api.call(.put, "/admin/products/p/details", token: admin, body: ["name": "P", "description": "", "categoryPath": ["Loose"]]).status == .ok)
            try await project(postgres)
            #expect(try await api.call(.get, "/catalog/products/p", token: admin)["categoryId"] == nil, "a free path again")
            #expect(try await api.call(.delete, "/admin/categories/shirts", token: admin).status == .ok)
            #expect(try await api.call(.delete, "/admin/categories/apparel", token: admin).status == .ok)
            #expect(try await api.call(.delete, "/admin/categories/apparel", token: admin).status == .notFound)
            try await project(postgres)
            #expect((try await api.call(.get, "/catalog/categories")["categories"] as? [JSON])?.isEmpty == true)
            #expect(try await api.call(.post, "/admin/categories", body: ["categoryId": "x", "name": "X"]).status == .unauthorized)
        }
    }
}
