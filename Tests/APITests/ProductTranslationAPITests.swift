import API
import Foundation
import HTTPTypes
import Hummingbird
import Testing
import TestSupport

@Suite("Product texts in other languages over HTTP: set and removed by admins, read by locale or Accept-Language, searched in every language")
struct ProductTranslationAPITests {
    typealias JSON = [String: any Sendable]

    @Test("a reader gets the product's text in their language, else the default; search finds every language's words")
    func translations() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "kettle", sku: "KETTLE-M", price: 3000, stock: 5)
            try await api.product(admin: admin, id: "lantern", sku: "LANTERN-M", price: 1500, stock: 5)
            let set = try await api.call(.put, "/admin/products/kettle/translations/de", token: admin, body: ["name": "Wasserkocher", "description": "Aus Edelstahl"])
            #expect(set.status == .ok, "\(set.body)")
            #expect(try await api.call(.put, "/admin/products/kettle/translations/fr-CH", token: admin, body: ["name": "Bouilloire", "description": "En inox"]).status == .ok)
            try await project(postgres)

            func shown(_ path: String, headers: HTTPFields = [:]) async throws -> (String, String?) {
                let answer = try await api.call(.get, path, headers: headers)
                #expect(answer.status == .ok, "\(path): \(answer.body)")
                return (answer.string("name"), answer["locale"] as? String)
            }
            #expect(try await shown("/catalog/products/kettle") == ("Product kettle", nil))
            #expect(try await shown("/catalog/products/kettle?locale=de") == ("Wasserkocher", "de"))
            #expect(try await shown("/catalog/products/kettle", headers: [.acceptLanguage: "de-AT, en;q=0.5"]) == ("Wasserkocher", "de"))
            #expect(try await shown("/catalog/products/kettle", headers: [.acceptLanguage: "fr"]) == ("Bouilloire", "fr-CH"))
            #expect(try await shown("/catalog/products/kettle", headers: [.acceptLanguage: "en, de;q=0.9"]) == ("Product kettle", nil), "the default language first")
            #expect(try await shown("/catalog/products/lantern?locale=de") == ("Product lantern", nil), "no German text: the default")

            let listed = try await api.call(.get, "/catalog/products?locale=de&sort=name")
            #expect(((listed["items"] as? [JSON]) ?? []).map { $0["name"] as? String } == ["Wasserkocher", "Product lantern"])
            let found = try await api.call(.get, "/catalog/products?q=bouilloire")
            #expect(((found["items"] as? [JSON]) ?? []).map { $0["productId"] as? String } == ["kettle"], "a name in any language is searched")
            #expect(try await api.call(.get, "/catalog/products/kettle?locale=de_DE").status == .badRequest)

            #expect(try await api.call(.delete, "/admin/products/kettle/translations/DE", token: admin).status == .ok)
            #expect(try await api.call(.delete, "/admin/products/kettle/translations/de", token: admin).code == "product.unknown_translation")
            let refused = try await api.call(.put, "/admin/products/kettle/translations/german", token: admin, body: ["name": "X", "description": ""])
            #expect(refused.status == .unprocessableContent && refused.code == "validation.invalid_value")
            try await project(postgres)
            #expect(try await shown("/catalog/products/kettle?locale=de") == ("Product kettle", nil))
            #expect(((try await api.call(.get, "/catalog/products?q=wasserkocher")["items"] as? [JSON]) ?? []).isEmpty, "the removed text is no longer searched")
        }
    }
}
