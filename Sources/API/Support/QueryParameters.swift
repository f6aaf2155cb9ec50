import Aggregates
import Hummingbird

/// Query-string values shared by the query routes, each refused with a problem naming it.
enum QueryParameters {
    static func currency(_ value: Substring?) throws -> Currency {
        guard let value else { return .EUR }
        do { return try Currency(String(value)) } catch {
            throw Problem.badRequest("invalid_parameter", "currency must be a supported ISO 4217 code", field: "currency")
        }
    }

    static func limit(_ value: Substring?, default fallback: Int = 20) throws -> Int {
        guard let value else { return fallback }
        guard let limit = Int(value), (1...100).contains(limit) else {
            throw Problem.badRequest("invalid_parameter", "limit must be 1 to 100", field: "limit")
        }
        return limit
    }

    /// A text value, nil when absent. PostgreSQL's text cannot hold a NUL character: one is
    /// refused here, naming the parameter, rather than failing in the database.
    static func text(_ value: Substring?, _ name: String, maxLength: Int = 1000) throws -> String? {
        guard let value else { return nil }
        guard !value.unicodeScalars.contains("\u{0}"), value.count <= maxLength else {
            throw Problem.badRequest("invalid_parameter", "\(name) must be at most \(maxLength) characters, without NUL", field: name)
        }
        return String(value)
    }

    /// An integer in `range`, `fallback` when absent.
    static func integer(_ value: Substring?, _ name: String, default fallback: Int64, range: ClosedRange<Int64>) throws -> Int64 {
        guard let value else { return fallback }
        guard let number = Int64(value), range.contains(number) else {
            throw Problem.badRequest("invalid_parameter", "\(name) must be an integer from \(range.lowerBound)\(range.upperBound == .max ? " up" : " to \(range.upperBound)")", field: name)
        }
        return number
    }

    /// true or false; false when absent.
    static func flag(_ value: Substring?, _ name: String) throws -> Bool {
        guard let value else { return false }
        guard let flag = Bool(String(value)) else { throw Problem.badRequest("invalid_parameter", "\(name) is true or false", field: name) }
        return flag
    }
}
