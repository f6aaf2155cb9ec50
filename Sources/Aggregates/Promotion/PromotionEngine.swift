import Foundation

/// Prices a cart with its promotions. Pure: the same cart and context always give the same
/// result, which is what checkout records.
///
/// The rules, in order:
/// 1. Offers are the live automatic promotions and the promotions of the cart's coupon codes
///    (a code refused on its own — unknown, withdrawn, used up — is listed with its reason).
///    Each promotion is offered once.
/// 2. Offers are evaluated by ascending `priority`, then promotion id. An offer that does not
///    qualify (window, status, currency, segment, uses, minimum subtotal before discounts,
///    minimum quantity, matching lines) gives nothing; for a code, the reason is listed.
/// 3. A second code applies only when both its promotion and the first code's combine with
///    other codes. A promotion that `stopsLaterPromotions` ends the evaluation once it applies.
/// 4. Each discount is taken from what earlier discounts left of its target, never more:
///    percentages are rounded half away from zero on the target's remaining sum; an order- or
///    lines-level discount is then spread over the targeted lines in proportion to what is left
///    of each, by largest remainder, so the line shares sum exactly to the discount.
/// 5. Tax is charged per line on the line's subtotal less its discounts; shipping is not taxed.
///    `total = subtotal − discount + shipping + tax`.
public enum PromotionEngine {
    struct Offer {
        var promotion: Promotion.State
        var id: PromotionID
        var definition: PromotionDefinition
        var code: CouponCode?
    }

    public static func price(_ cart: Cart.State, pricing: PricingPolicy, context: PromotionContext) throws(DomainError) -> CartPricing {
        guard let currency = cart.currency else { throw DomainError(.notFound, "the cart does not exist") }
        let lines = cart.lines
        var gross: [Int64] = []
        for line in lines { gross.append(try line.unitPrice.times(line.quantity).amount) }
        var remaining = gross
        let subtotal = try Money.sum(gross.map { Money($0, currency) }, currency: currency)
        var shipping = Money.zero(currency)
        if let method = cart.shippingMethod, let country = cart.shippingAddress?.country {
            guard let rate = pricing.shippingRate(method: method, country: country, currency: currency) else {
                throw DomainError(.unsupportedShipping, "\(method) does not ship to \(country) in \(currency)")
            }
            shipping = rate
        }
        var shippingRemaining = shipping.amount

        var statuses: [CouponCode: CouponStatus] = [:]
        var offers: [Offer] = []
        var offered: Set<PromotionID> = []
        for promotion in context.automatic {
            guard let id = promotion.id, let definition = promotion.definition, definition.automatic, offered.insert(id).inserted else { continue }
            offers.append(Offer(promotion: promotion, id: id, definition: definition, code: nil))
        }
        for code in cart.couponCodes {
            guard let offer = context.coupons[code], let promotion = offer.promotion, let id = promotion.id, let definition = promotion.definition else {
                statuses[code] = CouponStatus(code: code, promotionId: nil, refusal: .unknown)
                continue
            }
            if let refusal = offer.coupon.refusal(for: context.shopper.customerId) {
                statuses[code] = CouponStatus(code: code, promotionId: id, refusal: refusal)
                continue
            }
            guard offered.insert(id).inserted else {
                statuses[code] = CouponStatus(code: code, promotionId: id, refusal: .notCombinable)
                continue
            }
            offers.append(Offer(promotion: promotion, id: id, definition: definition, code: code))
        }
        offers.sort { ($0.definition.priority, $0.id.rawValue) < ($1.definition.priority, $1.id.rawValue) }

        var applied: [AppliedDiscount] = []
        var firstCode: Offer?
        var stopped = false
        for offer in offers {
            func refuse(_ refusal: CouponRefusal) {
                if let code = offer.code { statuses[code] = CouponStatus(code: code, promotionId: offer.id, refusal: refusal) }
            }
            if stopped { refuse(.stoppedByEarlierPromotion); continue }
            let rules = offer.definition.rules
            let matching = lines.indices.filter { index in
                rules.target != .lines || (rules.lineFilter?.matches(
                    sku: lines[index].sku, productId: lines[index].productId, categoryPath: context.categories[lines[index].productId] ?? []
                ) ?? true)
            }
            if let refusal = eligibility(offer, currency: currency, subtotal: subtotal.amount,
                                         quantity: matching.reduce(0) { $0 + lines[$1].quantity }, matchingLines: matching.count, context: context) {
                refuse(refusal)
                continue
            }
            if offer.code != nil, let first = firstCode,
               !(first.definition.combinesWithOtherCodes && offer.definition.combinesWithOtherCodes) {
                refuse(.notCombinable)
                continue
            }
            var shares = [Int64](repeating: 0, count: lines.count)
            var shippingShare: Int64 = 0
            switch (rules.kind, rules.target) {
            case (.freeShipping, _):
                shippingShare = shippingRemaining
            case (.percentageOff, .shipping):
                shippingShare = min(shippingRemaining, try Money(shippingRemaining, currency).percentage(basisPoints: rules.basisPoints ?? 0).amount)
            case (.amountOff, .shipping):
                shippingShare = min(shippingRemaining, rules.amounts?[currency.code] ?? 0)
            case (.percentageOff, _), (.amountOff, _):
                let base = matching.reduce(Int64(0)) { $0 + remaining[$1] }
                let discount = rules.kind == .percentageOff
                    ? try Money(base, currency).percentage(basisPoints: rules.basisPoints ?? 0).amount
                    : rules.amounts?[currency.code] ?? 0
                let allocated = Allocation.largestRemainder(min(base, discount), over: matching.map { remaining[$0] })
                for (index, share) in zip(matching, allocated) { shares[index] = share }
            case (.buyXGetY, _):
                let free = freeUnits(lines: lines, matching: matching, buy: rules.buyQuantity ?? 1, get: rules.getQuantity ?? 1)
                guard !free.isEmpty else { refuse(.minimumQuantityNotMet); continue }
                for (index, units) in free {
                    let value = try lines[index].unitPrice.times(units).percentage(basisPoints: rules.basisPoints ?? 10_000).amount
                    shares[index] = min(remaining[index], value)
                }
            }
            for index in lines.indices { remaining[index] -= shares[index] }
            shippingRemaining -= shippingShare
            let lineAmounts = lines.indices.filter { shares[$0] > 0 }.map { LineAmount(sku: lines[$0].sku, amount: Money(shares[$0], currency)) }
            applied.append(AppliedDiscount(
                promotionId: offer.id, name: offer.definition.name, code: offer.code,
                amount: Money(shares.reduce(0, +) + shippingShare, currency), lines: lineAmounts, shipping: Money(shippingShare, currency)
            ))
            if let code = offer.code {
                statuses[code] = CouponStatus(code: code, promotionId: offer.id, refusal: nil)
                if firstCode == nil { firstCode = offer }
            }
            if offer.definition.stopsLaterPromotions { stopped = true }
        }

        var linePrices: [LinePrice] = []
        var tax = Money.zero(currency)
        for (index, line) in lines.enumerated() {
            let discounted = Money(remaining[index], currency)
            var lineTax = Money.zero(currency)
            if let country = cart.shippingAddress?.country {
                lineTax = try discounted.percentage(basisPoints: pricing.taxRate(category: line.taxCategory, country: country))
            }
            tax = try tax.adding(lineTax)
            linePrices.append(LinePrice(
                sku: line.sku, subtotal: Money(gross[index], currency), discount: Money(gross[index] - remaining[index], currency),
                tax: lineTax, total: try discounted.adding(lineTax)
            ))
        }
        let discount = try Money.sum(applied.map(\.amount), currency: currency)
        let total = try subtotal.subtracting(discount).adding(shipping).adding(tax)
        return CartPricing(
            lines: linePrices, discounts: applied, coupons: cart.couponCodes.compactMap { statuses[$0] },
            totals: CartTotals(subtotal: subtotal, discount: discount, shipping: shipping, tax: tax, total: total)
        )
    }

