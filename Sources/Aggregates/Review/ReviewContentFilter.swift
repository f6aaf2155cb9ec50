import Foundation

/// Decides whether a review needs a moderator's eye before it shows: a word list shipped with
/// the project, links, and spam-like repetition or shouting. It flags, it never rejects: a
/// flagged review waits in the moderation queue with the reasons.
public enum ReviewContentFilter {
    public enum Flag: String, Codable, Sendable, CaseIterable {
        /// A word of the word list, also spelled with digits or symbols for letters ("1d10t").
        case language
        /// A URL, a `www.` address or a bare domain name.
        case link
        /// A character held down (6 or more in a row), or a word said over and over.
        case repetition
        /// Mostly capital letters.
        case shouting
    }

    /// Words that send a review to moderation (English and German insults and obscenities).
    /// Kept short on purpose: a moderator, not the list, decides.
    static let words: Set<String> = [
        "asshole", "bastard", "bitch", "bullshit", "cunt", "dickhead", "fuck", "fucked", "fucking", "idiot", "moron",
        "motherfucker", "retard", "scam", "shit", "shitty", "slut", "twat", "wanker", "whore",
        "arschloch", "betrug", "fotze", "hurensohn", "idioten", "scheiss", "scheiße", "scheisse", "wichser",
    ]

    /// Top-level domains that make a bare `word.tld` a link.
    static let domains: Set<String> = ["com", "net", "org", "io", "co", "de", "ru", "cn", "info", "biz", "xyz", "shop", "top", "online", "site", "ly"]

    /// The flags `content` raises; empty when it may show without review.
    public static func flags(_ content: ReviewContent) -> [Flag] {
        let text = content.title + "\n" + content.body
        var flags: [Flag] = []
        let words = Self.tokens(text)
        if words.contains(where: { Self.words.contains(Self.deobfuscated($0)) }) { flags.append(.language) }
        if Self.hasLink(text) { flags.append(.link) }
        if Self.isRepetitive(text, words: words) { flags.append(.repetition) }
        if Self.isShouting(text) { flags.append(.shouting) }
        return flags
    }

    static func tokens(_ text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber || "@$".contains($0)) }.map(String.init)
    }

    /// Digits and symbols read as the letters they stand for.
    static let lookalikes: [Character: Character] = ["0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"]

    static func deobfuscated(_ word: String) -> String {
        String(word.map { lookalikes[$0] ?? $0 })
    }

    static func hasLink(_ text: String) -> Bool {
        let lower = text.lowercased()
        if lower.contains("http://") || lower.contains("https://") || lower.contains("www.") { return true }
        for candidate in lower.split(whereSeparator: { $0.isWhitespace || "()[]<>\"',;!?".contains($0) }) {
            let parts = candidate.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count >= 2, let last = parts.last, domains.contains(String(last)),
                  parts.dropLast().allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } })
            else { continue }
            return true
        }
        return false
    }

    static func isRepetitive(_ text: String, words: [String]) -> Bool {
        var run = 0
        var previous: Character?
        for character in text where !character.isWhitespace {
            run = character == previous ? run + 1 : 1
            previous = character
            // Digits repeat legitimately (1000000); letters and marks held down do not.
            if run >= 6, !character.isNumber { return true }
        }
        var wordRun = 0
        for (index, word) in words.enumerated() {
            wordRun = index > 0 && words[index - 1] == word ? wordRun + 1 : 1
            if wordRun >= 4 { return true }
        }
        guard words.count >= 8 else { return false }
        let counts = Dictionary(words.map { ($0, 1) }, uniquingKeysWith: +)
        return counts.values.max()! * 2 > words.count
    }

    static func isShouting(_ text: String) -> Bool {
        let letters = text.filter(\.isLetter)
        guard letters.count >= 20 else { return false }
        let upper = letters.filter(\.isUppercase).count
        return upper * 10 > letters.count * 7
    }
}
