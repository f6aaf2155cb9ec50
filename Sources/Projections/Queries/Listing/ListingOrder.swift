/// The page of a listing: the first `limit` products in the sort's order strictly after the
/// cursor, kept while the products are offered one by one (a short sorted array: most offers
/// lose to its last entry in one comparison, so a listing of 100,000 products sorts none of them).
///
/// The order is the sort key, then the product id, ascending for name and price, descending for
/// the others — as the cursor says where the previous page stopped. Texts compare by code point,
/// as the database (C.UTF-8) does.
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
            case (.text(let x), .text(let y)): x < y
            case (.number, .text): true
            case (.text, .number): false
            }
        }
    }

    struct Chosen {
        let ordinal: Int32
        let key: Key
    }

    let ascending: Bool
    let limit: Int
    private let cursor: (key: Key, id: String)?
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
        chosen.reserveCapacity(limit + 1)
    }

    /// Whether (key, id) comes before (otherKey, otherID), the ids read only on a tie.
    private func precedes(_ key: Key, _ id: () -> String, _ otherKey: Key, _ otherID: () -> String) -> Bool {
        if key != otherKey { return ascending ? key < otherKey : otherKey < key }
        return ascending ? id() < otherID() : otherID() < id()
    }

    mutating func offer(_ ordinal: Int, key: Key) {
        let ids = ids
        let id = { ids[ordinal] }
        if let cursor, !precedes(cursor.key, { cursor.id }, key, id) { return }
        if chosen.count == limit, let last = chosen.last, !precedes(key, id, last.key, { ids[Int(last.ordinal)] }) { return }
        // Where it goes: after every entry that precedes it.
        var low = 0, high = chosen.count
        while low < high {
            let middle = (low + high) / 2
            let other = chosen[middle]
            if precedes(other.key, { ids[Int(other.ordinal)] }, key, id) { low = middle + 1 } else { high = middle }
        }
        chosen.insert(Chosen(ordinal: Int32(ordinal), key: key), at: low)
        if chosen.count > limit { chosen.removeLast() }
    }
}
