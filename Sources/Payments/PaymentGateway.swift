import Aggregates
import Foundation

/// A card payment provider. Every call carries an idempotency key, so a retried call (after a
/// crash, or a redelivered event) never charges twice.
public protocol PaymentGateway: Sendable {
    /// Exchanges card details for a token that stands for the card from then on; the card
    /// number itself is never stored or put in an event.
    func tokenize(cardNumber: String) throws(PaymentGatewayError) -> PaymentMethodToken
    func authorize(_ amount: Money, method: PaymentMethodToken, idempotencyKey: String) async throws(PaymentGatewayError) -> GatewayAuthorization
    func capture(_ amount: Money, authorization: String, idempotencyKey: String) async throws(PaymentGatewayError) -> String
    func refund(_ amount: Money, capture: String, idempotencyKey: String) async throws(PaymentGatewayError) -> String
    func void(authorization: String, idempotencyKey: String) async throws(PaymentGatewayError)
}

/// A stored payment method: `pm_<provider>_<opaque>`, at most 50 characters.
public struct PaymentMethodToken: Sendable, Hashable, Codable {
    public let value: String
    public init(_ value: String) { self.value = value }
}

public enum GatewayAuthorization: Sendable, Equatable {
    case approved(reference: String)
    case declined(reason: String, reference: String)
}

public struct PaymentGatewayError: Error, Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The card number is not one the gateway accepts: the customer's input is wrong.
        case invalidCard = "payment.invalid_card"
        /// The gateway failed; the same call may succeed later.
        case unavailable = "payment.gateway_unavailable"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
}

/// The built-in sandbox: no network, outcomes chosen by the test card number.
///
/// | card number | outcome |
/// |---|---|
/// | 4242 4242 4242 4242 | approved |
/// | 4000 0000 0000 0002 | declined: card declined |
/// | 4000 0000 0000 9995 | declined: insufficient funds |
/// | 4000 0000 0000 0119 | processing error (the gateway is unavailable; retried, then declined) |
///
/// Any other number passing the Luhn check is approved; one failing it is refused at checkout.
public struct SandboxGateway: PaymentGateway {
    public static let testCards: [String: String] = [
        "4242424242424242": "approve", "4000000000000002": "decline",
        "4000000000009995": "insufficient_funds", "4000000000000119": "error",
    ]

    public init() {}

    public func tokenize(cardNumber: String) throws(PaymentGatewayError) -> PaymentMethodToken {
        let digits = cardNumber.filter { $0 != " " && $0 != "-" }
        guard (12...19).contains(digits.count), digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), Self.passesLuhn(digits) else {
            throw PaymentGatewayError(.invalidCard, "the card number is not valid")
        }
        let behaviour = Self.testCards[digits] ?? "approve"
        return PaymentMethodToken("pm_sandbox_\(behaviour)_\(digits.suffix(4))")
    }

    public func authorize(_ amount: Money, method: PaymentMethodToken, idempotencyKey: String) async throws(PaymentGatewayError) -> GatewayAuthorization {
        let reference = "sandbox_auth_\(idempotencyKey)"
        switch Self.behaviour(of: method) {
        case "decline": return .declined(reason: "card declined", reference: reference)
        case "insufficient_funds": return .declined(reason: "insufficient funds", reference: reference)
        case "error": throw PaymentGatewayError(.unavailable, "sandbox processing error")
        default: return .approved(reference: reference)
        }
    }

    public func capture(_ amount: Money, authorization: String, idempotencyKey: String) async throws(PaymentGatewayError) -> String {
        "sandbox_capture_\(idempotencyKey)"
    }

    public func refund(_ amount: Money, capture: String, idempotencyKey: String) async throws(PaymentGatewayError) -> String {
        "sandbox_refund_\(idempotencyKey)"
    }

    public func void(authorization: String, idempotencyKey: String) async throws(PaymentGatewayError) {}

    static func behaviour(of method: PaymentMethodToken) -> String {
        let parts = method.value.split(separator: "_")
        return parts.count >= 4 && parts[0] == "pm" && parts[1] == "sandbox" ? parts[2...(parts.count - 2)].joined(separator: "_") : "approve"
    }

    static func passesLuhn(_ digits: String) -> Bool {
        var sum = 0
        for (index, character) in digits.reversed().enumerated() {
            var digit = character.wholeNumberValue ?? 0
            if index % 2 == 1 {
                digit *= 2
                if digit > 9 { digit -= 9 }
            }
            sum += digit
        }
        return sum % 10 == 0
    }
}
