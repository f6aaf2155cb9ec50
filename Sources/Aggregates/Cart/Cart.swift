import Foundation

/// A shopping cart, for a customer or a guest, in one currency.
///
/// Lines keep the unit price from when they were added. The shipping method is a flat rate by
/// zone; tax comes from the rate table (see ``PricingPolicy``). Checking out closes the cart and
/// records its lines and totals for the order; so do abandonment after inactivity and merging a
/// guest cart into the customer's cart at sign-in.
public enum Cart: Decider {
    public enum Status: String, Codable, Sendable {
        case open, checkedOut, abandoned, merged
    }

    public struct State: Sendable, Equatable, Encodable {
        public var id: CartID?
        public var owner: CartOwner?
        public var currency: Currency?
        public var lines: [CartLine] = []
        public var shippingAddress: Address?
        public var shippingMethod: String?
        public var status = Status.open

        public func line(_ sku: SKU) -> CartLine? { lines.first { $0.sku == sku } }

        /// Coupon codes the customer entered, in order.
        public var couponCodes: [CouponCode] = []
        /// The prices it was checked out at.
        public var checkout: CartPricing?

        /// Subtotal, discounts, shipping, tax and total under `pricing` and the promotions of
        /// `promotions`; shipping is zero until an address and a method are set.
        public func priced(_ pricing: PricingPolicy, promotions: PromotionContext) throws(DomainError) -> CartPricing {
            try PromotionEngine.price(self, pricing: pricing, context: promotions)
        }

        /// The totals without any promotion.
        public func totals(_ pricing: PricingPolicy) throws(DomainError) -> CartTotals {
            try priced(pricing, promotions: .none(at: Date(timeIntervalSince1970: 0))).totals
        }
    }

    public enum Command: Sendable {
        case create(id: CartID, owner: CartOwner, currency: Currency)
        case addItem(CartLine)
        case changeQuantity(sku: SKU, quantity: Int)
        case removeItem(sku: SKU)
        case setShippingAddress(Address)
        case setShippingMethod(method: String, pricing: PricingPolicy)
        /// Into this customer's cart, the lines of a guest cart (quantities of the same SKU add up).
        case mergeGuestCart(guestCartId: CartID, lines: [CartLine])
        /// Closes this guest cart after its lines went into the customer's cart.
        case markMerged(into: CartID)
        /// Adds a coupon code the caller found usable (see ``CouponRefusal/refusesAdding``).
        case applyCoupon(CouponCode)
        case removeCoupon(CouponCode)
        /// Closes the cart at its prices under `promotions`. Refused when a coupon code ran out
        /// of uses: the customer was shown its discount.
        case checkOut(orderId: OrderID, pricing: PricingPolicy, promotions: PromotionContext)
        /// Closes an open cart whose last change (`lastActivityAt`) is older than `inactivity`.
        case abandon(lastActivityAt: Date, inactivity: TimeInterval)
    }

    public typealias Event = CartEvent
    public static let initialState = State()
    static let maximumLines = 100
    static let maximumQuantity = 999
    static let maximumCoupons = 5

