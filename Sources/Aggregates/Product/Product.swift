import Foundation

/// A catalog product with variants (one SKU each), a category path, an optional brand and prices
/// per currency.
///
/// The category is either a category of the tree (``CategoryTree``), by id, with its path as it
/// stood when assigned (the catalog view follows later renames and moves), or a free path of
/// names with no id, as products had before the tree.
///
/// Draft → published ⇄ unpublished → discontinued (final). Publishing needs at least one
/// variant with a price. Repeating a state change (publishing a published product, setting the
/// details or attributes it has) is a no-op. A discontinued product takes no more changes.
public enum Product: Decider {
    public enum Status: String, Codable, Sendable {
        case draft, published, unpublished, discontinued
    }

    public struct Variant: Codable, Sendable, Equatable {
        public var sku: SKU
        public var attributes: [String: String]
        /// By currency code.
        public var prices: [String: Money]
    }

    public struct State: Sendable, Equatable, Encodable {
        public var id: ProductID?
        public var name = ""
        public var description = ""
        public var categoryPath: [String] = []
        /// The tree's category, when the product is in one (``CategoryTree``).
        public var categoryId: CategoryID?
        public var brand: String?
        public var variants: [Variant] = []
        /// In the order shown.
        public var images: [ProductImage] = []
        /// Name and description in other languages than the default, by canonical language tag.
        public var translations: [String: ProductTranslation] = [:]
        /// By key.
        public var specifications: [ProductSpecification] = []
        public var seo = ProductSEO()
        public var status = Status.draft

        public func variant(_ sku: SKU) -> Variant? { variants.first { $0.sku == sku } }
    }

    public enum Command: Sendable {
        /// With a `categoryId`, `categoryPath` is that category's path in the tree (the caller reads it there).
        case create(id: ProductID, name: String, description: String, categoryPath: [String], brand: String? = nil, categoryId: CategoryID? = nil)
        /// Sets every detail (nil brand: none; nil category id: a free path).
        case changeDetails(name: String, description: String, categoryPath: [String], brand: String?, categoryId: CategoryID? = nil)
        case addVariant(sku: SKU, attributes: [String: String])
        /// Replaces the variant's attributes as a whole.
        case changeVariant(sku: SKU, attributes: [String: String])
        /// Adds the image after the others; an image the product has already is no change.
        case addImage(ProductImage)
        case removeImage(imageId: String)
        /// Every image of the product, each once, in the new order.
        case reorderImages(imageIds: [String])
        case setPrice(sku: SKU, price: Money)
        case publish
        case unpublish
        case discontinue
        /// Sets the name and description in `locale` (a language tag; a text as it stands is no change).
        case translate(locale: String, name: String, description: String)
        case removeTranslation(locale: String)
        /// Replaces the specifications as a whole, each value checked against its definition
        /// (the caller reads `definitions` from ``SpecificationCatalog``).
        case setSpecifications([String: String], definitions: [String: SpecificationDefinition])
        /// Sets the search-engine fields as a whole.
        case setSEO(ProductSEO)
    }

    public typealias Event = ProductEvent
    public static let initialState = State()

