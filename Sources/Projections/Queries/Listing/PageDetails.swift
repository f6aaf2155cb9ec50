import Aggregates
import Synchronization

/// The details of the products this server's listings showed — everything an answer shows of a
/// product, in no currency or language in particular, and its JSON for each currency and
/// language it was shown in — kept so that a page reads PostgreSQL only for products changed
/// since (or not shown before), and writes JSON only for products not shown so before. A kept
/// copy serves a page only when it is at least as fresh as the listing's snapshot (its change
/// numbers no smaller), so pages are as fresh as the tables, like the listing itself.
final class PageDetails: Sendable {
    /// Products kept at most; past it the kept ones are dropped and kept again as pages show them.
    static let capacity = 5_000

    private struct Kept {
        var product: CatalogReader.StoredProduct
        /// The product's JSON by currency code and language shown ("EUR|de"; "EUR|" the default texts).
        var encoded: [String: [UInt8]] = [:]
    }

    /// A product of a page as the answer shows it, and its JSON (nil when not asked for).
    struct Shown {
        let product: CatalogReader.Product
        let json: [UInt8]?
    }

    private let kept = Mutex<[String: Kept]>([:])

    /// The products of `ids` (listed in `snapshot`) in `currency` and `language`, with their JSON
    /// when `encoded`: the kept copies fresh enough for it, the others read by `read` and kept.
    func products(
        _ ids: [String], snapshot: CatalogSnapshot, currency: Currency, language: LanguagePreference?, encoded: Bool,
        read: ([String]) async throws -> [String: CatalogReader.StoredProduct]
    ) async throws -> [String: Shown] {
        var found: [String: Kept] = [:]
        let missing: [String] = kept.withLock { kept in
            ids.filter { id in
                guard let copy = kept[id], let ordinal = snapshot.ordinals[id].map(Int.init),
                      copy.product.catalogChange >= snapshot.catalogChanges[ordinal], copy.product.ratingChange >= snapshot.ratingChanges[ordinal]
                else { return true }
                found[id] = copy
                return false
            }
        }
        if !missing.isEmpty {
            for (id, product) in try await read(missing) { found[id] = Kept(product: product) }
        }
        var shown: [String: Shown] = [:]
        var written: [(id: String, key: String, json: [UInt8])] = []
        for (id, copy) in found {
            let product = copy.product.product(currency: currency, language: language)
            let key = currency.code + "|" + (product.locale ?? "")
            if !encoded {
                shown[id] = Shown(product: product, json: nil)
            } else if let json = copy.encoded[key] {
                shown[id] = Shown(product: product, json: json)
            } else {
                let json = [UInt8](try AnswerJSON.encoder.encode(product))
                shown[id] = Shown(product: product, json: json)
                written.append((id, key, json))
            }
        }
        kept.withLock { kept in
            if kept.count + missing.count > Self.capacity { kept.removeAll(keepingCapacity: true) }
            for id in missing {
                guard let read = found[id] else { continue }
                // A copy read by a concurrent request may be fresher: the fresher stays.
                if let other = kept[id], other.product.catalogChange > read.product.catalogChange || other.product.ratingChange > read.product.ratingChange {
                    continue
                }
                kept[id] = read
            }
            for (id, key, json) in written {
                guard let copy = kept[id], let reading = found[id],
                      copy.product.catalogChange == reading.product.catalogChange, copy.product.ratingChange == reading.product.ratingChange
                else { continue }
                kept[id]?.encoded[key] = json
            }
        }
        return shown
    }
}
