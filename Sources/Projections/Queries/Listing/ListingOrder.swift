import Foundation

/// The page of a listing: the first `limit` products in the sort's order strictly after the
/// cursor, kept while the products are offered one by one (a short sorted array: most offers
/// lose to its last entry in one comparison, so a listing of 100,000 products sorts none of them).
///
/// The order is the sort key, then the product id, ascending for name and price, descending for
/// the others — as the cursor says where the previous page stopped. Texts compare byte by byte
/// (UTF-8), as the database (C.UTF-8) did. Keys are numbers (the name sort's: the name's first
/// eight bytes, the whole name only when those tie) and ids are compared by their ranks in the
/// snapshot's id order, so no offer copies or compares a string unless two names start alike.
struct ListingOrder {
    struct Chosen {
        let ordinal: Int32
        /// The sort key; for the name sort the name's first bytes (``namePrefix(_:)``) as a bit pattern.
        let number: Int64
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

    /// Two texts byte by byte (UTF-8): negative, zero or positive as `a` comes before, equals or
    /// follows `b`. (Swift's `==` on strings would call canonically equivalent texts equal.)
    static func compareBytes(_ a: String, _ b: String) -> Int {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                let order = common == 0 ? 0 : Int(memcmp(x.baseAddress!, y.baseAddress!, common))
                return order != 0 ? order : x.count - y.count
            }
        }
    }

    private struct Cursor {
        let number: Int64
        let name: String
        /// The cursor's id's place in the id order, doubled (``CatalogSnapshot/doubledRank(of:)``).
        let doubledRank: Int
    }

    let ascending: Bool
    let byName: Bool
    let limit: Int
    private let cursor: Cursor?
    private let names: [String]
    private let ranks: [Int32]
    private(set) var chosen: [Chosen] = []

    init(sort: CatalogReader.Sort, limit: Int, cursor: (key: String, id: String)?, snapshot: CatalogSnapshot) {
        byName = sort == .name
        ascending = sort == .name || sort == .price
        self.limit = limit
        names = snapshot.names
        ranks = snapshot.idRanks
        let byName = byName
        self.cursor = cursor.map { cursor in
            Cursor(
                number: byName ? Int64(bitPattern: Self.namePrefix(cursor.key)) : Int64(cursor.key) ?? 0,
                name: byName ? cursor.key : "",
                doubledRank: snapshot.doubledRank(of: cursor.id)
            )
        }
        chosen.reserveCapacity(limit + 1)
    }

    /// The key as a cursor carries it.
    func keyText(of chosen: Chosen) -> String {
        byName ? names[Int(chosen.ordinal)] : String(chosen.number)
    }

    /// Whether the key `a` (of a product named `nameA` when by name) comes before `b`: 0 when
    /// they tie, negative or positive as in ``compareBytes(_:_:)``.
    @inline(__always)
    private func compareKeys(_ a: Int64, _ nameA: @autoclosure () -> String, _ b: Int64, _ nameB: @autoclosure () -> String) -> Int {
        if byName {
            let (x, y) = (UInt64(bitPattern: a), UInt64(bitPattern: b))
            if x != y { return x < y ? -1 : 1 }
            return Self.compareBytes(nameA(), nameB())
        }
        if a != b { return a < b ? -1 : 1 }
        return 0
    }

    /// Whether product `a` (key `keyA`) comes before product `b` in the listing's order.
    @inline(__always)
    private func precedes(_ keyA: Int64, _ a: Int32, _ keyB: Int64, _ b: Int32) -> Bool {
        var order = compareKeys(keyA, names[Int(a)], keyB, names[Int(b)])
        if order == 0 { order = Int(ranks[Int(a)]) - Int(ranks[Int(b)]) }
        return ascending ? order < 0 : order > 0
    }

    /// Whether a product named with `prefix` (``namePrefix(_:)``) cannot be on the page of the
    /// name sort: before the cursor, or after a full page's last.
    func rejects(namePrefix prefix: UInt64) -> Bool {
        if let cursor, prefix < UInt64(bitPattern: cursor.number) { return true }
        if chosen.count == limit, let last = chosen.last, prefix > UInt64(bitPattern: last.number) { return true }
        return false
    }

    /// Offers product `ordinal` with its sort key (by name: its name's prefix as a bit pattern).
    mutating func offer(_ ordinal: Int, key: Int64) {
        let product = Int32(truncatingIfNeeded: ordinal)
        if let cursor {
            var order = compareKeys(cursor.number, cursor.name, key, names[ordinal])
            if order == 0 { order = cursor.doubledRank - 2 * Int(ranks[ordinal]) }
            guard ascending ? order < 0 : order > 0 else { return }
        }
        if chosen.count == limit, let last = chosen.last, !precedes(key, product, last.number, last.ordinal) { return }
        // Where it goes: after every entry that precedes it.
        var low = 0, high = chosen.count
        while low < high {
            let middle = (low + high) / 2
            let other = chosen[middle]
            if precedes(other.number, other.ordinal, key, product) { low = middle + 1 } else { high = middle }
        }
        chosen.insert(Chosen(ordinal: product, number: key), at: low)
        if chosen.count > limit { chosen.removeLast() }
    }
}
