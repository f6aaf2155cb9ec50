@testable import Aggregates
import Foundation
import Testing

@Suite("Exchange rates")
struct ExchangeRateTests {
    func rate(_ currency: Currency, from base: Currency, _ millionths: Int64, increment: Int = 1) -> ExchangeRate {
        ExchangeRate(currency: currency, base: base, ratePerMillion: millionths, roundingIncrement: increment)
    }

    /// The derived amount worked out with Foundation's decimal arithmetic: the base amount in
    /// major units × the rate, in the currency's minor units, rounded half up to the increment.
    static func expected(_ amount: Int64, _ rate: ExchangeRate) -> Int64 {
        let major = Decimal(amount) / pow(Decimal(10), rate.base.exponent)
        let minor = major * (Decimal(rate.ratePerMillion) / Decimal(1_000_000)) * pow(Decimal(10), rate.currency.exponent)
        var steps = minor / Decimal(rate.roundingIncrement)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &steps, 0, .plain)
        return NSDecimalNumber(decimal: rounded * Decimal(rate.roundingIncrement)).int64Value
    }

    @Test("derived prices: the exact product rounded once, half away from zero, to the currency's minor unit or increment")
    func derivation() {
        let chf: Currency = try! Currency("CHF")
        let kwd: Currency = try! Currency("KWD")
        #expect(rate(.USD, from: .EUR, 1_082_500).derive(from: eur(2500)) == Money(2706, .USD), "27.0625 USD")
        #expect(rate(.JPY, from: .EUR, 162_470_000).derive(from: eur(2500)) == Money(4062, .JPY), "4061.75 yen")
        #expect(rate(chf, from: .EUR, 941_200, increment: 5).derive(from: eur(2500)) == Money(2355, chf), "23.53 CHF to the 0.05")
        #expect(rate(kwd, from: .EUR, 332_100).derive(from: eur(2500)) == Money(8303, kwd), "8.3025 KWD in fils")
        #expect(rate(.USD, from: .EUR, 1_000_000).derive(from: eur(5)) == Money(5, .USD))
        #expect(rate(.USD, from: .EUR, 1_082_500).derive(from: Money(100, .GBP)) == nil, "only from the base")
        #expect(rate(.USD, from: .EUR, ExchangeRate.maximumRate).derive(from: eur(Int64.max / 2)) == nil, "past Int64: none")

        var generator = SplitMix64(seed: 42)
        let currencies: [Currency] = [.EUR, .USD, .JPY, kwd, chf]
        for _ in 0..<2000 {
            let base = currencies[Int(generator.next() % 5)]
            let currency = currencies.filter { $0 != base }[Int(generator.next() % 4)]
            let exchange = rate(currency, from: base, Int64(1 + generator.next() % 500_000_000), increment: [1, 5, 10, 100][Int(generator.next() % 4)])
            let amount = Int64(generator.next() % 10_000_000)
            #expect(exchange.derive(from: Money(amount, base))?.amount == Self.expected(amount, exchange), "\(amount) \(base) at \(exchange)")
        }
    }

    @Test("rates are written as decimals with at most six places")
    func decimals() {
        #expect(ExchangeRate.millionths("1.0825") == 1_082_500)
        #expect(ExchangeRate.millionths("162.47") == 162_470_000)
        #expect(ExchangeRate.millionths("7") == 7_000_000)
        #expect(ExchangeRate.millionths("0.000001") == 1)
        for bad in ["", "1.", ".5", "1.0000001", "-1", "1,5", "1e3", "abc", "12345678901234"] {
            #expect(ExchangeRate.millionths(bad) == nil, "\(bad)")
        }
        #expect(ExchangeRate.decimal(1_082_500) == "1.0825" && ExchangeRate.decimal(7_000_000) == "7" && ExchangeRate.decimal(1) == "0.000001")
    }

    @Test("the table sets and removes rules; the same rule again is no change; a set price wins over a derived one")
    func table() throws {
        let usd = rate(.USD, from: .EUR, 1_082_500)
        let set = try given(ExchangeRates.self, [], when: .set([usd]))
        #expect(set == [.set(ExchangeRateSet(currency: .USD, base: .EUR, ratePerMillion: 1_082_500, roundingIncrement: 1, previousRatePerMillion: nil))])
        #expect(try given(ExchangeRates.self, set, when: .set([usd])).isEmpty)
        let changed = try given(ExchangeRates.self, set, when: .set([rate(.USD, from: .EUR, 1_100_000)]))
        #expect(changed == [.set(ExchangeRateSet(currency: .USD, base: .EUR, ratePerMillion: 1_100_000, roundingIncrement: 1, previousRatePerMillion: 1_082_500))])
        let state = ExchangeRates.fold(set)
        #expect(state.price(in: .USD, from: ["EUR": eur(1000)])! == (Money(1083, .USD), true))
        #expect(state.price(in: .USD, from: ["EUR": eur(1000), "USD": Money(999, .USD)])! == (Money(999, .USD), false))
        #expect(state.price(in: .JPY, from: ["EUR": eur(1000)]) == nil)
        #expect(try given(ExchangeRates.self, set, when: .remove(.USD)) == [.removed(ExchangeRateRemoved(currency: .USD))])
        expectRefusal(ExchangeRates.self, [], when: .remove(.USD), code: .notFound)
        expectRefusal(ExchangeRates.self, [], when: .set([rate(.EUR, from: .EUR, 1_000_000)]), code: .invalidValue)
        expectRefusal(ExchangeRates.self, [], when: .set([rate(.USD, from: .EUR, 0)]), code: .invalidValue)
        expectRefusal(ExchangeRates.self, [], when: .set([rate(.USD, from: .EUR, 1_000_000, increment: 0)]), code: .invalidValue)
        expectRefusal(ExchangeRates.self, [], when: .set([usd, rate(.USD, from: .GBP, 1_000_000)]), code: .invalidValue)
    }
}
