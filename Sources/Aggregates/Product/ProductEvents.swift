import Foundation

/// v2: the category is a path (`["Apparel", "Shirts"]`); v1 stored one string "Apparel/Shirts".
public struct ProductCreated: EventPayload {
    public static let schemaVersion = 2
    public var productId: ProductID
    public var name: String
    public var description: String
    public var categoryPath: [String]

    public static let sample = ProductCreated(productId: try! ProductID("tee-classic"), name: "Classic Tee", description: "Organic cotton", categoryPath: ["Apparel", "Shirts"])
}

public struct ProductVariantAdded: EventPayload {
    public var productId: ProductID
    public var sku: SKU
    /// Such as size and colour: `["size": "M", "colour": "navy"]`.
    public var attributes: [String: String]

    public static let sample = ProductVariantAdded(productId: ProductCreated.sample.productId, sku: try! SKU("TEE-NAVY-M"), attributes: ["size": "M", "colour": "navy"])
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

public enum ProductEvent: DomainEvent {
    case created(ProductCreated)
    case variantAdded(ProductVariantAdded)
    case priceSet(ProductPriceSet)
    case published(ProductPublished)
    case unpublished(ProductUnpublished)
    case discontinued(ProductDiscontinued)

    public static let payloadTypes: [any EventPayload.Type] = [
        ProductCreated.self, ProductVariantAdded.self, ProductPriceSet.self,
        ProductPublished.self, ProductUnpublished.self, ProductDiscontinued.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .created(let payload): payload
        case .variantAdded(let payload): payload
        case .priceSet(let payload): payload
        case .published(let payload): payload
        case .unpublished(let payload): payload
        case .discontinued(let payload): payload
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let payload as ProductCreated: self = .created(payload)
        case let payload as ProductVariantAdded: self = .variantAdded(payload)
        case let payload as ProductPriceSet: self = .priceSet(payload)
        case let payload as ProductPublished: self = .published(payload)
        case let payload as ProductUnpublished: self = .unpublished(payload)
        case let payload as ProductDiscontinued: self = .discontinued(payload)
        default: return nil
        }
    }
}
