/// The published products' names in the order suggestions list them — most ordered first, then
/// by name — with each name's words, so that a search box's suggestions are a walk down one
/// array in memory rather than a text query ranking every product whose name matches a short
/// prefix (thousands, for one letter).
struct SuggestionIndex: Sendable {
    struct Entry: Sendable {
        let productId: String
        let name: String
        let orders: Int64
        /// The name's words as ``SearchTerms/words(of:maximum:)`` makes them (all of them), as
        /// UTF-8 with a space between: one allocation per product (100k products' names fit in
        /// a few tens of megabytes).
        let words: [UInt8]

        /// Whether a word of the name begins with `prefix`.
        func hasWord(beginningWith prefix: [UInt8]) -> Bool {
            guard !prefix.isEmpty, words.count >= prefix.count else { return prefix.isEmpty }
            var start = 0
            while start + prefix.count <= words.count {
                var matched = 0
                while matched < prefix.count, words[start + matched] == prefix[matched] { matched += 1 }
                if matched == prefix.count { return true }
                // On to the next word.
                guard let space = words[start...].firstIndex(of: Self.separator) else { return false }
                start = space + 1
            }
            return false
        }

        static let separator = UInt8(ascii: " ")
    }

    let entries: [Entry]

    init(_ products: [(productId: String, name: String, orders: Int64)]) {
        entries = products
            .sorted { ($0.orders, $1.name, $1.productId) > ($1.orders, $0.name, $0.productId) }
            .map { Entry(productId: $0.productId, name: $0.name, orders: $0.orders, words: Array(SearchTerms.words(of: $0.name, maximum: .max).joined(separator: " ").utf8)) }
    }

    /// The first `limit` products whose name has, for every typed word, a word beginning with it.
    func matching(_ typed: [String], limit: Int) -> [Entry] {
        let prefixes = typed.map { Array($0.utf8) }
        var found: [Entry] = []
        for entry in entries where prefixes.allSatisfy(entry.hasWord(beginningWith:)) {
            found.append(entry)
            if found.count == limit { break }
        }
        return found
    }
}
