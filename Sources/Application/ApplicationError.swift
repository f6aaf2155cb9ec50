/// A use case's refusal that is not the domain's: what the caller asked for is not there (or
/// not theirs to see), or the payment gateway cannot be reached. The HTTP edge maps the code to
/// a status; process managers record it as a refusal and move on.
public struct ApplicationError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The aggregate does not exist, or belongs to someone else (answered alike, as 404).
        public static let notFound = Code(rawValue: "not_found")
        /// The gateway failed after the decision was recorded; the operation stays pending.
        public static let gatewayUnavailable = Code(rawValue: "payment.gateway_unavailable")
        /// The product is not for sale (draft, unpublished or discontinued).
        public static let notForSale = Code(rawValue: "not_for_sale")
        /// The thing exists but is in no state for this (e.g. capture on a cancelled order).
        public static let conflict = Code(rawValue: "aggregate.invalid_transition")
        /// Only a customer who bought the product (delivered, or paid, by setting) may review it.
        public static let purchaseRequired = Code(rawValue: "review.purchase_required")
        /// The variant has no price in the currency asked for.
        public static let notSoldInCurrency = Code(rawValue: "not_sold_in_currency")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func notFound(_ what: String) -> ApplicationError {
        ApplicationError(.notFound, "\(what) does not exist")
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
