import Foundation

/// The shop's exchange-rate table, one stream (`currency-rates`): for each currency without
/// prices of its own, the base currency and rate its prices are derived from (``ExchangeRate``).
/// A price set on a variant in a currency always wins over a derived one; a cart keeps the
/// price it was given when a rate changes later.
///
/// Derivations go one step: from prices set in the base, never from prices derived in it.
public enum ExchangeRates: Decider {
    public static let stream = "currency-rates"

    public struct State: Sendable, Equatable, Encodable {
        /// By the derived currency's code.
        public var rates: [String: ExchangeRate] = [:]

        public init() {}

        /// A variant's price in `currency`: the one set on it, else one derived by the table
        /// (`derived` true), else nil.
        public func price(in currency: Currency, from prices: [String: Money]) -> (price: Money, derived: Bool)? {
            if let set = prices[currency.code] { return (set, false) }
            guard let rate = rates[currency.code], let base = prices[rate.base.code], let derived = rate.derive(from: base) else { return nil }
            return (derived, true)
        }
    }

    public enum Command: Sendable {
        /// Sets each currency's rule (a rule as the table has it already is no change).
        case set([ExchangeRate])
        case remove(Currency)
    }

    public typealias Event = ExchangeRatesEvent
    public static let initialState = State()

    public static func decide(_ command: Command, _ state: State, _ context: DecisionContext) throws(DomainError) -> [Event] {
        switch command {
        case .set(let rates):
            guard Set(rates.map(\.currency.code)).count == rates.count else {
                throw DomainError(.invalidValue, "each currency takes one rate")
            }
            var events: [Event] = []
            for rate in rates {
                try validate(rate)
                let previous = state.rates[rate.currency.code]
                guard previous != rate else { continue }
                events.append(.set(ExchangeRateSet(
                    currency: rate.currency, base: rate.base, ratePerMillion: rate.ratePerMillion, roundingIncrement: rate.roundingIncrement,
                    previousRatePerMillion: previous?.ratePerMillion
                )))
            }
            return events
        case .remove(let currency):
            guard state.rates[currency.code] != nil else { throw DomainError(.notFound, "\(currency) has no exchange rate") }
            return [.removed(ExchangeRateRemoved(currency: currency))]
        }
    }

    public static func evolve(_ state: State, _ event: Event) -> State {
        var state = state
        switch event {
        case .set(let event):
            state.rates[event.currency.code] = ExchangeRate(
                currency: event.currency, base: event.base, ratePerMillion: event.ratePerMillion, roundingIncrement: event.roundingIncrement
            )
        case .removed(let event):
            state.rates[event.currency.code] = nil
        }
        return state
    }

    public static func validate(_ rate: ExchangeRate) throws(DomainError) {
        guard rate.currency != rate.base else { throw DomainError(.invalidValue, "\(rate.currency) cannot be derived from itself") }
        guard (1...ExchangeRate.maximumRate).contains(rate.ratePerMillion) else {
            throw DomainError(.invalidValue, "a rate is more than 0 and at most 1000000 (six decimals)")
        }
        guard (1...ExchangeRate.maximumIncrement).contains(rate.roundingIncrement) else {
            throw DomainError(.invalidValue, "the rounding increment is 1 to \(ExchangeRate.maximumIncrement) minor units")
        }
    }
}
