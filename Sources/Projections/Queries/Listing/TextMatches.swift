import Synchronization

/// The products a search text matches, as PostgreSQL's full-text index finds them, kept per
/// server by text for as long as no product row changes (the search words live in the product
/// rows: stock, prices, ratings and orders change other rows). A shop's searches repeat — the
/// same few hundred texts most of the day — and matching one costs PostgreSQL a scan of the
/// index's postings for each word (a millisecond or more), every time. Exact: a kept list serves
/// only a snapshot that has seen no product row change since it was read.
final class TextMatches: Sendable {
    struct Match: Sendable {
        /// The product's number in the snapshot.
        let ordinal: Int32
        /// `ts_rank` in millionths (0 when not ranked).
        let relevance: Int64
    }

    private struct Kept {
        let generation: Int
        let products: Int64
        let matches: [Match]
        /// Served again since the last time the lists were thinned.
        var used = false
    }

    /// Matches kept at most, over all texts (16 bytes each: 24 MB at most). Past it the lists not
    /// served again since the last thinning are dropped (a flood of texts searched once — a
    /// crawler's — leaves a shop's repeated searches kept), and if that is not enough, all.
    /// A misspelt word searched as its neighbours can match thousands.
    static let defaultCapacity = 1_500_000

    /// A read from the database under way: of one text, for one snapshot's product rows.
    private struct Reading: Hashable {
        let key: String
        let generation: Int
        let products: Int64
    }

    private enum Found {
        case kept([Match])
        case reading(Task<[Match], any Error>)
    }

    let capacity: Int
    private let state = Mutex<(kept: [String: Kept], size: Int)>(([:], 0))
    /// Reads under way, so that concurrent first searches of one text share one: right after a
    /// product row changes every kept list is dropped at once, and a shop's popular texts then
    /// arrive many at a time.
    private let reading = Mutex<[Reading: Task<[Match], any Error>]>([:])

    init(capacity: Int = TextMatches.defaultCapacity) {
        self.capacity = capacity
    }

    /// The matches of `textQuery` (`to_tsquery('simple', …)`) among `snapshot`'s products, ranked
    /// when `ranked`: kept ones when no product row changed since, else `read` from the database.
    func matches(
        _ textQuery: String, ranked: Bool, snapshot: CatalogSnapshot, read: @escaping @Sendable (String, Bool) async throws -> [String: Int64]
    ) async throws -> [Match] {
        let key = (ranked ? "ranked " : "") + textQuery
        if let kept = kept(key, for: snapshot) { return kept }
        let wanted = Reading(key: key, generation: snapshot.generation, products: snapshot.seen.products)
        let found: Found = reading.withLock { reading in
            if let task = reading[wanted] { return .reading(task) }
            // Asked again under this lock: a read that ended since the first ask kept its list
            // before it left `reading`.
            if let kept = kept(key, for: snapshot) { return .kept(kept) }
            // A task of its own, not the first caller's: the read is every waiting caller's, and
            // one caller cancelled must not fail the others. It ends with its statement.
            let task = Task {
                defer { _ = self.reading.withLock { $0.removeValue(forKey: wanted) } }
                return try await self.read(textQuery, ranked: ranked, key: key, snapshot: snapshot, read: read)
            }
            reading[wanted] = task
            return .reading(task)
        }
        switch found {
        case .kept(let kept): return kept
        case .reading(let task): return try await task.value
        }
    }

    /// The list kept for `key`, if it is as fresh as `snapshot`'s product rows.
    private func kept(_ key: String, for snapshot: CatalogSnapshot) -> [Match]? {
        state.withLock { state in
            guard let kept = state.kept[key], kept.generation == snapshot.generation, kept.products == snapshot.seen.products else { return nil }
            if !kept.used { state.kept[key]?.used = true }
            return kept.matches
        }
    }

    /// Reads the matches from the database and keeps them.
    private func read(
        _ textQuery: String, ranked: Bool, key: String, snapshot: CatalogSnapshot, read: (String, Bool) async throws -> [String: Int64]
    ) async throws -> [Match] {
        // A product published after the snapshot was read is not in it: not listed yet, and the
        // list kept for this snapshot's product rows leaves it out.
        // In the snapshot's order: the listing's pass then reads the products' columns and
        // variants front to back, not at random (thousands of matches cost more in cache misses
        // than in counting).
        let matches = try await read(textQuery, ranked).compactMap { id, relevance in
            snapshot.ordinals[id].map { Match(ordinal: $0, relevance: relevance) }
        }.sorted { $0.ordinal < $1.ordinal }
        state.withLock { state in
            if state.size + matches.count > capacity {
                state.kept = state.kept.filter(\.value.used).mapValues { kept in
                    var unused = kept
                    unused.used = false
                    return unused
                }
                state.size = state.kept.values.reduce(0) { $0 + $1.matches.count }
            }
            if state.size + matches.count > capacity {
                state.kept.removeAll(keepingCapacity: true)
                state.size = 0
            }
            state.size += matches.count - (state.kept[key]?.matches.count ?? 0)
            state.kept[key] = Kept(generation: snapshot.generation, products: snapshot.seen.products, matches: matches)
        }
        return matches
    }
}
