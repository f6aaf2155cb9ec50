import Synchronization

/// The words of the products on sale (names, categories, descriptions), for correcting a
/// shopper's typing mistakes (``SearchTerms``). Words are kept by length, so that a misspelt word
/// is compared only with words it could be a few edits from.
public struct SearchDictionary: Sendable {
    private let words: Set<String>
    private let byLength: [Int: [[Character]]]
    /// Corrections found so far (the dictionary never changes: a new one is made instead). A
    /// shop's misspellings repeat, and finding one compares it with every word of about its length.
    private let found = Corrections()

    /// Words and their corrections, at most ``capacity`` (then forgotten all at once).
    private final class Corrections: Sendable {
        static let capacity = 10_000
        let state = Mutex<[String: [String]]>([:])
    }

    public static let empty = SearchDictionary([])

    public init<Words: Sequence>(_ words: Words) where Words.Element == String {
        let set = Set(words)
        self.words = set
        var byLength: [Int: [[Character]]] = [:]
        for word in set.sorted() { byLength[word.count, default: []].append(Array(word)) }
        self.byLength = byLength
    }

    public var count: Int { words.count }

    public func contains(_ word: String) -> Bool { words.contains(word) }

    /// The words within the allowed edits of `word` (``SearchTerms/allowedEdits(length:)``),
    /// closest first, then alphabetically; at most `limit`.
    public func closest(to word: String, limit: Int) -> [String] {
        let key = "\(limit) \(word)"
        if let known = found.state.withLock({ $0[key] }) { return known }
        let closest = search(word, limit: limit)
        found.state.withLock { found in
            if found.count >= Corrections.capacity { found.removeAll(keepingCapacity: true) }
            found[key] = closest
        }
        return closest
    }

    private func search(_ word: String, limit: Int) -> [String] {
        let typed = Array(word)
        let allowed = SearchTerms.allowedEdits(length: typed.count)
        guard allowed > 0 else { return [] }
        var found: [(distance: Int, word: String)] = []
        for length in max(1, typed.count - allowed)...(typed.count + allowed) {
            for candidate in byLength[length] ?? [] {
                if let distance = SearchTerms.editDistance(typed, candidate, limit: allowed) {
                    found.append((distance, String(candidate)))
                }
            }
        }
        found.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.word < $1.word }
        return found.prefix(limit).map(\.word)
    }
}
