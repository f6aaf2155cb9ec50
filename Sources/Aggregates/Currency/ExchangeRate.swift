/// How prices in one currency are derived from prices in another, for variants without a price
/// set in it: the base price × the rate, rounded half away from zero to a multiple of the
/// rounding increment (in the currency's minor units: 1 for the cent, 5 for Swiss 0.05, 100
/// for whole units). One rounding, at the end, on the exact product.
public struct ExchangeRate: Codable, Sendable, Equatable {
    public static let rateScale: Int64 = 1_000_000
    /// 1,000,000 units of the currency per unit of the base at most.
    public static let maximumRate: Int64 = 1_000_000 * rateScale
    public static let maximumIncrement = 100_000

    public var currency: Currency
    public var base: Currency
    /// Units of `currency` per unit of `base`, in millionths (1.0825 USD per EUR: 1,082,500).
    public var ratePerMillion: Int64
    public var roundingIncrement: Int

    public init(currency: Currency, base: Currency, ratePerMillion: Int64, roundingIncrement: Int) {
        self.currency = currency
        self.base = base
        self.ratePerMillion = ratePerMillion
        self.roundingIncrement = roundingIncrement
    }

    /// The price in ``currency`` for a price in ``base``; nil for a price in another currency.
    public func derive(from price: Money) -> Money? {
        guard price.currency == base else { return nil }
        // amount × rate × 10^exponent(currency) / (10^6 × 10^exponent(base) × increment), exact in 128 bits.
        let numerator = Int128(price.amount) * Int128(ratePerMillion) * Self.power(currency.exponent)
        let denominator = Int128(Self.rateScale) * Self.power(base.exponent) * Int128(roundingIncrement)
        var quotient = numerator / denominator
        let remainder = numerator % denominator
        if 2 * abs(remainder) >= denominator { quotient += numerator < 0 ? -1 : 1 }
        let amount = quotient * Int128(roundingIncrement)
        guard let exact = Int64(exactly: amount) else { return nil }
        return Money(exact, currency)
    }

    /// The rate as a decimal in millionths: "1.0825" → 1,082,500; nil for anything else than
    /// digits with at most six after one point.
    public static func millionths(_ text: String) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].count <= 13,
              parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              parts.count == 1 || (1...6).contains(parts[1].count),
              let whole = Int64(parts[0]) else { return nil }
        let fraction = parts.count == 2 ? String(parts[1]).padding(toLength: 6, withPad: "0", startingAt: 0) : "0"
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: rateScale)
        guard !overflow, let fractional = Int64(fraction) else { return nil }
        return scaled + fractional
    }

    /// Millionths as the shortest decimal: 1,082,500 → "1.0825".
    public static func decimal(_ millionths: Int64) -> String {
        let whole = millionths / rateScale
        var fraction = String(millionths % rateScale)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? "\(whole)" : "\(whole).\(fraction)"
    }

    private static func power(_ exponent: Int) -> Int128 {
        (0..<exponent).reduce(Int128(1)) { value, _ in value * 10 }
    }
}
