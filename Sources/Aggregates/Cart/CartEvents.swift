import Foundation

public enum CartOwner: Codable, Sendable, Hashable {
    case customer(CustomerID)
    /// A visitor who has not signed in, known by a session token.
    case guest(String)

    enum CodingKeys: String, CodingKey { case kind, id }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .kind) {
        case "customer": self = .customer(try container.decode(CustomerID.self, forKey: .id))
        case "guest": self = .guest(try container.decode(String.self, forKey: .id))
        case let other: throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown owner kind \(other)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .customer(let id):
            try container.encode("customer", forKey: .kind)
            try container.encode(id, forKey: .id)
        case .guest(let token):
            try container.encode("guest", forKey: .kind)
            try container.encode(token, forKey: .id)
        }
    }
}

public struct Address: Codable, Sendable, Hashable {
    public var name: String
    public var line1: String
    public var line2: String?
    public var city: String
    public var postalCode: String
    /// ISO 3166-1 alpha-2, upper case.
    public var country: String

    public init(name: String, line1: String, line2: String? = nil, city: String, postalCode: String, country: String) {
        self.name = name
        self.line1 = line1
        self.line2 = line2
        self.city = city
        self.postalCode = postalCode
        self.country = country
    }

    public func validate() throws(DomainError) {
        try validateText(name, "address name", maximum: 200)
        try validateText(line1, "address line 1", maximum: 200)
        if let line2 { try validateText(line2, "address line 2", maximum: 200, allowEmpty: true) }
        try validateText(city, "city", maximum: 100)
        try validateText(postalCode, "postal code", maximum: 20)
        guard country.count == 2, country.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
            throw DomainError(.invalidValue, "country must be an ISO 3166-1 alpha-2 code such as DE, not \(country.prefix(10))")
        }
    }

    public static let sample = Address(name: "Ada Lovelace", line1: "Unter den Linden 1", city: "Berlin", postalCode: "10117", country: "DE")
}

public struct CartLine: Codable, Sendable, Hashable {
    public var sku: SKU
    public var productId: ProductID
    public var name: String
    public var quantity: Int
    /// The price when the line was added: later catalog price changes do not alter the cart.
    public var unitPrice: Money
    /// Key into the tax table (`standard`, `reduced`, `exempt`).
    public var taxCategory: String

    public init(sku: SKU, productId: ProductID, name: String, quantity: Int, unitPrice: Money, taxCategory: String = "standard") {
        self.sku = sku
        self.productId = productId
        self.name = name
        self.quantity = quantity
        self.unitPrice = unitPrice
        self.taxCategory = taxCategory
    }

    public var lineTotal: Money { Money(unitPrice.amount * Int64(quantity), unitPrice.currency) }

    public static let sample = CartLine(sku: ProductVariantAdded.sample.sku, productId: ProductCreated.sample.productId, name: "Classic Tee, navy, M", quantity: 2, unitPrice: Money(2500, .EUR))
}

public struct CartCreated: EventPayload {
    public var cartId: CartID
    public var owner: CartOwner
    public var currency: Currency
    public static let sample = CartCreated(cartId: try! CartID("cart-7"), owner: .customer(try! CustomerID("cust-1")), currency: .EUR)
}

public struct CartItemAdded: EventPayload {
    public var cartId: CartID
    /// The line as it is after the addition (quantity included).
    public var line: CartLine
    public var quantityAdded: Int
    public static let sample = CartItemAdded(cartId: CartCreated.sample.cartId, line: CartLine.sample, quantityAdded: 2)
}

public struct CartItemQuantityChanged: EventPayload {
    public var cartId: CartID
    public var sku: SKU
    public var quantity: Int
    public var previousQuantity: Int
    public static let sample = CartItemQuantityChanged(cartId: CartCreated.sample.cartId, sku: CartLine.sample.sku, quantity: 3, previousQuantity: 2)
}

public struct CartItemRemoved: EventPayload {
    public var cartId: CartID
    public var sku: SKU
    public static let sample = CartItemRemoved(cartId: CartCreated.sample.cartId, sku: CartLine.sample.sku)
}

/// v2 names the cart's owner: whose personal data the address is (``PersonalData``); v1
/// events read as v2 without one.
public struct CartShippingAddressSet: EventPayload {
    public static let schemaVersion = 2
    public var cartId: CartID
    public var address: Address
    public var owner: CartOwner?
    public static let sample = CartShippingAddressSet(cartId: CartCreated.sample.cartId, address: .sample, owner: CartCreated.sample.owner)

    public init(cartId: CartID, address: Address, owner: CartOwner?) {
        self.cartId = cartId
        self.address = address
        self.owner = owner
    }
}

public struct CartShippingMethodSet: EventPayload {
    public var cartId: CartID
    public var method: String
    public var rate: Money
    public static let sample = CartShippingMethodSet(cartId: CartCreated.sample.cartId, method: "standard", rate: Money(495, .EUR))
}

