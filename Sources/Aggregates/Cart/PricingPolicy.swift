/// Shipping rates and tax rates a cart is priced with. A value, passed into the decisions that
/// need it, so the rules stay pure and a shop can configure its own tables.
///
/// Prices in carts are net. Tax is charged per line (`unit price × quantity × rate`, rounded
/// half away from zero per line, see ``Money``); shipping is a flat rate per zone and method and
/// is not taxed.
public struct PricingPolicy: Sendable, Equatable {
    /// Country (ISO 3166-1 alpha-2) → zone.
    public var zones: [String: String]
    /// Zone → method → currency code → flat rate.
    public var shippingRates: [String: [String: [String: Money]]]
    /// Tax category → country → rate in basis points (1900 = 19 %).
    public var taxRates: [String: [String: Int]]

    public init(zones: [String: String], shippingRates: [String: [String: [String: Money]]], taxRates: [String: [String: Int]]) {
        self.zones = zones
        self.shippingRates = shippingRates
        self.taxRates = taxRates
    }

    /// The shipping rate, or nil when the method does not ship to that country in that currency.
    public func shippingRate(method: String, country: String, currency: Currency) -> Money? {
        guard let zone = zones[country] else { return nil }
        return shippingRates[zone]?[method]?[currency.code]
    }

    /// The tax rate in basis points; 0 for a category the country does not tax.
    public func taxRate(category: String, country: String) -> Int {
        taxRates[category]?[country] ?? 0
    }

    /// The built-in tables: Germany as the home market, the rest of the EU, the UK and the US.
    public static let standard: PricingPolicy = {
        let eu = ["AT", "BE", "DK", "ES", "FI", "FR", "IE", "IT", "LU", "NL", "PL", "PT", "SE"]
        var zones = ["DE": "domestic", "GB": "world", "US": "world", "CH": "world"]
        for country in eu { zones[country] = "eu" }
        func rates(_ eur: Int64, _ usd: Int64, _ gbp: Int64) -> [String: Money] {
            ["EUR": Money(eur, .EUR), "USD": Money(usd, .USD), "GBP": Money(gbp, .GBP)]
        }
        let shipping: [String: [String: [String: Money]]] = [
            "domestic": ["standard": rates(495, 545, 425), "express": rates(995, 1095, 865)],
            "eu": ["standard": rates(995, 1095, 865), "express": rates(1995, 2195, 1725)],
            "world": ["standard": rates(1995, 2195, 1725), "express": rates(3995, 4395, 3450)],
        ]
        var standardRates = ["DE": 1900, "AT": 2000, "BE": 2100, "DK": 2500, "ES": 2100, "FI": 2550, "FR": 2000, "IE": 2300,
                             "IT": 2200, "LU": 1700, "NL": 2100, "PL": 2300, "PT": 2300, "SE": 2500, "GB": 2000, "CH": 810]
        standardRates["US"] = 0
        let reducedRates = ["DE": 700, "AT": 1000, "FR": 550, "IT": 1000, "NL": 900, "ES": 1000, "GB": 0, "US": 0]
        return PricingPolicy(zones: zones, shippingRates: shipping, taxRates: ["standard": standardRates, "reduced": reducedRates, "exempt": [:]])
    }()
}

/// What a cart costs: `total = subtotal − discount + shipping + tax`.
public struct CartTotals: Codable, Sendable, Equatable {
    /// Unit prices × quantities, before discounts.
    public var subtotal: Money
    /// Every promotion's discount, on the lines and on the shipping.
    public var discount: Money
    public var shipping: Money
    /// On the discounted line amounts.
    public var tax: Money
    public var total: Money

    public init(subtotal: Money, discount: Money? = nil, shipping: Money, tax: Money, total: Money) {
        self.subtotal = subtotal
        self.discount = discount ?? .zero(subtotal.currency)
        self.shipping = shipping
        self.tax = tax
        self.total = total
    }

    enum CodingKeys: String, CodingKey { case subtotal, discount, shipping, tax, total }

    /// Totals recorded before promotions have no discount: it reads as zero.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        subtotal = try container.decode(Money.self, forKey: .subtotal)
        discount = try container.decodeIfPresent(Money.self, forKey: .discount) ?? .zero(subtotal.currency)
        shipping = try container.decode(Money.self, forKey: .shipping)
        tax = try container.decode(Money.self, forKey: .tax)
        total = try container.decode(Money.self, forKey: .total)
    }
}
