import Foundation

/// A shopper looked at a product's page (the storefront's or the catalog API's answer for one
/// product). Recorded on the shopper's activity stream (``Activity/streamName(for:)``); the
/// event's business time is when it was viewed.
public struct ProductViewed: EventPayload {
    /// The signed-in customer, or the guest by their session (a hash, never the token itself).
    public var viewer: CartOwner
    public var productId: ProductID
    /// The variant shown, when the storefront knows it.
    public var sku: SKU?

    public init(viewer: CartOwner, productId: ProductID, sku: SKU? = nil) {
        self.viewer = viewer
        self.productId = productId
        self.sku = sku
    }

    public static let sample = ProductViewed(viewer: .customer(try! CustomerID("cust-42")), productId: ProductCreated.sample.productId, sku: nil)
}

/// A shopper searched or filtered the catalog. The text is personal data (sealed with the
/// viewer's key, ``PersonalData``); the category, the filters and the result count are not.
///
/// v2: `queryDigest`, a keyed digest of the text as ``SearchQuery/normalized(_:)`` makes it
/// (the key stays in the shop's database), so that searches for one text are counted together
/// without anyone reading it; and `filters`, the options chosen (`brand:Fjell`, `size:M`,
/// `price:1000-2500`, `inStock`, `category:Apparel/Shirts`, `minRating:4`).
public struct SearchPerformed: EventPayload {
    public static let schemaVersion = 2
    public var viewer: CartOwner
    public var query: String
    public var category: [String]
    public var resultCount: Int
    /// Nil when there is no text.
    public var queryDigest: String?
    public var filters: [String]

    public init(viewer: CartOwner, query: String, category: [String], resultCount: Int, queryDigest: String? = nil, filters: [String] = []) {
        self.viewer = viewer
        self.query = query
        self.category = category
        self.resultCount = resultCount
        self.queryDigest = queryDigest
        self.filters = filters
    }

    public static let sample = SearchPerformed(
        viewer: ProductViewed.sample.viewer, query: "linen shirt", category: ["Apparel"], resultCount: 12,
        queryDigest: "5e0f8c1d2b3a49687766554433221100", filters: ["category:Apparel", "size:M"]
    )
}

public enum ActivityEvent: DomainEvent {
    case productViewed(ProductViewed)
    case searchPerformed(SearchPerformed)

    public static let payloadTypes: [any EventPayload.Type] = [ProductViewed.self, SearchPerformed.self]

    public var payload: any EventPayload {
        switch self {
        case .productViewed(let payload): payload
        case .searchPerformed(let payload): payload
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let payload as ProductViewed: self = .productViewed(payload)
        case let payload as SearchPerformed: self = .searchPerformed(payload)
        default: return nil
        }
    }

    public var viewer: CartOwner {
        switch self {
        case .productViewed(let event): event.viewer
        case .searchPerformed(let event): event.viewer
        }
    }
}
