/// The page of a listing: the first `limit` products in the sort's order strictly after the
/// cursor, kept while the products are offered one by one (a short sorted array: most offers
/// lose to its last entry in one comparison, so a listing of 100,000 products sorts none of them).
///
/// The order is the sort key, then the product id, ascending for name and price, descending for
/// the others — as the cursor says where the previous page stopped. Texts compare byte by byte
/// (UTF-8), as the database (C.UTF-8) did.
struct ListingOrder {
    enum Key: Equatable {
        case number(Int64)
        case text(String)

        /// As a cursor carries it.
        var text: String {
            switch self {
            case .number(let number): String(number)
            case .text(let text): text
            }
        }

        static func < (a: Key, b: Key) -> Bool {
            switch (a, b) {
            case (.number(let x), .number(let y)): x < y
            case (.text(let x), .text(let y)): x.utf8.lexicographicallyPrecedes(y.utf8)
            case (.number, .text): true
            case (.text, .number): false
            }
        }
    }

    struct Chosen {
        let ordinal: Int32
        let key: Key
        /// For the name sort: the name's first bytes (``namePrefix(_:)``).
        let prefix: UInt64
    }

    /// A text's first eight UTF-8 bytes as a number (zeros past its end): texts whose prefixes
    /// differ compare as their prefixes do, so most names are placed without reading them.
    static func namePrefix(_ text: String) -> UInt64 {
        var prefix: UInt64 = 0, bytes = 0
        for byte in text.utf8 {
            if bytes == 8 { break }
            prefix = prefix << 8 | UInt64(byte)
            bytes += 1
        }
        return bytes == 0 ? 0 : prefix << (8 * UInt64(8 - bytes))
    }

    let ascending: Bool
    let limit: Int
    private let cursor: (key: Key, id: String)?
    private let cursorPrefix: UInt64
    /// The snapshot's product ids, read only when two keys tie.
    private let ids: [String]
    private(set) var chosen: [Chosen] = []

    init(sort: CatalogReader.Sort, limit: Int, cursor: (key: String, id: String)?, ids: [String]) {
        ascending = sort == .name || sort == .price
        self.limit = limit
        self.ids = ids
        self.cursor = cursor.map { cursor in
            (key: sort == .name ? .text(cursor.key) : .number(Int64(cursor.key) ?? 0), id: cursor.id)
        }
        cursorPrefix = cursor.map { Self.namePrefix($0.key) } ?? 0
        chosen.reserveCapacity(limit + 1)
    }

    /// Whether `key` comes before `otherKey`, and on a tie whether `id` comes before `otherID`
    /// (read only then: most offers are settled by their keys).
    @inline(__always)
    private func precedes(_ key: Key, _ id: @autoclosure () -> String, _ otherKey: Key, _ otherID: @autoclosure () -> String) -> Bool {
        if key != otherKey { return ascending ? key < otherKey : otherKey < key }
        let (a, b) = (id(), otherID())
        return ascending ? a.utf8.lexicographicallyPrecedes(b.utf8) : b.utf8.lexicographicallyPrecedes(a.utf8)
    }

    /// Whether a product named with `prefix` (``namePrefix(_:)``) cannot be on the page of the
    /// name sort: before the cursor, or after a full page's last.
    func rejects(namePrefix prefix: UInt64) -> Bool {
        if cursor != nil, prefix < cursorPrefix { return true }
        if chosen.count == limit, let last = chosen.last, prefix > last.prefix { return true }
        return false
    }

    mutating func offer(_ ordinal: Int, key: Key, prefix: UInt64 = 0) {
        if let cursor, !precedes(cursor.key, cursor.id, key, ids[ordinal]) { return }
        if chosen.count == limit, let last = chosen.last, !precedes(key, ids[ordinal], last.key, ids[Int(last.ordinal)]) { return }
        // Where it goes: after every entry that precedes it.
        var low = 0, high = chosen.count
        while low < high {
            let middle = (low + high) / 2
            let other = chosen[middle]
            if precedes(other.key, ids[Int(other.ordinal)], key, ids[ordinal]) { low = middle + 1 } else { high = middle }
        }
        chosen.insert(Chosen(ordinal: Int32(ordinal), key: key, prefix: prefix), at: low)
        if chosen.count > limit { chosen.removeLast() }
    }
}
