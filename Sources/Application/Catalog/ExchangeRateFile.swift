import Aggregates

/// An exchange-rate file: CSV with a header naming `currency`, `base`, `rate` (a decimal with at
/// most six places: units of the currency per unit of the base) and optionally
/// `rounding_increment` (minor units, 1 when absent or empty), one currency per row, at most
/// ``maximumRows``. Every row is checked; a file with a bad row is refused as a whole.
public enum ExchangeRateFile {
    public static let maximumRows = 500

    /// - Throws: ``CatalogImportProblems`` naming every bad line.
    public static func rates(_ text: String) throws -> [ExchangeRate] {
        let table: CSVTable
        do { table = try CSVTable(parsing: text) } catch {
            throw CatalogImportProblems([CatalogImportProblem(line: error.line, column: nil, reason: error.reason)])
        }
        let columns = Dictionary(table.header.enumerated().map { ($1.trimmingCharacters(in: .whitespaces).lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        let missing = ["currency", "base", "rate"].filter { columns[$0] == nil }
        guard missing.isEmpty else {
            throw CatalogImportProblems([CatalogImportProblem(line: 1, column: nil, reason: "the header lacks \(missing.joined(separator: ", ")) (currency,base,rate[,rounding_increment])")])
        }
        guard table.records.count <= maximumRows else {
            throw CatalogImportProblems([CatalogImportProblem(line: 1, column: nil, reason: "a file holds at most \(maximumRows) rates")])
        }
        var problems: [CatalogImportProblem] = []
        var rates: [ExchangeRate] = []
        var lines: [String: Int] = [:]
        for record in table.records {
            func cell(_ name: String) -> String {
                guard let index = columns[name], index < record.fields.count else { return "" }
                return record.fields[index].trimmingCharacters(in: .whitespaces)
            }
            func fail(_ column: String, _ reason: String) { problems.append(CatalogImportProblem(line: record.line, column: column, reason: reason)) }
            let currency = try? Currency(cell("currency"))
            let base = try? Currency(cell("base"))
            if currency == nil { fail("currency", "not a supported ISO 4217 code") }
            if base == nil { fail("base", "not a supported ISO 4217 code") }
            let rate = ExchangeRate.millionths(cell("rate"))
            if rate == nil { fail("rate", "a decimal with at most six places, such as 1.0825") }
            let increment = cell("rounding_increment").isEmpty ? 1 : Int(cell("rounding_increment"))
            if increment == nil { fail("rounding_increment", "a whole number of minor units") }
            guard let currency, let base, let rate, let increment else { continue }
            if let earlier = lines[currency.code] {
                fail("currency", "\(currency) has a rate on line \(earlier) already")
                continue
            }
            lines[currency.code] = record.line
            let exchangeRate = ExchangeRate(currency: currency, base: base, ratePerMillion: rate, roundingIncrement: increment)
            do { try ExchangeRates.validate(exchangeRate) } catch {
                fail("rate", error.message)
                continue
            }
            rates.append(exchangeRate)
        }
        guard problems.isEmpty else { throw CatalogImportProblems(problems) }
        return rates
    }
}
