import Foundation

/// Prices in `currency` are now derived from prices in `base` for the variants without a price
/// set in it (``ExchangeRate``); replaces the currency's earlier rule.
public struct ExchangeRateSet: EventPayload {
    public var currency: Currency
    public var base: Currency
    public var ratePerMillion: Int64
    public var roundingIncrement: Int
    /// The rule's rate before (nil: the currency had none).
    public var previousRatePerMillion: Int64?

    public static let sample = ExchangeRateSet(currency: .USD, base: .EUR, ratePerMillion: 1_082_500, roundingIncrement: 1, previousRatePerMillion: 1_075_000)
}

/// Prices in `currency` are no longer derived: only variants with a price set in it have one.
public struct ExchangeRateRemoved: EventPayload {
    public var currency: Currency

    public static let sample = ExchangeRateRemoved(currency: .GBP)
}

public enum ExchangeRatesEvent: DomainEvent {
    case set(ExchangeRateSet)
    case removed(ExchangeRateRemoved)

    public static let payloadTypes: [any EventPayload.Type] = [ExchangeRateSet.self, ExchangeRateRemoved.self]

    public var payload: any EventPayload {
        switch self {
        case .set(let payload): payload
        case .removed(let payload): payload
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let payload as ExchangeRateSet: self = .set(payload)
        case let payload as ExchangeRateRemoved: self = .removed(payload)
        default: return nil
        }
    }
}
