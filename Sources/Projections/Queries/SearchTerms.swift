/// A shopper's search text as the words the catalog is searched for, forgiving typing mistakes.
///
/// Words are runs of letters and digits, lower-cased (the `simple` text search configuration
/// keeps them so). A word the catalog has is searched as it is; one it lacks is replaced by the
/// catalog's words within a few edits of it — one edit for words of three to five characters, two
/// from six, none below three (an edit: a character added, dropped, changed, or two neighbours
/// swapped). The last word also matches as a prefix, for search as you type.
public struct SearchTerms: Sendable, Equatable {
    public struct Term: Sendable, Equatable {
        /// The word as typed (lower-cased).
        public let word: String
        /// What it is searched as: itself when the catalog has it, else its corrections (empty
        /// when there are none: nothing matches it).
        public let alternatives: [String]
        public var corrected: Bool { alternatives != [word] }
    }

    public let terms: [Term]

    /// At most this many words count; the rest of a long query is ignored.
    public static let maximumWords = 10
    /// Longer words are cut to this many characters.
    public static let maximumWordLength = 40
    /// A misspelt word is searched as at most this many of the closest words.
    public static let maximumCorrections = 5

    public init(_ text: String, dictionary: SearchDictionary) {
        let words = Self.words(of: text)
        terms = words.map { word in
            // Numbers are searched as typed: a catalog's numbers are not misspellings of each other.
            if dictionary.contains(word) || !word.contains(where: \.isLetter) { return Term(word: word, alternatives: [word]) }
            return Term(word: word, alternatives: dictionary.closest(to: word, limit: Self.maximumCorrections))
        }
    }

    /// The words of `text`: runs of letters and digits, lower-cased, in order, without repeats;
    /// at most `maximum` of them, each cut to ``maximumWordLength``.
    public static func words(of text: String, maximum: Int = maximumWords) -> [String] {
        var words: [String] = []
        var current = ""
        func finish() {
            if !current.isEmpty, !words.contains(current), words.count < maximum {
                words.append(String(current.prefix(maximumWordLength)))
            }
            current = ""
        }
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else {
                finish()
            }
        }
        finish()
        return words
    }

    /// The most edits a word of `length` characters may be away from the one meant.
    static func allowedEdits(length: Int) -> Int {
        length < 3 ? 0 : length < 6 ? 1 : 2
    }

    /// For `to_tsquery('simple', …)`: every term's alternatives OR-ed, the terms AND-ed, the last
    /// term's alternatives also as prefixes; "" when there are no words. Words hold only letters
    /// and digits, so they need no quoting.
    public var textQuery: String {
        guard !terms.isEmpty else { return "" }
        return terms.enumerated().map { index, term in
            // A word the catalog lacks and nothing close to it: searched as typed (the catalog
            // may have gained it since its words were read).
            var options = term.alternatives.isEmpty ? [term.word] : term.alternatives
            if index == terms.count - 1 {
                // The word being typed: also every word it begins (and that its corrections begin).
                options += ([term.word] + term.alternatives.filter { $0 != term.word }).map { "\($0):*" }
            }
            return "(" + options.joined(separator: " | ") + ")"
        }.joined(separator: " & ")
    }

    /// The words that were searched as others: typed word → the words used instead.
    public var corrections: [String: [String]] {
        Dictionary(uniqueKeysWithValues: terms.filter(\.corrected).map { ($0.word, $0.alternatives) })
    }

    /// Edits between `a` and `b` (optimal string alignment: insertions, deletions,
    /// substitutions and swaps of neighbours), or nil when more than `limit`.
    static func editDistance(_ a: [Character], _ b: [Character], limit: Int) -> Int? {
        guard abs(a.count - b.count) <= limit else { return nil }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    value = min(value, beforePrevious[j - 2] + 1)
                }
                current[j] = value
                rowMinimum = min(rowMinimum, value)
            }
            // Every later row is at least this row's minimum: past the limit, stop.
            if rowMinimum > limit { return nil }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[b.count] <= limit ? previous[b.count] : nil
    }
}
