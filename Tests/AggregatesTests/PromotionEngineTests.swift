@testable import Aggregates
import Foundation
import PropertyBased
import Testing

/// Promotions as given / when / then values: each expected figure is worked out by hand in
/// the comment above it, from the rules as documented on ``PromotionEngine``.
@Suite("Promotions")
struct PromotionEngineTests {
    static let customer: CustomerID = id("cust-1")

    /// A cart in `currency` with `lines` (sku, unit price, quantity), shipped standard to `country`.
    static func cart(_ lines: [(String, Int64, Int)], currency: Currency = .EUR, country: String? = "DE", codes: [String] = []) -> Cart.State {
        var state = Cart.State()
        state.id = id("cart-1")
        state.owner = .customer(customer)
        state.currency = currency
        state.lines = lines.map { CartLine(sku: id($0.0), productId: id("p-" + $0.0), name: $0.0, quantity: $0.2, unitPrice: Money($0.1, currency)) }
        if let country {
            state.shippingAddress = Address(name: "A", line1: "B", city: "C", postalCode: "1", country: country)
            state.shippingMethod = "standard"
        }
        state.couponCodes = codes.map { try! CouponCode($0) }
        return state
    }

    static func promotion(_ name: String, _ rules: PromotionRules, automatic: Bool = true, priority: Int = 100, stops: Bool = false,
                          combines: Bool = false, from: Date? = nil, until: Date? = nil, usageLimit: Int? = nil, perCustomer: Int? = nil,
                          status: Promotion.Status = .active) -> Promotion.State {
        var state = Promotion.State()
        state.id = id(name)
        state.definition = PromotionDefinition(name: name, rules: rules, automatic: automatic, priority: priority, stopsLaterPromotions: stops,
                                               combinesWithOtherCodes: combines, validFrom: from, validUntil: until, usageLimit: usageLimit,
                                               perCustomerLimit: perCustomer)
        state.status = status
        return state
    }

    static func coupon(_ code: String, of promotion: Promotion.State, usageLimit: Int? = nil, perCustomer: Int? = nil) -> (CouponCode, PromotionContext.CouponOffer) {
        var state = Coupon.State()
        state.code = try! CouponCode(code)
        state.promotionId = promotion.id
        state.usageLimit = usageLimit
        state.perCustomerLimit = perCustomer
        return (state.code!, PromotionContext.CouponOffer(coupon: state, promotion: promotion))
    }

    static func offers(automatic: [Promotion.State] = [], coupons: [(CouponCode, PromotionContext.CouponOffer)] = [], guest: Bool = false,
                        orderedBefore: Bool = false, categories: [ProductID: [String]] = [:], at time: Date = now) -> PromotionContext {
        PromotionContext(automatic: automatic, coupons: Dictionary(uniqueKeysWithValues: coupons),
                         shopper: Shopper(customerId: guest ? nil : customer, hasOrderedBefore: orderedBefore), categories: categories, now: time)
    }

    static func price(_ cart: Cart.State, _ context: PromotionContext) throws -> CartPricing {
        try cart.priced(.standard, promotions: context)
    }

    @Test("10 % off the order is spread over the lines by largest remainder; tax is on the discounted lines")
    func percentageOffOrder() throws {
        let cart = Self.cart([("A", 333, 3), ("B", 1001, 1), ("C", 500, 2)])
        let priced = try Self.price(cart, Self.offers(automatic: [Self.promotion("ten", PromotionRules(kind: .percentageOff, target: .order, basisPoints: 1000))]))
        // Subtotal 999 + 1001 + 1000 = 3000; 10 % = 300. Exact shares 99.9, 100.1, 100.0 → floors
        // 99, 100, 100 (299); the one unit left goes to the largest remainder, A (.9): 100 each.
        #expect(priced.discounts.map(\.amount) == [eur(300)])
        #expect(priced.lines.map(\.discount) == [eur(100), eur(100), eur(100)])
        // Tax DE 19 % per line on 899, 901, 900: 170.81 → 171, 171.19 → 171, 171.
        #expect(priced.lines.map(\.tax) == [eur(171), eur(171), eur(171)])
        // 3000 − 300 + 495 (standard DE) + 513.
        #expect(priced.totals == CartTotals(subtotal: eur(3000), discount: eur(300), shipping: eur(495), tax: eur(513), total: eur(3708)))
    }

