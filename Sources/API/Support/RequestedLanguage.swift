import Aggregates
import Hummingbird

/// The languages a request reads in: `?locale=` when given (one tag; refused when not a tag),
/// else the `Accept-Language` header's tags by quality, best first (`*`, `q=0` and malformed
/// entries passed over: a header is a hint, never a reason to refuse).
enum RequestedLanguage {
    static func of(_ request: Request, defaultLocale: String) throws -> LanguagePreference {
        if let locale = request.uri.queryParameters["locale"] {
            guard LocaleTag.isValid(String(locale)) else {
                throw Problem.badRequest("invalid_parameter", "locale must be a language tag such as de or fr-CH", field: "locale")
            }
            return LanguagePreference(preferred: [String(locale)], defaultLocale: defaultLocale)
        }
        return LanguagePreference(preferred: acceptLanguage(request.headers[.acceptLanguage] ?? ""), defaultLocale: defaultLocale)
    }

    /// The tags of an `Accept-Language` value, by quality (ties in the order given), at most 10.
    static func acceptLanguage(_ header: String) -> [String] {
        var weighted: [(tag: String, quality: Double, index: Int)] = []
        for (index, entry) in header.split(separator: ",").prefix(20).enumerated() {
            let parts = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first, LocaleTag.isValid(tag) else { continue }
            var quality = 1.0
            for parameter in parts.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)).map { min(1, max(0, $0)) } ?? 0
            }
            if quality > 0 { weighted.append((tag, quality, index)) }
        }
        return weighted.sorted { ($0.quality, -$0.index) > ($1.quality, -$1.index) }.prefix(10).map(\.tag)
    }
}
