/// A command the domain refuses, with a stable code clients can match on.
public struct DomainError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let currencyMismatch = Code(rawValue: "money.currency_mismatch")
        public static let unknownCurrency = Code(rawValue: "money.unknown_currency")
        public static let moneyOverflow = Code(rawValue: "money.overflow")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }
}