    @Test("a fixed amount off the lines of a category, never more than they cost")
    func amountOffCategoryLines() throws {
        let rules = PromotionRules(kind: .amountOff, target: .lines, amounts: ["EUR": 1500], lineFilter: LineFilter(categoryPrefix: ["Apparel"]))
        let categories: [ProductID: [String]] = [id("p-TEE"): ["Apparel", "Shirts"], id("p-CAP"): ["Apparel"], id("p-MUG"): ["Home"]]
        let cart = Self.cart([("TEE", 2000, 1), ("CAP", 1000, 1), ("MUG", 900, 1)])
        let priced = try Self.price(cart, Self.offers(automatic: [Self.promotion("fifteen", rules)], categories: categories))
        // 1500 over TEE 2000 and CAP 1000: 1000 and 500; the mug is not apparel.
        #expect(priced.lines.map(\.discount) == [eur(1000), eur(500), eur(0)])
        // 2000 off 1500 of apparel: only what the lines cost.
        var big = rules
        big.amounts = ["EUR": 5000]
        let capped = try Self.price(cart, Self.offers(automatic: [Self.promotion("fifty", big)], categories: categories))
        #expect(capped.lines.map(\.discount) == [eur(2000), eur(1000), eur(0)])
        #expect(capped.totals.discount == eur(3000))
    }

    @Test("free shipping from a minimum subtotal: exactly met applies, one cent short does not")
    func minimumSubtotalBoundary() throws {
        let rules = PromotionRules(kind: .freeShipping, target: .shipping, minimumSubtotal: ["EUR": 3000])
        let code = Self.coupon("SHIPFREE", of: Self.promotion("ship", rules, automatic: false))
        let met = try Self.price(Self.cart([("A", 1500, 2)], codes: ["SHIPFREE"]), Self.offers(coupons: [code]))
        #expect(met.discounts.map(\.shipping) == [eur(495)])
        #expect(met.totals.total == eur(3000 + 570))  // 3000 + 495 − 495 + 19 % of 3000
        let short = try Self.price(Self.cart([("A", 1500, 1), ("B", 1499, 1)], codes: ["SHIPFREE"]), Self.offers(coupons: [code]))
        #expect(short.discounts.isEmpty)
        #expect(short.coupons.map(\.refusal) == [.minimumSubtotalNotMet])
        #expect(short.coupons.map(\.applied) == [false])
    }

    @Test("shipping targets: a percentage or an amount off the shipping, never below zero; a minimum quantity of the targeted lines")
    func shippingTargetsAndMinimumQuantity() throws {
        let cart = Self.cart([("A", 1000, 2), ("B", 500, 1)])
        // 50 % of the 495 standard DE rate: 247.5 → 248.
        let half = Self.promotion("half-ship", PromotionRules(kind: .percentageOff, target: .shipping, basisPoints: 5000))
        let halved = try Self.price(cart, Self.offers(automatic: [half]))
        #expect(halved.discounts.map(\.shipping) == [eur(248)] && halved.discounts.map(\.lines) == [[]])
        // 1000 off a 495 shipping: 495, nothing off the lines.
        let more = Self.promotion("more", PromotionRules(kind: .amountOff, target: .shipping, amounts: ["EUR": 1000]))
        let capped = try Self.price(cart, Self.offers(automatic: [more]))
        #expect(capped.totals.discount == eur(495) && capped.lines.allSatisfy { $0.discount == eur(0) })
        // At least 3 units of A: the cart has 2 → not met; with 3 → 10 % of A's 3000 = 300.
        let bulk = Self.coupon("BULK", of: Self.promotion("bulk", PromotionRules(
            kind: .percentageOff, target: .lines, basisPoints: 1000, lineFilter: LineFilter(skus: [id("A")]), minimumQuantity: 3), automatic: false))
        var codes = cart
        codes.couponCodes = [bulk.0]
        #expect(try Self.price(codes, Self.offers(coupons: [bulk])).coupons.first?.refusal == .minimumQuantityNotMet)
        codes.lines[0].quantity = 3
        let met = try Self.price(codes, Self.offers(coupons: [bulk]))
        #expect(met.lines.map(\.discount) == [eur(300), eur(0)])
        // A filter no line matches.
        let none = Self.coupon("NONE", of: Self.promotion("none", PromotionRules(
            kind: .percentageOff, target: .lines, basisPoints: 1000, lineFilter: LineFilter(productIds: [id("p-Z")])), automatic: false))
        codes.couponCodes = [none.0]
        #expect(try Self.price(codes, Self.offers(coupons: [none])).coupons.first?.refusal == .noMatchingLines)
    }

