@testable import Aggregates
import Testing

@Suite("Money")
struct MoneyTests {
    @Test func addsAndSubtractsInOneCurrency() throws {
        let a = Money(1250, .EUR)
        #expect(try a.adding(Money(75, .EUR)) == Money(1325, .EUR))
        #expect(try a.subtracting(Money(1300, .EUR)) == Money(-50, .EUR))
        #expect(try a.times(3) == Money(3750, .EUR))
    }

    @Test func refusesMixedCurrencies() {
        let error = #expect(throws: DomainError.self) { try Money(1, .EUR).adding(Money(1, .USD)) }
        #expect(error?.code == .currencyMismatch)
    }

    @Test func refusesOverflow() {
        #expect(throws: DomainError.self) { try Money(.max, .EUR).adding(Money(1, .EUR)) }
        #expect(throws: DomainError.self) { try Money(.max / 2, .EUR).times(3) }
    }

    @Test(arguments: [
        (Int64(1000), 1900, Int64(190)),   // 19 % of 10.00
        (Int64(1), 5000, Int64(1)),        // 0.5 cent rounds away from zero
        (Int64(-1), 5000, Int64(-1)),
        (Int64(333), 700, Int64(23)),      // 23.31 → 23
        (Int64(250), 2100, Int64(53)),     // 52.5 → 53
    ])
    func percentagesRoundHalfAwayFromZero(amount: Int64, basisPoints: Int, expected: Int64) throws {
        #expect(try Money(amount, .EUR).percentage(basisPoints: basisPoints).amount == expected)
    }

    @Test func describesWithTheCurrencyExponent() throws {
        #expect(Money(1234, .EUR).description == "12.34 EUR")
        #expect(Money(-5, .EUR).description == "-0.05 EUR")
        #expect(Money(1234, .JPY).description == "1234 JPY")
        #expect(Money(1234, try Currency("KWD")).description == "1.234 KWD")
    }

    @Test func refusesUnknownCurrencyCodes() {
        #expect(throws: DomainError.self) { try Currency("EURO") }
        #expect(throws: DomainError.self) { try Currency("eur") }
    }
}
