/// A command the domain refuses, with a stable code clients can match on.
public struct DomainError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        // Money and values
        public static let currencyMismatch = Code(rawValue: "money.currency_mismatch")
        public static let unknownCurrency = Code(rawValue: "money.unknown_currency")
        public static let moneyOverflow = Code(rawValue: "money.overflow")
        public static let invalidAmount = Code(rawValue: "money.invalid_amount")
        public static let invalidID = Code(rawValue: "validation.invalid_id")
        public static let invalidQuantity = Code(rawValue: "validation.invalid_quantity")
        public static let invalidValue = Code(rawValue: "validation.invalid_value")

        // Lifecycle
        public static let alreadyExists = Code(rawValue: "aggregate.already_exists")
        public static let notFound = Code(rawValue: "aggregate.not_found")
        public static let invalidTransition = Code(rawValue: "aggregate.invalid_transition")

        // Product
        public static let duplicateVariant = Code(rawValue: "product.duplicate_variant")
        public static let unknownVariant = Code(rawValue: "product.unknown_variant")
        public static let notPublishable = Code(rawValue: "product.not_publishable")
        public static let productDiscontinued = Code(rawValue: "product.discontinued")
        public static let unknownImage = Code(rawValue: "product.unknown_image")
        public static let unknownTranslation = Code(rawValue: "product.unknown_translation")
        public static let unknownSpecification = Code(rawValue: "product.unknown_specification")
        public static let duplicateProductSlug = Code(rawValue: "product.duplicate_slug")

        // Categories
        /// A category named as a parent or a product's category that the tree lacks.
        public static let unknownCategory = Code(rawValue: "category.unknown")
        public static let duplicateCategory = Code(rawValue: "category.duplicate")
        public static let categoryNotEmpty = Code(rawValue: "category.not_empty")
        public static let categoryTooDeep = Code(rawValue: "category.too_deep")
        public static let invalidCategoryMove = Code(rawValue: "category.invalid_move")

        // Inventory
        public static let insufficientStock = Code(rawValue: "inventory.insufficient_stock")
        public static let negativeStock = Code(rawValue: "inventory.negative_stock")
        public static let unknownReservation = Code(rawValue: "inventory.unknown_reservation")
        public static let duplicateReservation = Code(rawValue: "inventory.duplicate_reservation")

        // Cart
        public static let cartClosed = Code(rawValue: "cart.closed")
        public static let emptyCart = Code(rawValue: "cart.empty")
        public static let unknownLine = Code(rawValue: "cart.unknown_line")
        public static let shippingMissing = Code(rawValue: "cart.shipping_missing")
        public static let unsupportedShipping = Code(rawValue: "cart.unsupported_shipping")
        public static let tooManyLines = Code(rawValue: "cart.too_many_lines")

        // Order
        public static let orderNotPaid = Code(rawValue: "order.not_paid")
        public static let overFulfilment = Code(rawValue: "order.over_fulfilment")
        public static let overReturn = Code(rawValue: "order.over_return")
        public static let overRefund = Code(rawValue: "order.over_refund")

        // Payment
        public static let overCapture = Code(rawValue: "payment.over_capture")
        public static let paymentOverRefund = Code(rawValue: "payment.over_refund")
        public static let unknownOperation = Code(rawValue: "payment.unknown_operation")

        // Promotions
        public static let invalidPromotion = Code(rawValue: "promotion.invalid_rules")
        public static let promotionUsedUp = Code(rawValue: "promotion.used_up")
        public static let promotionInactive = Code(rawValue: "promotion.inactive")
        public static let unknownCoupon = Code(rawValue: "coupon.unknown")
        public static let couponNotUsable = Code(rawValue: "coupon.not_usable")
        public static let couponNotCombinable = Code(rawValue: "coupon.not_combinable")
        public static let duplicateCoupon = Code(rawValue: "coupon.duplicate")

        // Reviews
        public static let duplicateReview = Code(rawValue: "review.duplicate")
        public static let notReviewAuthor = Code(rawValue: "review.not_author")
        public static let ownReview = Code(rawValue: "review.own_review")

        // Wishlists
        public static let wishlistFull = Code(rawValue: "wishlist.full")
        public static let duplicateWishlist = Code(rawValue: "wishlist.duplicate_name")
        public static let defaultWishlist = Code(rawValue: "wishlist.default_list")
        public static let notOnWishlist = Code(rawValue: "wishlist.unknown_item")

        // Events
        public static let unknownEventType = Code(rawValue: "event.unknown_type")
        public static let unknownEventVersion = Code(rawValue: "event.unknown_version")
        public static let malformedEvent = Code(rawValue: "event.malformed")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}

/// Checks that a quantity is a positive whole number no larger than `maximum`.
func requirePositive(_ quantity: Int, _ what: String, maximum: Int = 1_000_000) throws(DomainError) {
    guard quantity > 0 else { throw DomainError(.invalidQuantity, "\(what) must be positive, not \(quantity)") }
    guard quantity <= maximum else { throw DomainError(.invalidQuantity, "\(what) \(quantity) is over the limit of \(maximum)") }
}
