/// Search text as search analytics counts it: one text however it was typed.
public enum SearchQuery {
    public static let maximumLength = 100

    /// Lowercased, runs of white space as one space, trimmed, at most ``maximumLength`` characters.
    public static func normalized(_ text: String) -> String {
        String(text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ").prefix(maximumLength))
    }
}
