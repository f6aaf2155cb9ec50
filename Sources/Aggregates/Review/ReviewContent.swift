import Foundation

/// What a customer writes: a rating of 1 to 5 stars, an optional title and an optional body.
///
/// Text is normalised before it is judged or stored: Unicode NFC (so "é" typed two ways is one
/// string), control characters other than line breaks removed, runs of blank lines cut to one,
/// and surrounding white space trimmed. Limits count characters as users see them.
public struct ReviewContent: Codable, Sendable, Equatable {
    public static let titleLimit = 120
    public static let bodyLimit = 5000

    public var rating: Int
    public var title: String
    public var body: String

    /// - Throws: ``DomainError`` `validation.invalid_value` naming the field at fault.
    public init(rating: Int, title: String?, body: String?) throws(DomainError) {
        guard (1...5).contains(rating) else { throw DomainError(.invalidValue, "rating must be a whole number from 1 to 5, not \(rating)") }
        self.rating = rating
        self.title = Self.normalised(title ?? "", singleLine: true)
        self.body = Self.normalised(body ?? "", singleLine: false)
        guard self.title.count <= Self.titleLimit else { throw DomainError(.invalidValue, "title is over \(Self.titleLimit) characters") }
        guard self.body.count <= Self.bodyLimit else { throw DomainError(.invalidValue, "body is over \(Self.bodyLimit) characters") }
    }

    /// Whether the review says something beyond its stars.
    public var hasText: Bool { !body.isEmpty }

    static func normalised(_ text: String, singleLine: Bool) -> String {
        let composed = text.precomposedStringWithCanonicalMapping
        var kept = String.UnicodeScalarView()
        for scalar in composed.unicodeScalars {
            if scalar == "\n" { kept.append(singleLine ? " " : "\n"); continue }
            if scalar == "\t" { kept.append(" "); continue }
            if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format && scalar != "\u{200D}" { continue }
            kept.append(scalar)
        }
        var lines = String(kept).split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        // At most one blank line between paragraphs.
        lines = lines.enumerated().filter { index, line in !(line.isEmpty && index > 0 && lines[index - 1].isEmpty) }.map(\.element)
        return lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension ReviewContent {
    /// Content as an event recorded it (checked and normalised when it was decided).
    init(trusted rating: Int, _ title: String, _ body: String) {
        self.rating = rating
        self.title = title
        self.body = body
    }
}
