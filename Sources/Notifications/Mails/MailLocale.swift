import Aggregates

/// The languages mails are written in. A customer's preference picks one; anything else falls
/// back to English.
public enum MailLocale: String, Sendable, CaseIterable, Codable {
    case en, de

    /// The locale for a BCP 47 tag (`de`, `de-AT`, `en_GB`): its primary language, or English.
    public init(tag: String) {
        let primary = tag.split(whereSeparator: { $0 == "-" || $0 == "_" }).first.map { $0.lowercased() } ?? ""
        self = MailLocale(rawValue: primary) ?? .en
    }

    /// An amount as this language writes it: `12.34 EUR` in English, `12,34 EUR` in German.
    public func format(_ money: Money) -> String {
        switch self {
        case .en: money.description
        case .de: money.description.replacingOccurrences(of: ".", with: ",")
        }
    }
}
