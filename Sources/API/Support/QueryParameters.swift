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

    static func limit(_ value: Substring?) throws -> Int {
        guard let value else { return 20 }
        guard let limit = Int(value), (1...100).contains(limit) else {
            throw Problem.badRequest("invalid_parameter", "limit must be 1 to 100", field: "limit")
        }
        return limit
    }
}