    @Test("the validity window: from is inclusive, until is exclusive")
    func validityWindow() throws {
        let from = now.addingTimeInterval(-3600)
        let until = now.addingTimeInterval(3600)
        let rules = PromotionRules(kind: .percentageOff, target: .order, basisPoints: 5000)
        let code = Self.coupon("HALF", of: Self.promotion("half", rules, automatic: false, from: from, until: until))
        let cart = Self.cart([("A", 1000, 1)], codes: ["HALF"])
        #expect(try Self.price(cart, Self.offers(coupons: [code], at: from)).totals.discount == eur(500))
        #expect(try Self.price(cart, Self.offers(coupons: [code], at: until.addingTimeInterval(-0.001))).totals.discount == eur(500))
        #expect(try Self.price(cart, Self.offers(coupons: [code], at: until)).coupons.first?.refusal == .expired)
        #expect(try Self.price(cart, Self.offers(coupons: [code], at: from.addingTimeInterval(-1))).coupons.first?.refusal == .notStarted)
        // An inactive promotion gives nothing whatever the time.
        let paused = Self.coupon("HALF", of: Self.promotion("half", rules, automatic: false, status: .inactive))
        #expect(try Self.price(cart, Self.offers(coupons: [paused])).coupons.first?.refusal == .promotionInactive)
    }

    @Test("a fixed amount in another currency than the cart's does not apply")
    func currencyMismatch() throws {
        let rules = PromotionRules(kind: .amountOff, target: .order, amounts: ["EUR": 500])
        let code = Self.coupon("FIVE", of: Self.promotion("five", rules, automatic: false))
        let priced = try Self.price(Self.cart([("A", 1000, 1)], currency: .USD, country: "US", codes: ["FIVE"]), Self.offers(coupons: [code]))
        #expect(priced.coupons.first?.refusal == .currencyNotSupported)
        #expect(priced.totals.discount == Money(0, .USD))
        let listed = Self.coupon("ONLYUSD", of: Self.promotion("usd", PromotionRules(kind: .percentageOff, target: .order, basisPoints: 100, currencies: ["USD"]), automatic: false))
        #expect(try Self.price(Self.cart([("A", 1000, 1)], codes: ["ONLYUSD"]), Self.offers(coupons: [listed])).coupons.first?.refusal == .currencyNotSupported)
    }

    @Test("buy 2 get 1: the cheapest unit of every three is free")
    func buyXGetY() throws {
        let rules = PromotionRules(kind: .buyXGetY, target: .lines, buyQuantity: 2, getQuantity: 1)
        let promotion = Self.promotion("3for2", rules)
        // Units 1000, 1000, 1000, 400: one group of three → one free unit, the cheapest: 400.
        let one = try Self.price(Self.cart([("X", 1000, 3), ("Y", 400, 1)]), Self.offers(automatic: [promotion]))
        #expect(one.lines.map(\.discount) == [eur(0), eur(400)])
        // Units 1000 ×3, 400, 300 ×2: two groups → the two cheapest units, both 300.
        let two = try Self.price(Self.cart([("X", 1000, 3), ("Y", 400, 1), ("Z", 300, 2)]), Self.offers(automatic: [promotion]))
        #expect(two.lines.map(\.discount) == [eur(0), eur(0), eur(600)])
        // Two units only: no group, nothing free.
        #expect(try Self.price(Self.cart([("X", 1000, 2)]), Self.offers(automatic: [promotion])).discounts.isEmpty)
        // Half off instead of free: 50 % of the 400 unit.
        var half = rules
        half.basisPoints = 5000
        #expect(try Self.price(Self.cart([("X", 1000, 3), ("Y", 400, 1)]), Self.offers(automatic: [Self.promotion("half", half)])).totals.discount == eur(200))
    }

