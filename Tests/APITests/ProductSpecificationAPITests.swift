import API
import Foundation
import HTTPTypes
import Hummingbird
import Testing
import TestSupport

@Suite("Product specifications and SEO over HTTP: typed values checked against their definitions, slugs unique and found")
struct ProductSpecificationAPITests {
    typealias JSON = [String: any Sendable]

    @Test("definitions type the values products get; SEO slugs are unique among products and find them")
    func specificationsAndSEO() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "kettle", sku: "KETTLE-M", price: 3000, stock: 5)
            try await api.product(admin: admin, id: "lantern", sku: "LANTERN-M", price: 1500, stock: 5)
            #expect(try await api.call(.put, "/admin/specifications/capacity", token: admin, body: ["label": "Capacity", "kind": "number", "unit": "l"]).status == .ok)
            #expect(try await api.call(.put, "/admin/specifications/material", token: admin,
                                       body: ["label": "Material", "kind": "option", "options": ["Steel", "Glass"]]).status == .ok)
            let definitions = try await api.call(.get, "/admin/specifications", token: admin)
            #expect((definitions["specifications"] as? [JSON])?.map { $0["key"] as? String } == ["capacity", "material"])

            let set = try await api.call(.put, "/admin/products/kettle/specifications", token: admin, body: ["specifications": ["capacity": "1.70", "material": "steel"]])
            #expect(set.status == .ok, "\(set.body)")
            let refusals: [([String: String], String)] = [
                (["capacity": "large"], "validation.invalid_value"), (["material": "Wood"], "validation.invalid_value"),
                (["colour": "red"], "product.unknown_specification"),
            ]
            for (values, code) in refusals {
                let refused = try await api.call(.put, "/admin/products/kettle/specifications", token: admin, body: ["specifications": values])
                #expect(refused.status == .unprocessableContent && refused.code == code, "\(values): \(refused.body)")
            }
            let seo = try await api.call(.put, "/admin/products/kettle/seo", token: admin,
                                         body: ["title": "Steel kettle, 1.7 l", "metaDescription": "Boils fast.", "slug": "steel-kettle"])
            #expect(seo.status == .ok, "\(seo.body)")
            try await project(postgres)

            let kettle = try await api.call(.get, "/catalog/products/by-slug/steel-kettle")
            #expect(kettle.status == .ok && kettle.string("productId") == "kettle", "\(kettle.body)")
            let specifications = try #require(kettle["specifications"] as? [JSON])
            #expect(specifications.map { "\($0["key"]!)=\($0["value"]!)" } == ["capacity=1.7", "material=Steel"])
            #expect(specifications.first?["unit"] as? String == "l" && specifications.first?["kind"] as? String == "number")
            #expect((kettle["seo"] as? JSON)?["title"] as? String == "Steel kettle, 1.7 l")
            #expect(try await api.call(.get, "/catalog/products/by-slug/nothing").status == .notFound)

            let taken = try await api.call(.put, "/admin/products/lantern/seo", token: admin, body: ["slug": "steel-kettle"])
            #expect(taken.status == .conflict && taken.code == "product.duplicate_slug", "\(taken.body)")
            #expect(try await api.call(.put, "/admin/products/kettle/seo", token: admin, body: ["slug": "steel-kettle", "title": "Kettle"]).status == .ok,
                    "the product's own slug again")
            #expect(try await api.call(.put, "/admin/products/kettle/seo", token: admin, body: ["slug": "Not A Slug"]).code == "validation.invalid_value")
            #expect(try await api.call(.put, "/admin/specifications/size", token: admin, body: ["label": "Size", "kind": "option", "options": []]).code == "validation.invalid_value")
            #expect(try await api.call(.put, "/admin/specifications/size", token: admin, body: ["label": "Size", "kind": "colour"]).status == .badRequest)
        }
    }
}
