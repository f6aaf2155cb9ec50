import Foundation

/// v2: the category is a path (`["Apparel", "Shirts"]`); v1 stored one string "Apparel/Shirts".
/// v3: an optional brand. v4: an optional category of the tree, whose path `categoryPath` is as
/// it stood then.
public struct ProductCreated: EventPayload {
    public static let schemaVersion = 4
    public var productId: ProductID
    public var name: String
    public var description: String
    public var categoryPath: [String]
    public var brand: String? = nil
    public var categoryId: CategoryID? = nil

    public static let sample = ProductCreated(
        productId: try! ProductID("tee-classic"), name: "Classic Tee", description: "Organic cotton", categoryPath: ["Apparel", "Shirts"],
        categoryId: try! CategoryID("shirts")
    )
}

/// The product's details after a change: every field as it now stands (a consumer needs no
/// earlier event to apply it); `brand` absent means the product has none, `categoryId` absent
/// that its path is a free one, in no category of the tree. v2: `categoryId`.
public struct ProductDetailsChanged: EventPayload {
    public static let schemaVersion = 2
    public var productId: ProductID
    public var name: String
    public var description: String
    public var categoryPath: [String]
    public var brand: String?
    public var categoryId: CategoryID? = nil

    public static let sample = ProductDetailsChanged(
        productId: ProductCreated.sample.productId, name: "Classic Tee", description: "Organic cotton, heavier knit", categoryPath: ["Apparel", "T-shirts"], brand: "Northwind",
        categoryId: try! CategoryID("t-shirts")
    )
}

public struct ProductVariantAdded: EventPayload {
    public var productId: ProductID
    public var sku: SKU
    /// Such as size and colour: `["size": "M", "colour": "navy"]`.
    public var attributes: [String: String]

    public static let sample = ProductVariantAdded(productId: ProductCreated.sample.productId, sku: try! SKU("TEE-NAVY-M"), attributes: ["size": "M", "colour": "navy"])
}

/// A variant's attributes replaced as a whole (its SKU, prices and stock stay).
public struct ProductVariantChanged: EventPayload {
    public var productId: ProductID
    public var sku: SKU
    public var attributes: [String: String]

    public static let sample = ProductVariantChanged(productId: ProductCreated.sample.productId, sku: ProductVariantAdded.sample.sku, attributes: ["size": "M", "colour": "navy blue"])
}

/// An image of a product (or of one of its variants), stored by its content's SHA-256.
public struct ProductImage: Codable, Sendable, Equatable {
    /// The lowercase hex SHA-256 of the file: the same file is the same image.
    public var imageId: String
    /// image/jpeg, image/png or image/webp, as the file's first bytes say.
    public var contentType: String
    public var bytes: Int
    /// What the image shows, for screen readers; may be empty.
    public var alt: String
    /// The variant shown, when the image is of one.
    public var sku: SKU?

    /// jpg, png or webp: the file name's extension for a content type.
    public static func fileExtension(of contentType: String) -> String {
        switch contentType {
        case "image/png": "png"
        case "image/webp": "webp"
        default: "jpg"
        }
    }

    public init(imageId: String, contentType: String, bytes: Int, alt: String, sku: SKU? = nil) {
        self.imageId = imageId
        self.contentType = contentType
        self.bytes = bytes
        self.alt = alt
        self.sku = sku
    }
}

extension [ProductImage] {
    /// These images in the order `imageIds` gives (``ProductImagesReordered``); ids of none of
    /// them are passed over.
    public func reordered(_ imageIds: [String]) -> [ProductImage] {
        let byID = Dictionary(map { ($0.imageId, $0) }, uniquingKeysWith: { first, _ in first })
        return imageIds.compactMap { byID[$0] }
    }
}

/// An image added after the product's others.
public struct ProductImageAdded: EventPayload {
    public var productId: ProductID
    public var image: ProductImage

    public static let sample = ProductImageAdded(
        productId: ProductCreated.sample.productId,
        image: ProductImage(imageId: String(repeating: "ab", count: 32), contentType: "image/png", bytes: 2048, alt: "The navy tee, front", sku: ProductVariantAdded.sample.sku)
    )
}

public struct ProductImageRemoved: EventPayload {
    public var productId: ProductID
    public var imageId: String

    public static let sample = ProductImageRemoved(productId: ProductCreated.sample.productId, imageId: String(repeating: "ab", count: 32))
}

/// The product's images in a new order (every image, each once).
public struct ProductImagesReordered: EventPayload {
    public var productId: ProductID
    public var imageIds: [String]

    public static let sample = ProductImagesReordered(productId: ProductCreated.sample.productId, imageIds: [String(repeating: "cd", count: 32), String(repeating: "ab", count: 32)])
}

public struct ProductPriceSet: EventPayload {
    public var productId: ProductID
    public var sku: SKU
    public var price: Money
    /// The price in this currency before, if there was one.
    public var previousPrice: Money?

    public static let sample = ProductPriceSet(productId: ProductCreated.sample.productId, sku: ProductVariantAdded.sample.sku, price: Money(2500, .EUR), previousPrice: nil)
}

public struct ProductPublished: EventPayload {
    public var productId: ProductID
    public static let sample = ProductPublished(productId: ProductCreated.sample.productId)
}

public struct ProductUnpublished: EventPayload {
    public var productId: ProductID
    public static let sample = ProductUnpublished(productId: ProductCreated.sample.productId)
}

