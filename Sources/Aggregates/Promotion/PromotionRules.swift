import Foundation

/// What a promotion gives and when it applies: a benefit (``Kind``) on a ``Target``, under
/// conditions. A value, checked by ``validate()``; ``PromotionEngine`` evaluates it on a cart.
///
/// - `percentageOff`: `basisPoints` of the target (1 bp = 0.01 %, 10 000 = all of it).
/// - `amountOff`: a fixed amount per currency (`amounts`, minor units), at most the target.
/// - `freeShipping`: the shipping (target `shipping`).
/// - `buyXGetY`: for every `buyQuantity + getQuantity` units of the matching lines, one of the
///   cheapest units gets `basisPoints` off (10 000, the default: free) — `getQuantity` per group.
public struct PromotionRules: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case percentageOff, amountOff, freeShipping, buyXGetY
    }

    /// What the benefit is taken off: the whole order (spread over its lines), the lines
    /// matching ``lineFilter``, or the shipping.
    public enum Target: String, Codable, Sendable, CaseIterable {
        case order, lines, shipping
    }

    /// Who may have it.
    public enum Segment: String, Codable, Sendable, CaseIterable {
        case everyone, signedIn, firstOrder, listedCustomers
    }

    public var kind: Kind
    public var target: Target
    public var basisPoints: Int?
    public var amounts: [String: Int64]?
    public var buyQuantity: Int?
    public var getQuantity: Int?
    /// Which lines a `lines` target (and buy X get Y) counts; nil: every line.
    public var lineFilter: LineFilter?
    /// The cart's subtotal (before discounts) must reach this, per currency; a currency not
    /// listed does not qualify.
    public var minimumSubtotal: [String: Int64]?
    /// The quantity of the targeted lines (every line for `order` and `shipping`) must reach this.
    public var minimumQuantity: Int?
    /// Only carts in these currencies; nil: any.
    public var currencies: [String]?
    public var segment: Segment
    /// For `listedCustomers`.
    public var customerIds: [CustomerID]?

    public init(
        kind: Kind, target: Target, basisPoints: Int? = nil, amounts: [String: Int64]? = nil, buyQuantity: Int? = nil, getQuantity: Int? = nil,
        lineFilter: LineFilter? = nil, minimumSubtotal: [String: Int64]? = nil, minimumQuantity: Int? = nil, currencies: [String]? = nil,
        segment: Segment = .everyone, customerIds: [CustomerID]? = nil
    ) {
        self.kind = kind
        self.target = target
        self.basisPoints = basisPoints
        self.amounts = amounts
        self.buyQuantity = buyQuantity
        self.getQuantity = getQuantity
        self.lineFilter = lineFilter
        self.minimumSubtotal = minimumSubtotal
        self.minimumQuantity = minimumQuantity
        self.currencies = currencies
        self.segment = segment
        self.customerIds = customerIds
    }

    enum CodingKeys: String, CodingKey {
        case kind, target, basisPoints, amounts, buyQuantity, getQuantity, lineFilter, minimumSubtotal, minimumQuantity, currencies, segment, customerIds
    }

    /// The segment is `everyone` when left out.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(Kind.self, forKey: .kind)
        target = try container.decode(Target.self, forKey: .target)
        basisPoints = try container.decodeIfPresent(Int.self, forKey: .basisPoints)
        amounts = try container.decodeIfPresent([String: Int64].self, forKey: .amounts)
        buyQuantity = try container.decodeIfPresent(Int.self, forKey: .buyQuantity)
        getQuantity = try container.decodeIfPresent(Int.self, forKey: .getQuantity)
        lineFilter = try container.decodeIfPresent(LineFilter.self, forKey: .lineFilter)
        minimumSubtotal = try container.decodeIfPresent([String: Int64].self, forKey: .minimumSubtotal)
        minimumQuantity = try container.decodeIfPresent(Int.self, forKey: .minimumQuantity)
        currencies = try container.decodeIfPresent([String].self, forKey: .currencies)
        segment = try container.decodeIfPresent(Segment.self, forKey: .segment) ?? .everyone
        customerIds = try container.decodeIfPresent([CustomerID].self, forKey: .customerIds)
    }

    /// - Throws: ``DomainError`` `promotion.invalid_rules` naming what does not fit together.
    public func validate() throws(DomainError) {
        func invalid(_ message: String) -> DomainError { DomainError(.invalidPromotion, message) }
        switch kind {
        case .percentageOff:
            guard let basisPoints, (1...10_000).contains(basisPoints) else { throw invalid("percentageOff needs basisPoints from 1 to 10000") }
        case .amountOff:
            guard let amounts, !amounts.isEmpty else { throw invalid("amountOff needs amounts per currency") }
        case .freeShipping:
            guard target == .shipping else { throw invalid("freeShipping targets the shipping") }
        case .buyXGetY:
            guard target == .lines else { throw invalid("buyXGetY targets lines") }
            guard let buyQuantity, (1...100).contains(buyQuantity), let getQuantity, (1...100).contains(getQuantity) else {
                throw invalid("buyXGetY needs buyQuantity and getQuantity from 1 to 100")
            }
            if let basisPoints, !(1...10_000).contains(basisPoints) { throw invalid("basisPoints must be from 1 to 10000") }
        }
        if kind != .percentageOff && kind != .buyXGetY && basisPoints != nil { throw invalid("basisPoints belongs to percentageOff and buyXGetY") }
        if kind != .amountOff && amounts != nil { throw invalid("amounts belong to amountOff") }
        if kind != .buyXGetY && (buyQuantity != nil || getQuantity != nil) { throw invalid("buyQuantity and getQuantity belong to buyXGetY") }
        if target != .lines && lineFilter != nil { throw invalid("lineFilter belongs to a lines target") }
        try Self.validateAmounts(amounts, "amounts")
        try Self.validateAmounts(minimumSubtotal, "minimumSubtotal", allowZero: true)
        if let minimumQuantity, !(1...100_000).contains(minimumQuantity) { throw invalid("minimumQuantity must be from 1 to 100000") }
        if let currencies {
            guard !currencies.isEmpty, currencies.count <= 50 else { throw invalid("currencies lists 1 to 50 codes") }
            for code in currencies { _ = try Currency(code) }
        }
        try lineFilter?.validate()
        switch segment {
        case .listedCustomers:
            guard let customerIds, (1...10_000).contains(customerIds.count) else { throw invalid("listedCustomers needs 1 to 10000 customerIds") }
        default:
            guard customerIds == nil else { throw invalid("customerIds belong to the listedCustomers segment") }
        }
    }

    private static func validateAmounts(_ amounts: [String: Int64]?, _ field: String, allowZero: Bool = false) throws(DomainError) {
        guard let amounts else { return }
        guard amounts.count <= 50 else { throw DomainError(.invalidPromotion, "\(field) lists at most 50 currencies") }
        for (code, amount) in amounts {
            _ = try Currency(code)
            guard allowZero ? amount >= 0 : amount > 0, amount <= 1_000_000_000_00 else {
                throw DomainError(.invalidPromotion, "\(field).\(code) must be \(allowZero ? "zero or more" : "positive") minor units, at most 100000000000")
            }
        }
    }
}