    @Test("stacking: by priority, each on what the earlier left; a stopping promotion ends it")
    func stacking() throws {
        let tenPercent = Self.promotion("a-ten", PromotionRules(kind: .percentageOff, target: .order, basisPoints: 1000), priority: 10)
        let fiveEuro = Self.promotion("b-five", PromotionRules(kind: .amountOff, target: .order, amounts: ["EUR": 500]), automatic: false, priority: 20)
        let code = Self.coupon("FIVE", of: fiveEuro)
        let cart = Self.cart([("A", 10_000, 1)], codes: ["FIVE"])
        // 10 % of 10000 = 1000 first (priority 10), then 500 off the 9000 left.
        let stacked = try Self.price(cart, Self.offers(automatic: [tenPercent], coupons: [code]))
        #expect(stacked.discounts.map(\.amount) == [eur(1000), eur(500)])
        #expect(stacked.discounts.map(\.promotionId.rawValue) == ["a-ten", "b-five"])
        // The other way round (the code first): 500, then 10 % of 9500 = 950.
        let reversed = Self.promotion("a-ten", PromotionRules(kind: .percentageOff, target: .order, basisPoints: 1000), priority: 30)
        #expect(try Self.price(cart, Self.offers(automatic: [reversed], coupons: [code])).discounts.map(\.amount) == [eur(500), eur(950)])
        // A stop after the first: the code is listed as stopped.
        let stopping = Self.promotion("a-ten", PromotionRules(kind: .percentageOff, target: .order, basisPoints: 1000), priority: 10, stops: true)
        let stopped = try Self.price(cart, Self.offers(automatic: [stopping], coupons: [code]))
        #expect(stopped.discounts.map(\.amount) == [eur(1000)])
        #expect(stopped.coupons.map(\.refusal) == [.stoppedByEarlierPromotion])
    }

    @Test("one code per cart unless both promotions combine")
    func codeCombination() throws {
        let rules = PromotionRules(kind: .amountOff, target: .order, amounts: ["EUR": 100])
        let first = Self.coupon("FIRST", of: Self.promotion("p1", rules, automatic: false, priority: 1))
        let second = Self.coupon("SECOND", of: Self.promotion("p2", rules, automatic: false, priority: 2))
        let cart = Self.cart([("A", 1000, 1)], codes: ["FIRST", "SECOND"])
        let alone = try Self.price(cart, Self.offers(coupons: [first, second]))
        #expect(alone.coupons.map(\.refusal) == [nil, .notCombinable])
        let firstCombines = Self.coupon("FIRST", of: Self.promotion("p1", rules, automatic: false, priority: 1, combines: true))
        let secondCombines = Self.coupon("SECOND", of: Self.promotion("p2", rules, automatic: false, priority: 2, combines: true))
        #expect(try Self.price(cart, Self.offers(coupons: [firstCombines, secondCombines])).totals.discount == eur(200))
        #expect(try Self.price(cart, Self.offers(coupons: [firstCombines, second])).coupons.map(\.refusal) == [nil, .notCombinable])
    }