    /// Why an offer does not qualify, before its amount is worked out; nil when it does.
    static func eligibility(_ offer: Offer, currency: Currency, subtotal: Int64, quantity: Int, matchingLines: Int, context: PromotionContext) -> CouponRefusal? {
        let definition = offer.definition
        let rules = definition.rules
        guard offer.promotion.status == .active else { return .promotionInactive }
        if let from = definition.validFrom, context.now < from { return .notStarted }
        if let until = definition.validUntil, context.now >= until { return .expired }
        if let limit = definition.usageLimit, offer.promotion.uses >= limit { return .usedUp }
        let customer = context.shopper.customerId
        if let limit = definition.perCustomerLimit {
            guard let customer else { return .signInRequired }
            if offer.promotion.uses(by: customer) >= limit { return .usedUpByCustomer }
        }
        if let currencies = rules.currencies, !currencies.contains(currency.code) { return .currencyNotSupported }
        if rules.kind == .amountOff, rules.amounts?[currency.code] == nil { return .currencyNotSupported }
        switch rules.segment {
        case .everyone: break
        case .signedIn: if customer == nil { return .segmentExcluded }
        case .firstOrder: if customer == nil || context.shopper.hasOrderedBefore { return .segmentExcluded }
        case .listedCustomers: if customer == nil || !(rules.customerIds ?? []).contains(customer!) { return .segmentExcluded }
        }
        if let minimums = rules.minimumSubtotal {
            guard let minimum = minimums[currency.code] else { return .currencyNotSupported }
            if subtotal < minimum { return .minimumSubtotalNotMet }
        }
        if rules.target == .lines && matchingLines == 0 { return .noMatchingLines }
        if let minimum = rules.minimumQuantity, quantity < minimum { return .minimumQuantityNotMet }
        return nil
    }

    /// Buy X get Y: for every `buy + get` matching units, `get` are discounted, and they are the
    /// cheapest units of the whole selection (ties: the later line), counted per line.
    static func freeUnits(lines: [CartLine], matching: [Int], buy: Int, get: Int) -> [(index: Int, units: Int)] {
        var units: [(price: Int64, index: Int)] = []
        for index in matching { units += Array(repeating: (lines[index].unitPrice.amount, index), count: lines[index].quantity) }
        units.sort { $0.price != $1.price ? $0.price > $1.price : $0.index < $1.index }
        let freeCount = units.count / (buy + get) * get
        guard freeCount > 0 else { return [] }
        var perLine: [Int: Int] = [:]
        for unit in units.suffix(freeCount) { perLine[unit.index, default: 0] += 1 }
        return perLine.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
