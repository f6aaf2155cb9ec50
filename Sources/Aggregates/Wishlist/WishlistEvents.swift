import Foundation

/// A wish list was made (the default one on the customer's first add).
public struct WishlistCreated: EventPayload {
    public var customerId: CustomerID
    public var wishlistId: WishlistID
    public var name: String
    public static let sample = WishlistCreated(customerId: try! CustomerID("cust-42"), wishlistId: Wishlist.defaultList, name: "Wishlist")
}

public struct WishlistRenamed: EventPayload {
    public var customerId: CustomerID
    public var wishlistId: WishlistID
    public var name: String
    public static let sample = WishlistRenamed(customerId: WishlistCreated.sample.customerId, wishlistId: try! WishlistID("wl_birthday"), name: "Birthday")
}

/// A list other than the default one was deleted, with its items.
public struct WishlistDeleted: EventPayload {
    public var customerId: CustomerID
    public var wishlistId: WishlistID
    public static let sample = WishlistDeleted(customerId: WishlistCreated.sample.customerId, wishlistId: WishlistRenamed.sample.wishlistId)
}

/// A variant was put on a list; `price` is its price then in the customer's currency.
public struct WishlistItemAdded: EventPayload {
    public var customerId: CustomerID
    public var wishlistId: WishlistID
    public var sku: SKU
    public var productId: ProductID
    public var price: Money?
    public var addedAt: Date
    public static let sample = WishlistItemAdded(
        customerId: WishlistCreated.sample.customerId, wishlistId: Wishlist.defaultList, sku: ProductVariantAdded.sample.sku,
        productId: ProductCreated.sample.productId, price: Money(4990, .EUR), addedAt: Date(timeIntervalSince1970: 1_767_225_600)
    )
}

/// A variant left a list: removed, or moved into a cart (`movedToCart`).
public struct WishlistItemRemoved: EventPayload {
    public var customerId: CustomerID
    public var wishlistId: WishlistID
    public var sku: SKU
    public var productId: ProductID
    public var movedToCart: CartID?
    public static let sample = WishlistItemRemoved(
        customerId: WishlistCreated.sample.customerId, wishlistId: Wishlist.defaultList, sku: ProductVariantAdded.sample.sku,
        productId: ProductCreated.sample.productId, movedToCart: try! CartID("cart-1")
    )
}

/// The list can be read by anyone holding `token` (`GET /wishlists/shared/{token}`).
public struct WishlistShared: EventPayload {
    public var customerId: CustomerID
    public var wishlistId: WishlistID
    public var token: String
    public static let sample = WishlistShared(customerId: WishlistCreated.sample.customerId, wishlistId: Wishlist.defaultList, token: "q8Yk3vJ2mX0cT5bN7wR1sL4d")
}

/// The share link stopped working.
public struct WishlistUnshared: EventPayload {
    public var customerId: CustomerID
    public var wishlistId: WishlistID
    public var token: String
    public static let sample = WishlistUnshared(customerId: WishlistCreated.sample.customerId, wishlistId: Wishlist.defaultList, token: WishlistShared.sample.token)
}

/// A wished variant came back: its available stock went from none to `available`.
public struct WishlistBackInStock: EventPayload {
    public var customerId: CustomerID
    public var sku: SKU
    public var productId: ProductID
    public var available: Int
    public var wishlistIds: [WishlistID]
    public static let sample = WishlistBackInStock(
        customerId: WishlistCreated.sample.customerId, sku: ProductVariantAdded.sample.sku, productId: ProductCreated.sample.productId,
        available: 12, wishlistIds: [Wishlist.defaultList]
    )
}

/// A wished variant's price in the customer's currency fell by at least the shop's threshold.
public struct WishlistPriceDropped: EventPayload {
    public var customerId: CustomerID
    public var sku: SKU
    public var productId: ProductID
    public var previousPrice: Money
    public var price: Money
    public var wishlistIds: [WishlistID]
    public static let sample = WishlistPriceDropped(
        customerId: WishlistCreated.sample.customerId, sku: ProductVariantAdded.sample.sku, productId: ProductCreated.sample.productId,
        previousPrice: Money(4990, .EUR), price: Money(3990, .EUR), wishlistIds: [Wishlist.defaultList]
    )
}

public enum WishlistEvent: DomainEvent {
    case created(WishlistCreated)
    case renamed(WishlistRenamed)
    case deleted(WishlistDeleted)
    case itemAdded(WishlistItemAdded)
    case itemRemoved(WishlistItemRemoved)
    case shared(WishlistShared)
    case unshared(WishlistUnshared)
    case backInStock(WishlistBackInStock)
    case priceDropped(WishlistPriceDropped)

    public static let payloadTypes: [any EventPayload.Type] = [
        WishlistCreated.self, WishlistRenamed.self, WishlistDeleted.self, WishlistItemAdded.self, WishlistItemRemoved.self,
        WishlistShared.self, WishlistUnshared.self, WishlistBackInStock.self, WishlistPriceDropped.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .created(let payload): payload
        case .renamed(let payload): payload
        case .deleted(let payload): payload
        case .itemAdded(let payload): payload
        case .itemRemoved(let payload): payload
        case .shared(let payload): payload
        case .unshared(let payload): payload
        case .backInStock(let payload): payload
        case .priceDropped(let payload): payload
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let payload as WishlistCreated: self = .created(payload)
        case let payload as WishlistRenamed: self = .renamed(payload)
        case let payload as WishlistDeleted: self = .deleted(payload)
        case let payload as WishlistItemAdded: self = .itemAdded(payload)
        case let payload as WishlistItemRemoved: self = .itemRemoved(payload)
        case let payload as WishlistShared: self = .shared(payload)
        case let payload as WishlistUnshared: self = .unshared(payload)
        case let payload as WishlistBackInStock: self = .backInStock(payload)
        case let payload as WishlistPriceDropped: self = .priceDropped(payload)
        default: return nil
        }
    }
}
