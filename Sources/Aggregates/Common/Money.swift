/// An amount of money in integer minor units (cents, pence, yen…) of one ISO 4217 currency.
///
/// No floating point anywhere. Arithmetic between different currencies is refused.
/// Rounding rule: where a computation yields a fraction of a minor unit (tax, proration), it
/// rounds half away from zero ("commercial rounding"), once, at the end of that computation.
public struct Money: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    public let amount: Int64
    public let currency: Currency

    public init(_ amount: Int64, _ currency: Currency) {
        self.amount = amount
        self.currency = currency
    }

    public static func zero(_ currency: Currency) -> Money { Money(0, currency) }

    public var isNegative: Bool { amount < 0 }
    public var isZero: Bool { amount == 0 }

    /// - Throws: ``DomainError`` `money.currency_mismatch`, or `money.overflow`.
    public func adding(_ other: Money) throws(DomainError) -> Money {
        try sameCurrency(other)
        let (sum, overflow) = amount.addingReportingOverflow(other.amount)
        guard !overflow else { throw DomainError(.moneyOverflow, "\(self) + \(other) overflows") }
        return Money(sum, currency)
    }

    /// - Throws: ``DomainError`` `money.currency_mismatch`, or `money.overflow`.
    public func subtracting(_ other: Money) throws(DomainError) -> Money {
        try sameCurrency(other)
        let (difference, overflow) = amount.subtractingReportingOverflow(other.amount)
        guard !overflow else { throw DomainError(.moneyOverflow, "\(self) - \(other) overflows") }
        return Money(difference, currency)
    }

    /// Multiplies by a whole quantity.
    public func times(_ quantity: Int) throws(DomainError) -> Money {
        let (product, overflow) = amount.multipliedReportingOverflow(by: Int64(quantity))
        guard !overflow else { throw DomainError(.moneyOverflow, "\(self) × \(quantity) overflows") }
        return Money(product, currency)
    }

    /// The share `basisPoints / 10 000` of this amount (1 bp = 0.01 %), rounded half away from zero.
    public func percentage(basisPoints: Int) throws(DomainError) -> Money {
        let (scaled, overflow) = amount.multipliedReportingOverflow(by: Int64(basisPoints))
        guard !overflow else { throw DomainError(.moneyOverflow, "\(self) × \(basisPoints) bp overflows") }
        return Money(Self.roundedDivision(scaled, by: 10_000), currency)
    }

    /// Integer division rounding half away from zero.
    public static func roundedDivision(_ value: Int64, by divisor: Int64) -> Int64 {
        let quotient = value / divisor
        let remainder = value % divisor
        if 2 * abs(remainder) >= abs(divisor) {
            return quotient + ((value < 0) != (divisor < 0) ? -1 : 1)
        }
        return quotient
    }

    /// Sums amounts of one currency; an empty list is zero of `currency`.
    public static func sum(_ amounts: [Money], currency: Currency) throws(DomainError) -> Money {
        var total = Money.zero(currency)
        for amount in amounts { total = try total.adding(amount) }
        return total
    }

    private func sameCurrency(_ other: Money) throws(DomainError) {
        guard other.currency == currency else {
            throw DomainError(.currencyMismatch, "cannot combine \(currency) with \(other.currency)")
        }
    }

    public static func < (lhs: Money, rhs: Money) -> Bool {
        precondition(lhs.currency == rhs.currency, "comparing \(lhs.currency) with \(rhs.currency)")
        return lhs.amount < rhs.amount
    }

    /// `12.34 EUR`, `1234 JPY`: the amount in major units with the currency's exponent.
    public var description: String {
        let exponent = currency.exponent
        guard exponent > 0 else { return "\(amount) \(currency)" }
        var divisor: Int64 = 1
        for _ in 0..<exponent { divisor *= 10 }
        let major = amount.magnitude / UInt64(divisor)
        let minor = String(amount.magnitude % UInt64(divisor))
        return "\(amount < 0 ? "-" : "")\(major).\(String(repeating: "0", count: exponent - minor.count))\(minor) \(currency)"
    }
}

/// An ISO 4217 currency code with its minor-unit exponent.
public struct Currency: Hashable, Sendable, Codable, CustomStringConvertible {
    public let code: String

    /// Minor-unit exponents that differ from the usual 2 (ISO 4217).
    static let exponents: [String: Int] = [
        "JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "XAF": 0, "XOF": 0, "HUF": 2,
        "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3, "LYD": 3, "IQD": 3,
    ]

    /// The currencies this backend accepts. ISO 4217 codes in common commerce use.
    public static let supported: Set<String> = [
        "EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "PLN", "CZK", "HUF", "CAD", "AUD", "NZD",
        "JPY", "KRW", "ISK", "CLP", "CNY", "HKD", "SGD", "INR", "BRL", "MXN", "ZAR", "TRY",
        "BHD", "KWD", "OMR", "JOD", "TND",
    ]

    /// - Throws: ``DomainError`` `money.unknown_currency` for a code that is not a supported ISO 4217 code.
    public init(_ code: String) throws(DomainError) {
        guard Self.supported.contains(code) else {
            throw DomainError(.unknownCurrency, "\"\(code.prefix(10))\" is not a supported ISO 4217 currency code")
        }
        self.code = code
    }

    init(trusted code: String) { self.code = code }

    public static let EUR = Currency(trusted: "EUR")
    public static let USD = Currency(trusted: "USD")
    public static let GBP = Currency(trusted: "GBP")
    public static let JPY = Currency(trusted: "JPY")

    /// Digits after the decimal point in major units: 2 for EUR, 0 for JPY, 3 for KWD.
    public var exponent: Int { Self.exponents[code] ?? 2 }
    public var description: String { code }

    public init(from decoder: any Decoder) throws {
        let code = try decoder.singleValueContainer().decode(String.self)
        try self.init(code)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(code)
    }
}
