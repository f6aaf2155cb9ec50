/// Language tags as a shop's content uses them: a language (`de`), optionally narrowed by a
/// script or region (`zh-Hant`, `fr-CH`). Texts in other languages are kept by tag beside the
/// default-language text, which stands in where a language has none.
public enum LocaleTag {
    public static let maximumLocales = 30

    /// 2–3 letters, then up to two subtags of 2–8 letters or digits, joined by '-'.
    public static func isValid(_ tag: String) -> Bool {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...3).contains(parts.count), (2...3).contains(parts[0].count), parts[0].allSatisfy({ $0.isASCII && $0.isLetter }) else { return false }
        return parts.dropFirst().allSatisfy { (2...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
    }

    /// The tag in its usual case: the language lowercase, a 4-letter script titlecase, a region
    /// uppercase (`DE-ch` → `de-CH`, `ZH-hant` → `zh-Hant`), so that one language is one key.
    public static func canonical(_ tag: String) -> String {
        tag.split(separator: "-").enumerated().map { index, part in
            if index == 0 { return part.lowercased() }
            if part.count == 4, part.allSatisfy(\.isLetter) { return part.prefix(1).uppercased() + part.dropFirst().lowercased() }
            if part.count == 2 { return part.uppercased() }
            return part.lowercased()
        }.joined(separator: "-")
    }

    /// The text for the first preference that has one: the tag itself, else the same language
    /// (a `de-AT` reader gets `de`; a `de` reader gets `de-CH` when that is the only German).
    /// Tags compare without regard to case. Nil when no preference has one, or the default
    /// language comes first (show the default text).
    public static func pick(_ texts: [String: String], preferences: [String], defaultLocale: String) -> (locale: String, text: String)? {
        guard !texts.isEmpty else { return nil }
        let byTag = Dictionary(texts.map { ($0.key.lowercased(), ($0.key, $0.value)) }, uniquingKeysWith: { first, _ in first })
        let defaultLanguage = defaultLocale.lowercased().prefix { $0 != "-" }
        for preference in preferences.map({ $0.lowercased() }) {
            if preference.prefix(while: { $0 != "-" }) == defaultLanguage, byTag[preference] == nil { return nil }
            if let exact = byTag[preference] { return (exact.0, exact.1) }
            let language = preference.prefix { $0 != "-" }
            if let bare = byTag[String(language)] { return (bare.0, bare.1) }
            if let sameLanguage = byTag.keys.sorted().first(where: { $0.hasPrefix(language + "-") }).flatMap({ byTag[$0] }) {
                return (sameLanguage.0, sameLanguage.1)
            }
        }
        return nil
    }

    /// The limits every text by locale keeps: valid distinct tags, at most ``maximumLocales``,
    /// each text as `validate` wants it.
    public static func validate(_ texts: [String: String], _ what: String, text validate: (String) throws(DomainError) -> Void) throws(DomainError) {
        guard texts.count <= maximumLocales else { throw DomainError(.invalidValue, "\(what) come in at most \(maximumLocales) languages") }
        for tag in texts.keys.sorted() {
            guard isValid(tag) else { throw DomainError(.invalidValue, "\"\(tag.prefix(40))\" is not a language tag such as de or fr-CH") }
            try validate(texts[tag]!)
        }
        guard Set(texts.keys.map { $0.lowercased() }).count == texts.count else {
            throw DomainError(.invalidValue, "\(what) name each language once (tags compare without case)")
        }
    }
}