    @Test("segments: signed in, first order, listed customers")
    func segments() throws {
        func code(_ segment: PromotionRules.Segment, customers: [CustomerID]? = nil) -> (CouponCode, PromotionContext.CouponOffer) {
            Self.coupon("SEG", of: Self.promotion("seg", PromotionRules(kind: .percentageOff, target: .order, basisPoints: 1000, segment: segment, customerIds: customers), automatic: false))
        }
        let cart = Self.cart([("A", 1000, 1)], codes: ["SEG"])
        #expect(try Self.price(cart, Self.offers(coupons: [code(.signedIn)], guest: true)).coupons.first?.refusal == .segmentExcluded)
        #expect(try Self.price(cart, Self.offers(coupons: [code(.signedIn)])).coupons.first?.applied == true)
        #expect(try Self.price(cart, Self.offers(coupons: [code(.firstOrder)], orderedBefore: true)).coupons.first?.refusal == .segmentExcluded)
        #expect(try Self.price(cart, Self.offers(coupons: [code(.firstOrder)])).coupons.first?.applied == true)
        #expect(try Self.price(cart, Self.offers(coupons: [code(.listedCustomers, customers: [id("other")])])).coupons.first?.refusal == .segmentExcluded)
        #expect(try Self.price(cart, Self.offers(coupons: [code(.listedCustomers, customers: [Self.customer])])).coupons.first?.applied == true)
    }

    @Test("limits: a used-up code is listed and refuses checkout; unknown codes are listed")
    func limits() throws {
        let promotion = Self.promotion("limited", PromotionRules(kind: .percentageOff, target: .order, basisPoints: 1000), automatic: false, usageLimit: 1)
        var used = promotion
        used.redemptions[id("o-1")] = .some(id("someone"))
        let cart = Self.cart([("A", 1000, 1)], codes: ["LIMITED", "NOSUCH"])
        let priced = try Self.price(cart, Self.offers(coupons: [Self.coupon("LIMITED", of: used)]))
        #expect(priced.coupons.map(\.refusal) == [.usedUp, .unknown])
        let checkout = Cart.Command.checkOut(orderId: id("o-2"), pricing: .standard, promotions: Self.offers(coupons: [Self.coupon("LIMITED", of: used)]))
        let outcome = Result { () throws(DomainError) in try Cart.decide(checkout, cart, context) }
        #expect(outcome.failureCode == .promotionUsedUp, "checkout with a used-up code is refused")
        // Per customer on the code: a guest must sign in; the customer's second use is refused.
        var perCustomer = Self.coupon("ONCE", of: promotion, perCustomer: 1)
        let onceCart = Self.cart([("A", 1000, 1)], codes: ["ONCE"])
        #expect(try Self.price(onceCart, Self.offers(coupons: [perCustomer], guest: true)).coupons.first?.refusal == .signInRequired)
        perCustomer.1.coupon.redemptions[id("o-1")] = .some(Self.customer)
        #expect(try Self.price(onceCart, Self.offers(coupons: [perCustomer])).coupons.first?.refusal == .usedUpByCustomer)
    }

    @Test("the promotion counts uses: the last one goes once, a release gives it back")
    func promotionRedemptions() throws {
        let created = PromotionEvent.created(PromotionCreated(promotionId: id("p"), definition: PromotionDefinition(
            name: "P", rules: PromotionRules(kind: .percentageOff, target: .order, basisPoints: 1000), automatic: false, usageLimit: 1)))
        let history: [PromotionEvent] = [created, .activated(PromotionActivated(promotionId: id("p")))]
        let redeemed = try given(Promotion.self, history, when: .redeem(orderId: id("o-1"), customerId: Self.customer))
        #expect(redeemed == [.redeemed(PromotionRedeemed(promotionId: id("p"), orderId: id("o-1"), customerId: Self.customer))])
        expectRefusal(Promotion.self, history + redeemed, when: .redeem(orderId: id("o-2"), customerId: nil), code: .promotionUsedUp)
        #expect(try given(Promotion.self, history + redeemed, when: .redeem(orderId: id("o-1"), customerId: Self.customer)).isEmpty, "the same order again: nothing")
        let released = try given(Promotion.self, history + redeemed, when: .release(orderId: id("o-1")))
        #expect(try given(Promotion.self, history + redeemed + released, when: .redeem(orderId: id("o-2"), customerId: nil)).count == 1)
        expectRefusal(Promotion.self, [created], when: .redeem(orderId: id("o-1"), customerId: nil), code: .promotionInactive)
        expectRefusal(Promotion.self, history + [.archived(PromotionArchived(promotionId: id("p")))], when: .activate, code: .invalidTransition)
    }

