import Foundation

/// Everything an administrator sets on a promotion: its rules, how it is reached (automatically
/// or by a coupon code), how it stacks, when it is valid and how often it may be used.
public struct PromotionDefinition: Codable, Sendable, Equatable {
    public var name: String
    public var description: String?
    public var rules: PromotionRules
    /// Applies without a code to every cart it fits; otherwise only through its coupon codes.
    public var automatic: Bool
    /// Evaluation order: lower first (ties by id). Later promotions discount what earlier ones left.
    public var priority: Int
    /// Once this one applies, no promotion after it is evaluated.
    public var stopsLaterPromotions: Bool
    /// A code of this promotion may share a cart with codes of other promotions that allow it too.
    public var combinesWithOtherCodes: Bool
    /// UTC instants; the promotion applies from `validFrom` inclusive until `validUntil` exclusive.
    public var validFrom: Date?
    public var validUntil: Date?
    /// Orders that may use it, in all and per customer (codes may have limits of their own).
    public var usageLimit: Int?
    public var perCustomerLimit: Int?

    public init(
        name: String, description: String? = nil, rules: PromotionRules, automatic: Bool, priority: Int = 100, stopsLaterPromotions: Bool = false,
        combinesWithOtherCodes: Bool = false, validFrom: Date? = nil, validUntil: Date? = nil, usageLimit: Int? = nil, perCustomerLimit: Int? = nil
    ) {
        self.name = name
        self.description = description
        self.rules = rules
        self.automatic = automatic
        self.priority = priority
        self.stopsLaterPromotions = stopsLaterPromotions
        self.combinesWithOtherCodes = combinesWithOtherCodes
        self.validFrom = validFrom
        self.validUntil = validUntil
        self.usageLimit = usageLimit
        self.perCustomerLimit = perCustomerLimit
    }

    enum CodingKeys: String, CodingKey {
        case name, description, rules, automatic, priority, stopsLaterPromotions, combinesWithOtherCodes, validFrom, validUntil, usageLimit, perCustomerLimit
    }

    /// Priority 100, no stop, no combining when left out (as an administrator may).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        description = try container.decodeIfPresent(String.self, forKey: .description)
        rules = try container.decode(PromotionRules.self, forKey: .rules)
        automatic = try container.decode(Bool.self, forKey: .automatic)
        priority = try container.decodeIfPresent(Int.self, forKey: .priority) ?? 100
        stopsLaterPromotions = try container.decodeIfPresent(Bool.self, forKey: .stopsLaterPromotions) ?? false
        combinesWithOtherCodes = try container.decodeIfPresent(Bool.self, forKey: .combinesWithOtherCodes) ?? false
        validFrom = try container.decodeIfPresent(Date.self, forKey: .validFrom)
        validUntil = try container.decodeIfPresent(Date.self, forKey: .validUntil)
        usageLimit = try container.decodeIfPresent(Int.self, forKey: .usageLimit)
        perCustomerLimit = try container.decodeIfPresent(Int.self, forKey: .perCustomerLimit)
    }

    public func validate() throws(DomainError) {
        try validateText(name, "promotion name", maximum: 200)
        if let description { try validateText(description, "promotion description", maximum: 2000, allowEmpty: true) }
        try rules.validate()
        guard (0...1_000_000).contains(priority) else { throw DomainError(.invalidPromotion, "priority must be from 0 to 1000000") }
        if let validFrom, let validUntil, validUntil <= validFrom {
            throw DomainError(.invalidPromotion, "validUntil must be after validFrom")
        }
        if let usageLimit { try requirePositive(usageLimit, "usageLimit", maximum: 100_000_000) }
        if let perCustomerLimit { try requirePositive(perCustomerLimit, "perCustomerLimit", maximum: 1000) }
        if automatic && rules.segment == .everyone && perCustomerLimit != nil {
            throw DomainError(.invalidPromotion, "a per-customer limit needs customers: choose the signedIn, firstOrder or listedCustomers segment")
        }
    }

    /// Whether `now` lies in the validity window.
    public func isValid(at now: Date) -> Bool {
        if let validFrom, now < validFrom { return false }
        if let validUntil, now >= validUntil { return false }
        return true
    }

    /// Whether redemptions must be counted (and so serialised on the promotion's stream).
    public var isLimited: Bool { usageLimit != nil || perCustomerLimit != nil }

    public static let sample = PromotionDefinition(
        name: "Summer sale", description: "10 % off apparel",
        rules: PromotionRules(kind: .percentageOff, target: .lines, basisPoints: 1000, lineFilter: LineFilter(categoryPrefix: ["Apparel"]),
                              minimumSubtotal: ["EUR": 2000]),
        automatic: false, priority: 10, validFrom: Date(timeIntervalSince1970: 1_780_000_000), validUntil: Date(timeIntervalSince1970: 1_790_000_000),
        usageLimit: 500, perCustomerLimit: 1
    )
}
