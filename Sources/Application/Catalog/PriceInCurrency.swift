import Aggregates

/// A variant's price in a shopper's currency: the one set on it, else the one the exchange-rate
/// table derives (``ExchangeRates``), else none. What a cart line or a wish-list item is given,
/// and keeps when prices or rates change later.
public struct PriceInCurrency: Sendable {
    let repository: AggregateRepository

    public init(repository: AggregateRepository) {
        self.repository = repository
    }

    public func callAsFunction(_ prices: [String: Money], in currency: Currency) async throws -> Money? {
        if let set = prices[currency.code] { return set }
        let (rates, _) = try await repository.load(ExchangeRates.self, .of("currency", "rates"))
        return rates.price(in: currency, from: prices)?.price
    }
}