    @Test("rules that do not fit together are refused")
    func invalidRules() {
        func refused(_ rules: PromotionRules) -> Bool { (try? rules.validate()) == nil }
        #expect(refused(PromotionRules(kind: .percentageOff, target: .order)))
        #expect(refused(PromotionRules(kind: .percentageOff, target: .order, basisPoints: 10_001)))
        #expect(refused(PromotionRules(kind: .freeShipping, target: .order)))
        #expect(refused(PromotionRules(kind: .buyXGetY, target: .order, buyQuantity: 2, getQuantity: 1)))
        #expect(refused(PromotionRules(kind: .amountOff, target: .order, amounts: ["EUR": 0])))
        #expect(refused(PromotionRules(kind: .amountOff, target: .order, amounts: ["XXX": 100])))
        #expect(refused(PromotionRules(kind: .percentageOff, target: .order, basisPoints: 100, lineFilter: LineFilter(skus: [id("A")]))))
        #expect(refused(PromotionRules(kind: .percentageOff, target: .order, basisPoints: 100, segment: .listedCustomers)))
        #expect(!refused(PromotionRules(kind: .buyXGetY, target: .lines, buyQuantity: 2, getQuantity: 1)))
    }

    @Test("a returned unit gives back its line's total after discounts with tax; all units give back exactly the line")
    func returnValue() throws {
        var order = Order.State()
        order.id = id("o-1")
        order.lines = [OrderLine(CartLine(sku: id("A"), productId: id("p-A"), name: "A", quantity: 3, unitPrice: eur(1000)))]
        order.totals = CartTotals(subtotal: eur(3000), discount: eur(300), shipping: eur(495), tax: eur(513), total: eur(3708))
        // The line: 3000 − 300 + 513 tax = 3213; per unit 1071.
        order.linePrices = [LinePrice(sku: id("A"), subtotal: eur(3000), discount: eur(300), tax: eur(513), total: eur(3213))]
        #expect(try order.value(of: [LineQuantity(sku: id("A"), quantity: 1)]) == eur(1071))
        order.returned[id("A")] = 1
        #expect(try order.value(of: [LineQuantity(sku: id("A"), quantity: 2)]) == eur(2142))
        // A line of 1000 over 3 units: 333.33 each; one by one 333, 334 (667 − 333), 333 (1000 − 667): 1000 in all.
        order.linePrices = [LinePrice(sku: id("A"), subtotal: eur(3000), discount: eur(2000), tax: eur(0), total: eur(1000))]
        var returned = 0
        var sum: Int64 = 0
        for _ in 0..<3 {
            order.returned[id("A")] = returned
            sum += try order.value(of: [LineQuantity(sku: id("A"), quantity: 1)]).amount
            returned += 1
        }
        #expect(sum == 1000)
    }
}

extension Result where Failure == DomainError {
    var failureCode: DomainError.Code? {
        if case .failure(let error) = self { error.code } else { nil }
    }
}

/// Random carts under random promotions: the money always adds up.
@Suite("Promotions under random carts")
struct PromotionPropertyTests {
    static let input = Gen.int(in: 0...1_000_000).array(of: 2...12)

