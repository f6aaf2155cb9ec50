@testable import Aggregates
import Foundation
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

    @Test func detailsAndVariantAttributesChange() throws {
        #expect(try given(Product.self, [], when: .create(id: tee, name: "Tee", description: "", categoryPath: ["Apparel"], brand: "Northwind"))
            == [.created(ProductCreated(productId: tee, name: "Tee", description: "", categoryPath: ["Apparel"], brand: "Northwind"))])
        let change = Product.Command.changeDetails(name: "Classic Tee", description: "Heavier knit", categoryPath: ["Apparel", "T-shirts"], brand: "Northwind")
        let changed = ProductDetailsChanged(productId: tee, name: "Classic Tee", description: "Heavier knit", categoryPath: ["Apparel", "T-shirts"], brand: "Northwind")
        #expect(try given(Product.self, created, when: change) == [.detailsChanged(changed)])
        #expect(try given(Product.self, created + [.detailsChanged(changed)], when: change).isEmpty, "the same details: nothing changes")
        // Taking the brand away is a change; the state follows every field.
        let unbranded = Product.Command.changeDetails(name: "Classic Tee", description: "Heavier knit", categoryPath: ["Apparel", "T-shirts"], brand: nil)
        #expect(try given(Product.self, created + [.detailsChanged(changed)], when: unbranded).count == 1)
        let state = Product.fold(created + [.detailsChanged(changed)])
        #expect((state.name, state.description, state.categoryPath, state.brand) == ("Classic Tee", "Heavier knit", ["Apparel", "T-shirts"], "Northwind"))

        #expect(try given(Product.self, withVariant, when: .changeVariant(sku: sku, attributes: ["size": "M", "fit": "slim"]))
            == [.variantChanged(ProductVariantChanged(productId: tee, sku: sku, attributes: ["size": "M", "fit": "slim"]))])
        #expect(try given(Product.self, withVariant, when: .changeVariant(sku: sku, attributes: ["size": "M"])).isEmpty)
        let refitted = Product.fold(priced + [.variantChanged(ProductVariantChanged(productId: tee, sku: sku, attributes: ["size": "L"]))])
        #expect(refitted.variant(sku)?.attributes == ["size": "L"])
        #expect(refitted.variant(sku)?.prices["EUR"] == eur(2500), "prices stay")

        expectRefusal(Product.self, created, when: .changeVariant(sku: sku, attributes: [:]), code: .unknownVariant)
        expectRefusal(Product.self, withVariant, when: .changeVariant(sku: sku, attributes: ["": "x"]), code: .invalidValue)
        expectRefusal(Product.self, created, when: .changeDetails(name: "Tee", description: "", categoryPath: [], brand: "  "), code: .invalidValue)
        expectRefusal(Product.self, created, when: .changeDetails(name: "Tee", description: "", categoryPath: [], brand: String(repeating: "b", count: 101)), code: .invalidValue)
        expectRefusal(Product.self, [], when: .create(id: tee, name: "Tee", description: "", categoryPath: [], brand: ""), code: .invalidValue)
        expectRefusal(Product.self, [], when: .changeDetails(name: "Tee", description: "", categoryPath: [], brand: nil), code: .notFound)
        let discontinued = created + [.discontinued(ProductDiscontinued(productId: tee))]
        expectRefusal(Product.self, discontinued, when: change, code: .productDiscontinued)
    }

    @Test func imagesAreAddedOrderedAndRemoved() throws {
        func image(_ n: Int, sku: SKU? = nil) -> ProductImage {
            ProductImage(imageId: String(repeating: String(n, radix: 16), count: 64), contentType: "image/png", bytes: 10 + n, alt: "view \(n)", sku: sku)
        }
        let (one, two, three) = (image(1), image(2, sku: sku), image(3))
        #expect(try given(Product.self, withVariant, when: .addImage(one)) == [.imageAdded(ProductImageAdded(productId: tee, image: one))])
        let withImages = withVariant + [one, two, three].map { .imageAdded(ProductImageAdded(productId: tee, image: $0)) }
        #expect(Product.fold(withImages).images == [one, two, three])
        #expect(try given(Product.self, withImages, when: .addImage(one)).isEmpty, "the same file again: no change")
        let order = [three.imageId, one.imageId, two.imageId]
        #expect(try given(Product.self, withImages, when: .reorderImages(imageIds: order)) == [.imagesReordered(ProductImagesReordered(productId: tee, imageIds: order))])
        #expect(Product.fold(withImages + [.imagesReordered(ProductImagesReordered(productId: tee, imageIds: order))]).images == [three, one, two])
        #expect(try given(Product.self, withImages, when: .reorderImages(imageIds: [one, two, three].map(\.imageId))).isEmpty)
        #expect(Product.fold(withImages + [.imageRemoved(ProductImageRemoved(productId: tee, imageId: two.imageId))]).images == [one, three])

        expectRefusal(Product.self, withImages, when: .reorderImages(imageIds: [one.imageId, two.imageId]), code: .invalidValue)
        expectRefusal(Product.self, withImages, when: .reorderImages(imageIds: [one.imageId, one.imageId, two.imageId]), code: .invalidValue)
        expectRefusal(Product.self, withImages, when: .removeImage(imageId: image(4).imageId), code: .unknownImage)
        expectRefusal(Product.self, created, when: .addImage(image(5, sku: sku)), code: .unknownVariant)
        expectRefusal(Product.self, created, when: .addImage(ProductImage(imageId: "ABC", contentType: "image/png", bytes: 1, alt: "")), code: .invalidValue)
        expectRefusal(Product.self, created, when: .addImage(ProductImage(imageId: image(6).imageId, contentType: "image/gif", bytes: 1, alt: "")), code: .invalidValue)
        let full = created + (0..<Product.maximumImages).map { n in
            .imageAdded(ProductImageAdded(productId: tee, image: ProductImage(imageId: String(format: "%064x", n + 100), contentType: "image/jpeg", bytes: 1, alt: "")))
        }
        expectRefusal(Product.self, full, when: .addImage(image(7)), code: .invalidValue)
    }

    @Test func idsAreValidated() {
        #expect(throws: DomainError.self) { try ProductID("") }
        #expect(throws: DomainError.self) { try ProductID("has space") }
        #expect(throws: DomainError.self) { try ProductID(String(repeating: "a", count: 65)) }
        #expect((try? SKU("TEE-NAVY_M")) != nil)
    }

    @Test("texts in other languages: set under the canonical tag, the same again is no change, removed only when there")
    func translations() throws {
        let translated = try given(Product.self, created, when: .translate(locale: "DE-ch", name: "T-Shirt", description: "Baumwolle"))
        #expect(translated == [.translated(ProductTranslated(productId: tee, locale: "de-CH", name: "T-Shirt", description: "Baumwolle"))])
        #expect(try given(Product.self, created + translated, when: .translate(locale: "de-CH", name: "T-Shirt", description: "Baumwolle")).isEmpty)
        #expect(Product.fold(created + translated).translations == ["de-CH": ProductTranslation(name: "T-Shirt", description: "Baumwolle")])
        #expect(try given(Product.self, created + translated, when: .removeTranslation(locale: "de-ch"))
            == [.translationRemoved(ProductTranslationRemoved(productId: tee, locale: "de-CH"))])
        expectRefusal(Product.self, created, when: .removeTranslation(locale: "de"), code: .unknownTranslation)
        expectRefusal(Product.self, created, when: .translate(locale: "german", name: "T-Shirt", description: ""), code: .invalidValue)
        expectRefusal(Product.self, created, when: .translate(locale: "de", name: " ", description: ""), code: .invalidValue)
        expectRefusal(Product.self, created + [.discontinued(ProductDiscontinued(productId: tee))], when: .translate(locale: "de", name: "T", description: ""),
                      code: .productDiscontinued)
        #expect(LocaleTag.canonical("ZH-hant-tw") == "zh-Hant-TW" && LocaleTag.canonical("pt-br") == "pt-BR")
    }

    @Test("specifications are checked against their definitions and stored in canonical form; SEO fields keep their form")
    func specificationsAndSEO() throws {
        let definitions: [String: SpecificationDefinition] = [
            "weight": SpecificationDefinition(key: "weight", label: "Weight", kind: .number, unit: "kg"),
            "material": SpecificationDefinition(key: "material", label: "Material", kind: .option, options: ["Cotton", "Wool"]),
            "care": SpecificationDefinition(key: "care", label: "Care", kind: .text),
        ]
        let set = try given(Product.self, created, when: .setSpecifications(["weight": "0.180", "material": "cotton", "care": "30 °C"], definitions: definitions))
        #expect(set == [.specificationsSet(ProductSpecificationsSet(productId: tee, specifications: [
            ProductSpecification(key: "care", label: "Care", kind: .text, value: "30 °C"),
            ProductSpecification(key: "material", label: "Material", kind: .option, value: "Cotton"),
            ProductSpecification(key: "weight", label: "Weight", kind: .number, value: "0.18", unit: "kg"),
        ]))])
        #expect(try given(Product.self, created + set, when: .setSpecifications(["weight": "0.18", "material": "COTTON", "care": "30 °C"], definitions: definitions)).isEmpty)
        expectRefusal(Product.self, created, when: .setSpecifications(["weight": "heavy"], definitions: definitions), code: .invalidValue)
        expectRefusal(Product.self, created, when: .setSpecifications(["weight": "1.1234567"], definitions: definitions), code: .invalidValue)
        expectRefusal(Product.self, created, when: .setSpecifications(["material": "Silk"], definitions: definitions), code: .invalidValue)
        expectRefusal(Product.self, created, when: .setSpecifications(["colour": "red"], definitions: definitions), code: .unknownSpecification)
        #expect(SpecificationDefinition.decimal("007.500") == "7.5" && SpecificationDefinition.decimal("-0.0") == "0" && SpecificationDefinition.decimal("1e3") == nil)

        let seo = ProductSEO(title: "Organic tee", metaDescription: "Soft", slug: "organic-tee")
        #expect(try given(Product.self, created, when: .setSEO(seo)) == [.seoChanged(ProductSEOChanged(productId: tee, seo: seo))])
        #expect(try given(Product.self, created + [.seoChanged(ProductSEOChanged(productId: tee, seo: seo))], when: .setSEO(seo)).isEmpty)
        expectRefusal(Product.self, created, when: .setSEO(ProductSEO(slug: "Organic Tee")), code: .invalidValue)
        expectRefusal(Product.self, created, when: .setSEO(ProductSEO(title: " ")), code: .invalidValue)

        expectRefusal(SpecificationCatalog.self, [], when: .define(SpecificationDefinition(key: "1x", label: "X", kind: .text)), code: .invalidValue)
        expectRefusal(SpecificationCatalog.self, [], when: .define(SpecificationDefinition(key: "size", label: "Size", kind: .option, options: [])), code: .invalidValue)
        expectRefusal(SpecificationCatalog.self, [], when: .define(SpecificationDefinition(key: "size", label: "Size", kind: .option, options: ["S", "s"])), code: .invalidValue)
        expectRefusal(SpecificationCatalog.self, [], when: .define(SpecificationDefinition(key: "size", label: "Size", kind: .text, unit: "cm")), code: .invalidValue)
        expectRefusal(SpecificationCatalog.self, [], when: .remove(key: "size"), code: .notFound)
        let defined = try given(SpecificationCatalog.self, [], when: .define(definitions["weight"]!))
        #expect(try given(SpecificationCatalog.self, defined, when: .define(definitions["weight"]!)).isEmpty)
    }
}