    public static func decide(_ command: Command, _ state: State, _ context: DecisionContext) throws(DomainError) -> [Event] {
        if case .create(let id, let name, let description, let categoryPath, let brand, let categoryId) = command {
            guard state.id == nil else { throw DomainError(.alreadyExists, "product \(id) exists already") }
            try validateDetails(name: name, description: description, categoryPath: categoryPath, brand: brand)
            return [.created(ProductCreated(productId: id, name: name, description: description, categoryPath: categoryPath, brand: brand, categoryId: categoryId))]
        }
        guard let id = state.id else { throw DomainError(.notFound, "the product does not exist") }
        guard state.status != .discontinued else {
            throw DomainError(.productDiscontinued, "product \(id) is discontinued")
        }
        switch command {
        case .create:
            preconditionFailure("handled above")
        case .changeDetails(let name, let description, let categoryPath, let brand, let categoryId):
            try validateDetails(name: name, description: description, categoryPath: categoryPath, brand: brand)
            guard (name, description, categoryPath, brand, categoryId) != (state.name, state.description, state.categoryPath, state.brand, state.categoryId) else { return [] }
            return [.detailsChanged(ProductDetailsChanged(
                productId: id, name: name, description: description, categoryPath: categoryPath, brand: brand, categoryId: categoryId
            ))]
        case .addVariant(let sku, let attributes):
            guard state.variant(sku) == nil else { throw DomainError(.duplicateVariant, "product \(id) already has variant \(sku)") }
            guard state.variants.count < 500 else { throw DomainError(.invalidValue, "a product has at most 500 variants") }
            try validateAttributes(attributes)
            return [.variantAdded(ProductVariantAdded(productId: id, sku: sku, attributes: attributes))]
        case .changeVariant(let sku, let attributes):
            guard let variant = state.variant(sku) else { throw DomainError(.unknownVariant, "product \(id) has no variant \(sku)") }
            try validateAttributes(attributes)
            guard variant.attributes != attributes else { return [] }
            return [.variantChanged(ProductVariantChanged(productId: id, sku: sku, attributes: attributes))]
        case .addImage(let image):
            guard !state.images.contains(where: { $0.imageId == image.imageId }) else { return [] }
            guard state.images.count < maximumImages else { throw DomainError(.invalidValue, "a product has at most \(maximumImages) images") }
            guard image.imageId.count == 64, image.imageId.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw DomainError(.invalidValue, "an image id is the file's SHA-256 in lowercase hex")
            }
            guard ["image/jpeg", "image/png", "image/webp"].contains(image.contentType), image.bytes > 0 else {
                throw DomainError(.invalidValue, "an image is a JPEG, PNG or WebP file")
            }
            try validateText(image.alt, "alt text", maximum: 300, allowEmpty: true)
            if let sku = image.sku, state.variant(sku) == nil { throw DomainError(.unknownVariant, "product \(id) has no variant \(sku)") }
            return [.imageAdded(ProductImageAdded(productId: id, image: image))]
        case .removeImage(let imageId):
            guard state.images.contains(where: { $0.imageId == imageId }) else { throw DomainError(.unknownImage, "product \(id) has no image \(imageId)") }
            return [.imageRemoved(ProductImageRemoved(productId: id, imageId: imageId))]
        case .reorderImages(let imageIds):
            guard imageIds.count == state.images.count, Set(imageIds) == Set(state.images.map(\.imageId)) else {
                throw DomainError(.invalidValue, "the order names every image of product \(id), each once")
            }
            guard imageIds != state.images.map(\.imageId) else { return [] }
            return [.imagesReordered(ProductImagesReordered(productId: id, imageIds: imageIds))]
        case .setPrice(let sku, let price):
            guard let variant = state.variant(sku) else { throw DomainError(.unknownVariant, "product \(id) has no variant \(sku)") }
            guard price.amount > 0 else { throw DomainError(.invalidAmount, "a price must be positive, not \(price)") }
            let previous = variant.prices[price.currency.code]
            guard previous != price else { return [] }
            return [.priceSet(ProductPriceSet(productId: id, sku: sku, price: price, previousPrice: previous))]
        case .publish:
            guard state.status != .published else { return [] }
            guard state.variants.contains(where: { !$0.prices.isEmpty }) else {
                throw DomainError(.notPublishable, "product \(id) needs a variant with a price before it is published")
            }
            return [.published(ProductPublished(productId: id))]
        case .unpublish:
            guard state.status == .published else {
                if state.status == .unpublished { return [] }
                throw DomainError(.invalidTransition, "product \(id) is \(state.status.rawValue), not published")
            }
            return [.unpublished(ProductUnpublished(productId: id))]
        case .discontinue:
            return [.discontinued(ProductDiscontinued(productId: id))]
        case .translate(let locale, let name, let description):
            guard LocaleTag.isValid(locale) else { throw DomainError(.invalidValue, "\"\(locale.prefix(40))\" is not a language tag such as de or fr-CH") }
            try validateText(name, "name", maximum: 200)
            try validateText(description, "description", maximum: 5000, allowEmpty: true)
            let tag = LocaleTag.canonical(locale)
            let translation = ProductTranslation(name: name, description: description)
            guard state.translations[tag] != translation else { return [] }
            guard state.translations[tag] != nil || state.translations.count < LocaleTag.maximumLocales else {
                throw DomainError(.invalidValue, "a product has texts in at most \(LocaleTag.maximumLocales) languages")
            }
            return [.translated(ProductTranslated(productId: id, locale: tag, name: name, description: description))]
        case .removeTranslation(let locale):
            let tag = LocaleTag.canonical(locale)
            guard state.translations[tag] != nil else { throw DomainError(.unknownTranslation, "product \(id) has no text in \(locale.prefix(40))") }
            return [.translationRemoved(ProductTranslationRemoved(productId: id, locale: tag))]
        case .setSpecifications(let values, let definitions):
            guard values.count <= 50 else { throw DomainError(.invalidValue, "a product has at most 50 specifications") }
            var specifications: [ProductSpecification] = []
            for key in values.keys.sorted() {
                guard let definition = definitions[key] else { throw DomainError(.unknownSpecification, "the shop defines no specification \(key.prefix(50))") }
                specifications.append(ProductSpecification(
                    key: key, label: definition.label, kind: definition.kind, value: try definition.canonical(values[key]!), unit: definition.unit
                ))
            }
            guard specifications != state.specifications else { return [] }
            return [.specificationsSet(ProductSpecificationsSet(productId: id, specifications: specifications))]
        case .setSEO(let seo):
            if let title = seo.title { try validateText(title, "the SEO title", maximum: 200) }
            if let description = seo.metaDescription { try validateText(description, "the meta description", maximum: 500) }
            if let slug = seo.slug {
                guard (1...100).contains(slug.count), slug.split(separator: "-", omittingEmptySubsequences: false).allSatisfy({ part in
                    !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) }
                }) else { throw DomainError(.invalidValue, "a slug is 1-100 lowercase letters and digits in words joined by single '-'") }
            }
            guard seo != state.seo else { return [] }
            return [.seoChanged(ProductSEOChanged(productId: id, seo: seo))]
        }
    }

    public static func evolve(_ state: State, _ event: Event) -> State {
        var state = state
        switch event {
        case .created(let event):
            state.id = event.productId
            state.name = event.name
            state.description = event.description
            state.categoryPath = event.categoryPath
            state.categoryId = event.categoryId
            state.brand = event.brand
        case .detailsChanged(let event):
            state.name = event.name
            state.description = event.description
            state.categoryPath = event.categoryPath
            state.categoryId = event.categoryId
            state.brand = event.brand
        case .variantAdded(let event):
            state.variants.append(Variant(sku: event.sku, attributes: event.attributes, prices: [:]))
        case .variantChanged(let event):
            if let index = state.variants.firstIndex(where: { $0.sku == event.sku }) {
                state.variants[index].attributes = event.attributes
            }
        case .imageAdded(let event):
            state.images.append(event.image)
        case .imageRemoved(let event):
            state.images.removeAll { $0.imageId == event.imageId }
        case .imagesReordered(let event):
            state.images = state.images.reordered(event.imageIds)
        case .priceSet(let event):
            if let index = state.variants.firstIndex(where: { $0.sku == event.sku }) {
                state.variants[index].prices[event.price.currency.code] = event.price
            }
        case .published: state.status = .published
        case .unpublished: state.status = .unpublished
        case .discontinued: state.status = .discontinued
        case .translated(let event):
            state.translations[event.locale] = ProductTranslation(name: event.name, description: event.description)
        case .translationRemoved(let event):
            state.translations[event.locale] = nil
        case .specificationsSet(let event):
            state.specifications = event.specifications
        case .seoChanged(let event):
            state.seo = event.seo
        }
        return state
    }

    public static let maximumImages = 20

    /// The limits every product's details keep (the HTTP API and the CSV import refuse the same).
    public static func validateDetails(name: String, description: String, categoryPath: [String], brand: String?) throws(DomainError) {
        try validateText(name, "name", maximum: 200)
        try validateText(description, "description", maximum: 5000, allowEmpty: true)
        guard categoryPath.count <= 10, categoryPath.allSatisfy({ !$0.isEmpty && $0.count <= 100 && !$0.contains("/") }) else {
            throw DomainError(.invalidValue, "the category path takes 0-10 non-empty names without '/'")
        }
        if let brand { try validateText(brand, "brand", maximum: 100) }
    }

    public static func validateAttributes(_ attributes: [String: String]) throws(DomainError) {
        guard attributes.count <= 20, attributes.allSatisfy({ !$0.key.isEmpty && $0.key.count <= 50 && $0.value.count <= 100 }) else {
            throw DomainError(.invalidValue, "variants take at most 20 attributes with names of 1-50 and values of 0-100 characters")
        }
    }
}

func validateText(_ text: String, _ what: String, maximum: Int, allowEmpty: Bool = false) throws(DomainError) {
    guard allowEmpty || !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
        throw DomainError(.invalidValue, "\(what) must not be empty")
    }
    guard text.count <= maximum else { throw DomainError(.invalidValue, "\(what) is longer than \(maximum) characters") }
}