public struct ProductDiscontinued: EventPayload {
    public var productId: ProductID
    public static let sample = ProductDiscontinued(productId: ProductCreated.sample.productId)
}

/// A product's name and description in another language than the shop's default, as they now
/// stand in it (`locale` a language tag in canonical case: `de`, `fr-CH`).
public struct ProductTranslated: EventPayload {
    public var productId: ProductID
    public var locale: String
    public var name: String
    public var description: String

    public static let sample = ProductTranslated(productId: ProductCreated.sample.productId, locale: "de", name: "Klassisches T-Shirt", description: "Bio-Baumwolle")
}

/// The product no longer has a text in `locale`: readers of it get the default one.
public struct ProductTranslationRemoved: EventPayload {
    public var productId: ProductID
    public var locale: String

    public static let sample = ProductTranslationRemoved(productId: ProductCreated.sample.productId, locale: "de")
}

/// The product's specifications as they now stand, as a whole, by key (each with its meaning
/// from ``SpecificationCatalog`` at the time).
public struct ProductSpecificationsSet: EventPayload {
    public var productId: ProductID
    public var specifications: [ProductSpecification]

    public static let sample = ProductSpecificationsSet(productId: ProductCreated.sample.productId, specifications: [
        ProductSpecification(key: "material", label: "Material", kind: .option, value: "Cotton"),
        ProductSpecification(key: "weight", label: "Weight", kind: .number, value: "0.18", unit: "kg"),
    ])
}

/// What search engines and shared links show of the product, as it now stands: a title and a
/// description for the page, and the slug of its address (each absent: none).
public struct ProductSEOChanged: EventPayload {
    public var productId: ProductID
    public var seo: ProductSEO

    public static let sample = ProductSEOChanged(productId: ProductCreated.sample.productId, seo: ProductSEO(
        title: "Classic organic cotton tee", metaDescription: "A regular-fit tee in organic cotton.", slug: "classic-tee"
    ))
}

/// A product page's search-engine fields.
public struct ProductSEO: Codable, Sendable, Equatable {
    public var title: String?
    public var metaDescription: String?
    /// Unique among products (the application checks it against the catalog).
    public var slug: String?

    public init(title: String? = nil, metaDescription: String? = nil, slug: String? = nil) {
        self.title = title
        self.metaDescription = metaDescription
        self.slug = slug
    }
}

/// A product's name and description in one language.
public struct ProductTranslation: Codable, Sendable, Equatable {
    public var name: String
    public var description: String

    public init(name: String, description: String) {
        self.name = name
        self.description = description
    }
}

public enum ProductEvent: DomainEvent {
    case created(ProductCreated)
    case detailsChanged(ProductDetailsChanged)
    case variantAdded(ProductVariantAdded)
    case variantChanged(ProductVariantChanged)
    case imageAdded(ProductImageAdded)
    case imageRemoved(ProductImageRemoved)
    case imagesReordered(ProductImagesReordered)
    case priceSet(ProductPriceSet)
    case published(ProductPublished)
    case unpublished(ProductUnpublished)
    case discontinued(ProductDiscontinued)
    case translated(ProductTranslated)
    case translationRemoved(ProductTranslationRemoved)
    case specificationsSet(ProductSpecificationsSet)
    case seoChanged(ProductSEOChanged)

    public static let payloadTypes: [any EventPayload.Type] = [
        ProductCreated.self, ProductDetailsChanged.self, ProductVariantAdded.self, ProductVariantChanged.self, ProductImageAdded.self, ProductImageRemoved.self, ProductImagesReordered.self, ProductPriceSet.self,
        ProductPublished.self, ProductUnpublished.self, ProductDiscontinued.self, ProductTranslated.self, ProductTranslationRemoved.self,
        ProductSpecificationsSet.self, ProductSEOChanged.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .created(let payload): payload
        case .detailsChanged(let payload): payload
        case .variantAdded(let payload): payload
        case .variantChanged(let payload): payload
        case .imageAdded(let payload): payload
        case .imageRemoved(let payload): payload
        case .imagesReordered(let payload): payload
        case .priceSet(let payload): payload
        case .published(let payload): payload
        case .unpublished(let payload): payload
        case .discontinued(let payload): payload
        case .translated(let payload): payload
        case .translationRemoved(let payload): payload
        case .specificationsSet(let payload): payload
        case .seoChanged(let payload): payload
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let payload as ProductCreated: self = .created(payload)
        case let payload as ProductDetailsChanged: self = .detailsChanged(payload)
        case let payload as ProductVariantAdded: self = .variantAdded(payload)
        case let payload as ProductVariantChanged: self = .variantChanged(payload)
        case let payload as ProductImageAdded: self = .imageAdded(payload)
        case let payload as ProductImageRemoved: self = .imageRemoved(payload)
        case let payload as ProductImagesReordered: self = .imagesReordered(payload)
        case let payload as ProductPriceSet: self = .priceSet(payload)
        case let payload as ProductPublished: self = .published(payload)
        case let payload as ProductUnpublished: self = .unpublished(payload)
        case let payload as ProductDiscontinued: self = .discontinued(payload)
        case let payload as ProductTranslated: self = .translated(payload)
        case let payload as ProductTranslationRemoved: self = .translationRemoved(payload)
        case let payload as ProductSpecificationsSet: self = .specificationsSet(payload)
        case let payload as ProductSEOChanged: self = .seoChanged(payload)
        default: return nil
        }
    }
}