/// A guest cart's lines were merged into this (the customer's) cart at sign-in.
public struct CartMerged: EventPayload {
    public var cartId: CartID
    public var guestCartId: CartID
    /// This cart's lines after the merge.
    public var lines: [CartLine]
    public static let sample = CartMerged(cartId: CartCreated.sample.cartId, guestCartId: try! CartID("cart-guest-3"), lines: [CartLine.sample])
}

/// This guest cart was merged into a customer's cart and is closed.
public struct CartMergedIntoCustomerCart: EventPayload {
    public var cartId: CartID
    public var customerCartId: CartID
    public static let sample = CartMergedIntoCustomerCart(cartId: try! CartID("cart-guest-3"), customerCartId: CartCreated.sample.cartId)
}

/// A coupon code was added to the cart (it may not apply yet: the cart lists why).
public struct CartCouponApplied: EventPayload {
    public var cartId: CartID
    public var code: CouponCode
    public static let sample = CartCouponApplied(cartId: CartCreated.sample.cartId, code: CouponIssued.sample.code)
}

public struct CartCouponRemoved: EventPayload {
    public var cartId: CartID
    public var code: CouponCode
    public static let sample = CartCouponRemoved(cartId: CartCreated.sample.cartId, code: CouponIssued.sample.code)
}

/// v2 added the promotions' discounts (`discounts`, and `totals.discount`) and each line's
/// money after them (`linePrices`); v1 checkouts read as v2 with no discounts and no line prices.
public struct CartCheckedOut: EventPayload {
    public static let schemaVersion = 2
    public var cartId: CartID
    public var orderId: OrderID
    public var owner: CartOwner
    public var lines: [CartLine]
    public var shippingAddress: Address
    public var shippingMethod: String
    public var totals: CartTotals
    public var discounts: [AppliedDiscount]
    public var linePrices: [LinePrice]?
    public static let sample = CartCheckedOut(
        cartId: CartCreated.sample.cartId, orderId: StockReserved.sample.orderId, owner: CartCreated.sample.owner, lines: [CartLine.sample],
        shippingAddress: .sample, shippingMethod: "standard",
        totals: CartTotals(subtotal: Money(5000, .EUR), discount: Money(500, .EUR), shipping: Money(495, .EUR), tax: Money(855, .EUR), total: Money(5850, .EUR)),
        discounts: [.sample],
        linePrices: [LinePrice(sku: CartLine.sample.sku, subtotal: Money(5000, .EUR), discount: Money(500, .EUR), tax: Money(855, .EUR), total: Money(5355, .EUR))]
    )
}

public struct CartAbandoned: EventPayload {
    public var cartId: CartID
    public var lastActivityAt: Date
    public static let sample = CartAbandoned(cartId: CartCreated.sample.cartId, lastActivityAt: Date(timeIntervalSince1970: 1_790_000_000))
}

public enum CartEvent: DomainEvent {
    case created(CartCreated)
    case itemAdded(CartItemAdded)
    case quantityChanged(CartItemQuantityChanged)
    case itemRemoved(CartItemRemoved)
    case shippingAddressSet(CartShippingAddressSet)
    case shippingMethodSet(CartShippingMethodSet)
    case merged(CartMerged)
    case mergedIntoCustomerCart(CartMergedIntoCustomerCart)
    case checkedOut(CartCheckedOut)
    case abandoned(CartAbandoned)
    case couponApplied(CartCouponApplied)
    case couponRemoved(CartCouponRemoved)

    public static let payloadTypes: [any EventPayload.Type] = [
        CartCreated.self, CartItemAdded.self, CartItemQuantityChanged.self, CartItemRemoved.self, CartShippingAddressSet.self,
        CartShippingMethodSet.self, CartMerged.self, CartMergedIntoCustomerCart.self, CartCheckedOut.self, CartAbandoned.self,
        CartCouponApplied.self, CartCouponRemoved.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .created(let payload): payload
        case .itemAdded(let payload): payload
        case .quantityChanged(let payload): payload
        case .itemRemoved(let payload): payload
        case .shippingAddressSet(let payload): payload
        case .shippingMethodSet(let payload): payload
        case .merged(let payload): payload
        case .mergedIntoCustomerCart(let payload): payload
        case .checkedOut(let payload): payload
        case .abandoned(let payload): payload
        case .couponApplied(let payload): payload
        case .couponRemoved(let payload): payload
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let payload as CartCreated: self = .created(payload)
        case let payload as CartItemAdded: self = .itemAdded(payload)
        case let payload as CartItemQuantityChanged: self = .quantityChanged(payload)
        case let payload as CartItemRemoved: self = .itemRemoved(payload)
        case let payload as CartShippingAddressSet: self = .shippingAddressSet(payload)
        case let payload as CartShippingMethodSet: self = .shippingMethodSet(payload)
        case let payload as CartMerged: self = .merged(payload)
        case let payload as CartMergedIntoCustomerCart: self = .mergedIntoCustomerCart(payload)
        case let payload as CartCheckedOut: self = .checkedOut(payload)
        case let payload as CartAbandoned: self = .abandoned(payload)
        case let payload as CartCouponApplied: self = .couponApplied(payload)
        case let payload as CartCouponRemoved: self = .couponRemoved(payload)
        default: return nil
        }
    }
}