/// Which cart lines a promotion counts: a line matches when any listed criterion does; an empty
/// filter matches every line.
public struct LineFilter: Codable, Sendable, Equatable {
    /// A category path prefix: `["Apparel"]` matches `Apparel / Shirts`.
    public var categoryPrefix: [String]?
    public var skus: [SKU]?
    public var productIds: [ProductID]?

    public init(categoryPrefix: [String]? = nil, skus: [SKU]? = nil, productIds: [ProductID]? = nil) {
        self.categoryPrefix = categoryPrefix
        self.skus = skus
        self.productIds = productIds
    }

    public func matches(sku: SKU, productId: ProductID, categoryPath: [String]) -> Bool {
        if categoryPrefix == nil && skus == nil && productIds == nil { return true }
        if let categoryPrefix, categoryPath.starts(with: categoryPrefix) { return true }
        if let skus, skus.contains(sku) { return true }
        if let productIds, productIds.contains(productId) { return true }
        return false
    }

    func validate() throws(DomainError) {
        if let categoryPrefix {
            guard (1...10).contains(categoryPrefix.count), categoryPrefix.allSatisfy({ !$0.isEmpty && $0.count <= 100 }) else {
                throw DomainError(.invalidPromotion, "categoryPrefix is a path of 1 to 10 non-empty names")
            }
        }
        guard (skus?.count ?? 0) <= 1000, (productIds?.count ?? 0) <= 1000 else {
            throw DomainError(.invalidPromotion, "a lineFilter lists at most 1000 SKUs and 1000 products")
        }
    }
}
