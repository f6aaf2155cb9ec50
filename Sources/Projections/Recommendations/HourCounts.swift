/// Orders and views per product and hour as increments: one entry per order line or view, counted
/// when written (like ``PairCounts``, and for the same reason: a rebuild's dictionary of hourly
/// counts was nearly one entry per increment, and growing it cost more than sorting the list).
struct HourCounts {
    // `product << 32 | hour`: the product's ``InternedNames`` number, the whole hours since 1970
    // as 32 bits (RFC 3339 years 1–9999 are within ±80 million hours).
    private var orders: [UInt64] = []
    private var views: [UInt64] = []

    mutating func addOrder(of product: Int32, hour: Int64) {
        orders.append(Self.key(product, hour))
    }

    mutating func addView(of product: Int32, hour: Int64) {
        views.append(Self.key(product, hour))
    }

    /// Each product and hour once with its orders and views; the increments are forgotten.
    mutating func take() -> [(product: Int32, hour: Int64, orders: Int64, views: Int64)] {
        defer {
            orders.removeAll(keepingCapacity: true)
            views.removeAll(keepingCapacity: true)
        }
        return counted()
    }

    /// Each product and hour once with its orders and views; the increments stay.
    func counted() -> [(product: Int32, hour: Int64, orders: Int64, views: Int64)] {
        let (orders, views) = (orders.sorted(), views.sorted())
        var counted: [(product: Int32, hour: Int64, orders: Int64, views: Int64)] = []
        var (o, v) = (0, 0)
        while o < orders.count || v < views.count {
            let key = min(o < orders.count ? orders[o] : .max, v < views.count ? views[v] : .max)
            var (orderCount, viewCount): (Int64, Int64) = (0, 0)
            while o < orders.count, orders[o] == key { orderCount += 1; o += 1 }
            while v < views.count, views[v] == key { viewCount += 1; v += 1 }
            counted.append((Int32(truncatingIfNeeded: key >> 32), Int64(Int32(truncatingIfNeeded: key)), orderCount, viewCount))
        }
        return counted
    }

    private static func key(_ product: Int32, _ hour: Int64) -> UInt64 {
        UInt64(UInt32(bitPattern: product)) << 32 | UInt64(UInt32(bitPattern: Int32(clamping: hour)))
    }
}