    @Test("a discount never exceeds what it discounts; line shares sum exactly to each discount; totals = lines − discounts + shipping + tax")
    func discountsAddUp() async {
        await propertyCheck(count: 400, input: Self.input) { numbers in
            let countries = ["DE", "FR", "US", "GB"]
            let lineCount = numbers[0] % 6 + 1
            let lines = (0..<lineCount).map { index -> (String, Int64, Int) in
                let n = numbers[(index + 1) % numbers.count] &+ index * 7919
                return ("S\(index)", Int64(n % 20_000 + 1), n % 7 + 1)
            }
            let cart = PromotionEngineTests.cart(lines, country: countries[numbers[1] % countries.count])
            var automatic: [Promotion.State] = []
            for (index, n) in numbers.dropFirst(2).prefix(4).enumerated() {
                let target: PromotionRules.Target = [.order, .lines, .shipping][n % 3]
                let rules: PromotionRules = switch (n / 3) % 4 {
                case 0: PromotionRules(kind: .percentageOff, target: target, basisPoints: n % 10_000 + 1,
                                       lineFilter: target == .lines ? LineFilter(skus: [id("S\(n % lineCount)"), id("S\((n / 7) % lineCount)")]) : nil)
                case 1: PromotionRules(kind: .amountOff, target: target, amounts: ["EUR": Int64(n % 50_000 + 1)],
                                       lineFilter: target == .lines ? LineFilter(skus: [id("S\(n % lineCount)")]) : nil)
                case 2: PromotionRules(kind: .freeShipping, target: .shipping)
                default: PromotionRules(kind: .buyXGetY, target: .lines, basisPoints: n % 2 == 0 ? nil : 5000, buyQuantity: n % 3 + 1, getQuantity: n % 2 + 1)
                }
                automatic.append(PromotionEngineTests.promotion("p\(index)", rules, priority: n % 5, stops: n % 11 == 0))
            }
            guard let priced = try? cart.priced(.standard, promotions: PromotionEngineTests.offers(automatic: automatic)) else {
                Issue.record("pricing failed")
                return
            }
            let shipping = priced.totals.shipping.amount
            var shippingDiscount: Int64 = 0
            var byLine: [String: Int64] = [:]
            for discount in priced.discounts {
                #expect(discount.amount.amount == discount.lines.reduce(0) { $0 + $1.amount.amount } + discount.shipping.amount)
                #expect(discount.lines.allSatisfy { $0.amount.amount > 0 })
                shippingDiscount += discount.shipping.amount
                for line in discount.lines { byLine[line.sku.rawValue, default: 0] += line.amount.amount }
            }
            #expect(shippingDiscount >= 0 && shippingDiscount <= shipping)
            var tax: Int64 = 0
            for (line, price) in zip(cart.lines, priced.lines) {
                let subtotal = line.unitPrice.amount * Int64(line.quantity)
                #expect(price.subtotal.amount == subtotal)
                #expect(price.discount.amount == byLine[line.sku.rawValue, default: 0])
                #expect(price.discount.amount >= 0 && price.discount.amount <= subtotal)
                // Tax, worked out here: rate in basis points on the discounted amount, half away from zero.
                let rate = Int64(PricingPolicy.standard.taxRate(category: line.taxCategory, country: cart.shippingAddress!.country))
                let scaled = (subtotal - price.discount.amount) * rate
                let expectedTax = scaled / 10_000 + (scaled % 10_000 * 2 >= 10_000 ? 1 : 0)
                #expect(price.tax.amount == expectedTax)
                #expect(price.total.amount == subtotal - price.discount.amount + price.tax.amount)
                tax += price.tax.amount
            }
            let totals = priced.totals
            #expect(totals.discount.amount == priced.discounts.reduce(0) { $0 + $1.amount.amount })
            #expect(totals.tax.amount == tax)
            #expect(totals.subtotal.amount == cart.lines.reduce(0) { $0 + $1.unitPrice.amount * Int64($1.quantity) })
            #expect(totals.total.amount == totals.subtotal.amount - totals.discount.amount + totals.shipping.amount + totals.tax.amount)
        }
    }

    @Test("largest remainder: shares sum to the total, each within one unit of its exact proportion and never above its weight")
    func allocation() async {
        await propertyCheck(count: 500, input: Gen.int(in: 0...5_000_000).array(of: 1...10)) { weights in
            let weights = weights.map(Int64.init)
            let sum = weights.reduce(0, +)
            let total = sum == 0 ? 0 : (weights[0] * 7) % (sum + 1)
            let shares = Allocation.largestRemainder(total, over: weights)
            #expect(shares.reduce(0, +) == total)
            for (share, weight) in zip(shares, weights) {
                #expect(share <= weight)
                if sum > 0 {
                    // |share − total × weight / sum| < 1, in integers.
                    #expect(abs(share * sum - total * weight) < sum)
                }
            }
        }
    }
}
