import Aggregates
import Foundation

/// What a customer tells about themselves: a name, a phone number, a locale and a preferred
/// currency, each optional. Name and phone are personal data (stored sealed).
struct CustomerProfile: Codable, Sendable, Equatable {
    var name: String?
    var phone: String?
    /// A BCP 47 language tag such as `en`, `de-DE` or `pt-BR`.
    var locale: String?
    /// ISO 4217, one the shop sells in.
    var currency: String?

    static let personalFields = ["name", "phone"]

    func validate() throws {
        if let name, name.isEmpty || name.count > 200 || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw Problem.badRequest("invalid_profile", "name must have 1 to 200 characters and no control characters", field: "name")
        }
        if let phone, phone.wholeMatch(of: /\+?[0-9][0-9 ()\-]{3,28}[0-9]/) == nil {
            throw Problem.badRequest("invalid_profile", "phone must be a telephone number of digits, spaces, '()', '-' and an optional leading '+'", field: "phone")
        }
        if let locale, locale.wholeMatch(of: /[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?/) == nil {
            throw Problem.badRequest("invalid_profile", "locale must be a language tag such as en, de-DE or zh-Hant-TW", field: "locale")
        }
        if let currency, !Currency.supported.contains(currency) {
            throw Problem.badRequest("invalid_profile", "currency must be one the shop sells in (ISO 4217, e.g. EUR)", field: "currency")
        }
    }
}
