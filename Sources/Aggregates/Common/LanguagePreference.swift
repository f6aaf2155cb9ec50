/// The languages a reader asked for (`?locale=` or `Accept-Language`), best first, and the
/// shop's default language, in which every text exists.
public struct LanguagePreference: Sendable, Equatable {
    public var preferred: [String]
    public var defaultLocale: String

    public init(preferred: [String], defaultLocale: String) {
        self.preferred = preferred
        self.defaultLocale = defaultLocale
    }

    /// Of texts by language tag beside a default text, the one to show and its tag (nil tag: the default).
    public func pick(_ texts: [String: String], default text: String) -> (locale: String?, text: String) {
        guard let picked = LocaleTag.pick(texts, preferences: preferred, defaultLocale: defaultLocale) else { return (nil, text) }
        return (picked.locale, picked.text)
    }
}
