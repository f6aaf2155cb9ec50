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
        if let phone, !Self.isPhoneNumber(phone) {
            throw Problem.badRequest("invalid_profile", "phone must be a telephone number of digits, spaces, '()', '-' and an optional leading '+'", field: "phone")
        }
        if let locale, !Self.isLanguageTag(locale) {
            throw Problem.badRequest("invalid_profile", "locale must be a language tag such as en, de-DE or zh-Hant-TW", field: "locale")
        }
        if let currency, !Currency.supported.contains(currency) {
            throw Problem.badRequest("invalid_profile", "currency must be one the shop sells in (ISO 4217, e.g. EUR)", field: "currency")
        }
    }

    // The two checks below are written out rather than as regex literals: building a regex
    // crashed a process (SIGILL in the regex runtime) once while many were built side by side.

    /// An optional leading '+', then 5 to 30 characters of digits, spaces, '(', ')' and '-'
    /// that begin and end with a digit.
    static func isPhoneNumber(_ text: String) -> Bool {
        var characters = Substring(text).utf8[...]
        if characters.first == UInt8(ascii: "+") { characters = characters.dropFirst() }
        let isDigit = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let allowed: Set<UInt8> = [UInt8(ascii: " "), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "-")]
        guard (5...30).contains(characters.count), let first = characters.first, let last = characters.last,
              isDigit(first), isDigit(last) else { return false }
        return characters.allSatisfy { isDigit($0) || allowed.contains($0) }
    }

    /// A BCP 47 tag of a language (2–3 lowercase letters), an optional script (a capital and
    /// three lowercase letters) and an optional region (2 capitals or 3 digits): en, de-DE,
    /// zh-Hant-TW, es-419.
    static func isLanguageTag(_ text: String) -> Bool {
        func all(_ part: Substring, _ range: ClosedRange<Character>) -> Bool {
            part.allSatisfy { $0.isASCII && range.contains($0) }
        }
        var parts = text.split(separator: "-", omittingEmptySubsequences: false)[...]
        guard let language = parts.popFirst(), (2...3).contains(language.count), all(language, "a"..."z") else { return false }
        if let script = parts.first, script.count == 4, all(script.prefix(1), "A"..."Z"), all(script.dropFirst(), "a"..."z") {
            parts = parts.dropFirst()
        }
        if let region = parts.first, (region.count == 2 && all(region, "A"..."Z")) || (region.count == 3 && all(region, "0"..."9")) {
            parts = parts.dropFirst()
        }
        return parts.isEmpty
    }
}
