import Synchronization

/// The details of the products this server's listings showed — everything an answer shows of a
/// product, in no currency or language in particular — kept so that a page is read from
/// PostgreSQL only for products changed since (or not shown before). A kept copy serves a page
/// only when it is at least as fresh as the listing's snapshot (its change numbers no smaller),
/// so pages are as fresh as the tables, like the listing itself.
final class PageDetails: Sendable {
    /// Products kept at most; past it the kept ones are dropped and kept again as pages show them.
    static let capacity = 20_000

    private let kept = Mutex<[String: CatalogReader.StoredProduct]>([:])

    /// The products of `ids` (listed in `snapshot`): the kept copies fresh enough for it, the
    /// others read by `read` and kept.
    func products(
        _ ids: [String], snapshot: CatalogSnapshot, read: ([String]) async throws -> [String: CatalogReader.StoredProduct]
    ) async throws -> [String: CatalogReader.StoredProduct] {
        var found: [String: CatalogReader.StoredProduct] = [:]
        let missing: [String] = kept.withLock { kept in
            ids.filter { id in
                guard let copy = kept[id], let ordinal = snapshot.ordinals[id].map(Int.init),
                      copy.catalogChange >= snapshot.catalogChanges[ordinal], copy.ratingChange >= snapshot.ratingChanges[ordinal]
                else { return true }
                found[id] = copy
                return false
            }
        }
        guard !missing.isEmpty else { return found }
        let read = try await read(missing)
        kept.withLock { kept in
            if kept.count + read.count > Self.capacity { kept.removeAll(keepingCapacity: true) }
            for (id, product) in read {
                // A copy read by a concurrent request may be fresher: the fresher stays.
                if let other = kept[id], other.catalogChange > product.catalogChange || other.ratingChange > product.ratingChange { continue }
                kept[id] = product
            }
        }
        return found.merging(read) { _, read in read }
    }
}