    public static func decide(_ command: Command, _ state: State, _ context: DecisionContext) throws(DomainError) -> [Event] {
        if case .create(let id, let owner, let currency) = command {
            guard state.id == nil else { throw DomainError(.alreadyExists, "cart \(id) exists already") }
            if case .guest(let token) = owner { try validateText(token, "guest token", maximum: 200) }
            return [.created(CartCreated(cartId: id, owner: owner, currency: currency))]
        }
        guard let id = state.id, let currency = state.currency else { throw DomainError(.notFound, "the cart does not exist") }
        guard state.status == .open else { throw DomainError(.cartClosed, "cart \(id) is \(state.status.rawValue)") }

        switch command {
        case .create:
            preconditionFailure("handled above")

        case .addItem(let line):
            try requirePositive(line.quantity, "quantity", maximum: maximumQuantity)
            try validateText(line.name, "item name", maximum: 200)
            try requireCurrency(line.unitPrice, currency)
            guard line.unitPrice.amount > 0 else { throw DomainError(.invalidAmount, "a unit price must be positive") }
            if let existing = state.line(line.sku) {
                let quantity = existing.quantity + line.quantity
                try requirePositive(quantity, "quantity of \(line.sku)", maximum: maximumQuantity)
                var updated = existing
                updated.quantity = quantity
                return [.itemAdded(CartItemAdded(cartId: id, line: updated, quantityAdded: line.quantity))]
            }
            guard state.lines.count < maximumLines else { throw DomainError(.tooManyLines, "a cart holds at most \(maximumLines) lines") }
            return [.itemAdded(CartItemAdded(cartId: id, line: line, quantityAdded: line.quantity))]

        case .changeQuantity(let sku, let quantity):
            guard let line = state.line(sku) else { throw DomainError(.unknownLine, "cart \(id) has no line for \(sku)") }
            try requirePositive(quantity, "quantity", maximum: maximumQuantity)
            guard quantity != line.quantity else { return [] }
            return [.quantityChanged(CartItemQuantityChanged(cartId: id, sku: sku, quantity: quantity, previousQuantity: line.quantity))]

        case .removeItem(let sku):
            guard state.line(sku) != nil else { throw DomainError(.unknownLine, "cart \(id) has no line for \(sku)") }
            return [.itemRemoved(CartItemRemoved(cartId: id, sku: sku))]

        case .setShippingAddress(let address):
            try address.validate()
            guard address != state.shippingAddress else { return [] }
            return [.shippingAddressSet(CartShippingAddressSet(cartId: id, address: address, owner: state.owner))]

        case .setShippingMethod(let method, let pricing):
            guard let country = state.shippingAddress?.country else {
                throw DomainError(.shippingMissing, "set the shipping address before the method")
            }
            guard let rate = pricing.shippingRate(method: method, country: country, currency: currency) else {
                throw DomainError(.unsupportedShipping, "\(method.prefix(50)) does not ship to \(country) in \(currency)")
            }
            return [.shippingMethodSet(CartShippingMethodSet(cartId: id, method: method, rate: rate))]

        case .mergeGuestCart(let guestCartId, let guestLines):
            guard case .customer = state.owner else { throw DomainError(.invalidTransition, "only a customer's cart takes a guest cart") }
            guard guestCartId != id else { throw DomainError(.invalidValue, "a cart cannot be merged into itself") }
            var lines = state.lines
            for guestLine in guestLines {
                try requireCurrency(guestLine.unitPrice, currency)
                if let index = lines.firstIndex(where: { $0.sku == guestLine.sku }) {
                    lines[index].quantity = min(maximumQuantity, lines[index].quantity + guestLine.quantity)
                } else {
                    lines.append(guestLine)
                }
            }
            guard lines.count <= maximumLines else { throw DomainError(.tooManyLines, "the merged cart would hold \(lines.count) lines") }
            return [.merged(CartMerged(cartId: id, guestCartId: guestCartId, lines: lines))]

        case .markMerged(let customerCartId):
            guard case .guest = state.owner else { throw DomainError(.invalidTransition, "only a guest cart is merged into another") }
            return [.mergedIntoCustomerCart(CartMergedIntoCustomerCart(cartId: id, customerCartId: customerCartId))]

        case .applyCoupon(let code):
            guard !state.couponCodes.contains(code) else { return [] }
            guard state.couponCodes.count < maximumCoupons else {
                throw DomainError(.couponNotCombinable, "a cart holds at most \(maximumCoupons) coupon codes")
            }
            return [.couponApplied(CartCouponApplied(cartId: id, code: code))]

        case .removeCoupon(let code):
            guard state.couponCodes.contains(code) else { throw DomainError(.unknownCoupon, "cart \(id) has no code \(code)") }
            return [.couponRemoved(CartCouponRemoved(cartId: id, code: code))]

        case .checkOut(let orderId, let pricing, let promotions):
            guard !state.lines.isEmpty else { throw DomainError(.emptyCart, "cart \(id) is empty") }
            guard let address = state.shippingAddress, let method = state.shippingMethod, let owner = state.owner else {
                throw DomainError(.shippingMissing, "cart \(id) needs a shipping address and method before checkout")
            }
            let priced = try state.priced(pricing, promotions: promotions)
            if let exhausted = priced.coupons.first(where: { $0.refusal?.isExhaustion == true }) {
                throw DomainError(.promotionUsedUp, "the code \(exhausted.code) of promotion \(exhausted.promotionId?.rawValue ?? "?"): \(exhausted.refusal!.explanation)")
            }
            return [.checkedOut(CartCheckedOut(
                cartId: id, orderId: orderId, owner: owner, lines: state.lines,
                shippingAddress: address, shippingMethod: method, totals: priced.totals, discounts: priced.discounts, linePrices: priced.lines
            ))]

        case .abandon(let lastActivityAt, let inactivity):
            guard context.now.timeIntervalSince(lastActivityAt) >= inactivity else {
                throw DomainError(.invalidTransition, "cart \(id) was active \(Int(context.now.timeIntervalSince(lastActivityAt))) s ago")
            }
            return [.abandoned(CartAbandoned(cartId: id, lastActivityAt: lastActivityAt))]
        }
    }

    public static func evolve(_ state: State, _ event: Event) -> State {
        var state = state
        switch event {
        case .created(let event):
            state.id = event.cartId
            state.owner = event.owner
            state.currency = event.currency
        case .itemAdded(let event):
            if let index = state.lines.firstIndex(where: { $0.sku == event.line.sku }) {
                state.lines[index] = event.line
            } else {
                state.lines.append(event.line)
            }
        case .quantityChanged(let event):
            if let index = state.lines.firstIndex(where: { $0.sku == event.sku }) {
                state.lines[index].quantity = event.quantity
            }
        case .itemRemoved(let event):
            state.lines.removeAll { $0.sku == event.sku }
        case .shippingAddressSet(let event):
            state.shippingAddress = event.address
        case .shippingMethodSet(let event):
            state.shippingMethod = event.method
        case .merged(let event):
            state.lines = event.lines
        case .mergedIntoCustomerCart:
            state.status = .merged
        case .checkedOut(let event):
            state.status = .checkedOut
            state.checkout = CartPricing(lines: event.linePrices ?? [], discounts: event.discounts, coupons: [], totals: event.totals)
        case .abandoned:
            state.status = .abandoned
        case .couponApplied(let event):
            state.couponCodes.append(event.code)
        case .couponRemoved(let event):
            state.couponCodes.removeAll { $0 == event.code }
        }
        return state
    }

    private static func requireCurrency(_ money: Money, _ currency: Currency) throws(DomainError) {
        guard money.currency == currency else {
            throw DomainError(.currencyMismatch, "this cart is in \(currency); the price is in \(money.currency)")
        }
    }
}

extension Cart.State: PersonalDataHolding {
    /// The shipping address, once set.
    public var holdsPersonalData: Bool { shippingAddress != nil }
}
