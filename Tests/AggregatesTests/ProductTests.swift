@testable import Aggregates
import Testing

@Suite("Product")
struct ProductTests {
    let tee: ProductID = id("tee")
    let sku: SKU = id("TEE-M")
    var created: [ProductEvent] {
        [.created(ProductCreated(productId: tee, name: "Tee", description: "", categoryPath: ["Apparel", "Shirts"]))]
    }
    var withVariant: [ProductEvent] { created + [.variantAdded(ProductVariantAdded(productId: tee, sku: sku, attributes: ["size": "M"]))] }
    var priced: [ProductEvent] { withVariant + [.priceSet(ProductPriceSet(productId: tee, sku: sku, price: eur(2500), previousPrice: nil))] }

    @Test func createAddVariantPricePublish() throws {
        #expect(try given(Product.self, [], when: .create(id: tee, name: "Tee", description: "", categoryPath: ["Apparel", "Shirts"])) == created)
        #expect(try given(Product.self, created, when: .addVariant(sku: sku, attributes: ["size": "M"])) == Array(withVariant.suffix(1)))
        #expect(try given(Product.self, withVariant, when: .setPrice(sku: sku, price: eur(2500))) == Array(priced.suffix(1)))
        #expect(try given(Product.self, priced, when: .setPrice(sku: sku, price: eur(2700)))
            == [.priceSet(ProductPriceSet(productId: tee, sku: sku, price: eur(2700), previousPrice: eur(2500)))])
        #expect(try given(Product.self, priced, when: .setPrice(sku: sku, price: eur(2500))).isEmpty, "same price: nothing changes")
        #expect(try given(Product.self, priced, when: .publish) == [.published(ProductPublished(productId: tee))])
        let published = priced + [.published(ProductPublished(productId: tee))]
        #expect(try given(Product.self, published, when: .publish).isEmpty)
        #expect(try given(Product.self, published, when: .unpublish) == [.unpublished(ProductUnpublished(productId: tee))])
        #expect(try given(Product.self, published, when: .discontinue) == [.discontinued(ProductDiscontinued(productId: tee))])
        let state = Product.fold(published)
        #expect(state.status == .published)
        #expect(state.variant(sku)?.prices["EUR"] == eur(2500))
    }

    @Test func refusals() {
        expectRefusal(Product.self, created, when: .create(id: tee, name: "Tee", description: "", categoryPath: []), code: .alreadyExists)
        expectRefusal(Product.self, [], when: .create(id: tee, name: " ", description: "", categoryPath: []), code: .invalidValue)
        expectRefusal(Product.self, [], when: .create(id: tee, name: "Tee", description: "", categoryPath: ["a/b"]), code: .invalidValue)
        expectRefusal(Product.self, [], when: .publish, code: .notFound)
        expectRefusal(Product.self, withVariant, when: .addVariant(sku: sku, attributes: [:]), code: .duplicateVariant)
        expectRefusal(Product.self, created, when: .setPrice(sku: sku, price: eur(100)), code: .unknownVariant)
        expectRefusal(Product.self, withVariant, when: .setPrice(sku: sku, price: eur(0)), code: .invalidAmount)
        expectRefusal(Product.self, withVariant, when: .setPrice(sku: sku, price: eur(-5)), code: .invalidAmount)
        expectRefusal(Product.self, withVariant, when: .publish, code: .notPublishable)
        expectRefusal(Product.self, priced, when: .unpublish, code: .invalidTransition)
        let discontinued = priced + [.discontinued(ProductDiscontinued(productId: tee))]
        expectRefusal(Product.self, discontinued, when: .publish, code: .productDiscontinued)
        expectRefusal(Product.self, discontinued, when: .setPrice(sku: sku, price: eur(100)), code: .productDiscontinued)
    }

    @Test func idsAreValidated() {
        #expect(throws: DomainError.self) { try ProductID("") }
        #expect(throws: DomainError.self) { try ProductID("has space") }
        #expect(throws: DomainError.self) { try ProductID(String(repeating: "a", count: 65)) }
        #expect((try? SKU("TEE-NAVY_M")) != nil)
    }
}
