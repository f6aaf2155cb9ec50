import EventStore
import Foundation

/// The rows the analytics builder keeps in memory: entities it reads back before folding a live
/// batch, and rollup deltas it adds onto the tables.
enum AnalyticsRows {
    /// The start of an instant's quarter hour of UTC, in seconds since 1970: a rollup's key.
    static func bucket(_ date: Date) -> Int64 {
        RollupTier.quarterHour.start(Int64(date.timeIntervalSince1970.rounded(.down)))
    }

    struct Order {
        var customerKind: String
        var customerID: String
        var currency: String
        var placedAt: Date
        var total: Int64
        var paid: Bool
        var cancelled: Bool
        var lines: [Line]
        /// The customer's orders around this one, for signed-in customers (see ``Neighbours``).
        var neighbours = Neighbours()
        var neighboursInCurrency = Neighbours()
    }

    /// When a customer placed the orders just before and after one of theirs, in
    /// (placed at, order id) order: up to four earlier ones, most recent first, and the next.
    /// A period's orders-per-customer report counts from these alone (see
    /// `schemas/sql/0006_analytics_repeat_orders.sql`).
    struct Neighbours: Equatable {
        var earlier: [Date] = []
        var later: Date?

        static let earlierKept = 4

        /// Each order's neighbours among `orders` (one customer's, or those in one currency).
        static func of(_ orders: [(id: String, placedAt: Date)]) -> [String: Neighbours] {
            let sorted = orders.sorted { $0.placedAt != $1.placedAt ? $0.placedAt < $1.placedAt : $0.id < $1.id }
            var result: [String: Neighbours] = [:]
            for (index, order) in sorted.enumerated() {
                result[order.id] = Neighbours(
                    earlier: sorted[max(0, index - earlierKept)..<index].reversed().map(\.placedAt),
                    later: index + 1 < sorted.count ? sorted[index + 1].placedAt : nil
                )
            }
            return result
        }
    }

    struct Line {
        var sku: String
        var productID: String
        var quantity: Int64
        var unitPrice: Int64
    }

    struct Cart: Codable {
        var ownerKind: String
        var ownerID: String
        var currency: String
        var lines: [CartLine]
        var status: String
        var gotLine: Bool
        var createdAt: Date
        var abandonedAt: Date?

        var value: Int64 { lines.reduce(0) { $0 + $1.unitPrice * $1.quantity } }
    }

    struct CartLine: Codable, Equatable {
        var sku: String
        var name: String
        var quantity: Int64
        var unitPrice: Int64

        /// The lines as the `lines` column's JSON, written by hand: a rebuild writes every cart.
        static func json(_ lines: [CartLine]) -> String {
            var json: [UInt8] = [UInt8(ascii: "[")]
            for (index, line) in lines.enumerated() {
                json.append(contentsOf: index == 0 ? "{".utf8 : ",{".utf8)
                JSONText.appendKey("name", to: &json)
                JSONText.appendString(line.name, to: &json)
                json.append(UInt8(ascii: ","))
                JSONText.appendKey("quantity", to: &json)
                JSONText.appendInteger(line.quantity, to: &json)
                json.append(UInt8(ascii: ","))
                JSONText.appendKey("sku", to: &json)
                JSONText.appendString(line.sku, to: &json)
                json.append(UInt8(ascii: ","))
                JSONText.appendKey("unitPrice", to: &json)
                JSONText.appendInteger(line.unitPrice, to: &json)
                json.append(UInt8(ascii: "}"))
            }
            json.append(UInt8(ascii: "]"))
            return String(decoding: json, as: UTF8.self)
        }
    }

    struct Product {
        var name: String
        var categoryPath: String
    }

    struct Stock {
        var productID: String?
        var onHand: Int64 = 0
        var reserved: Int64 = 0
        var threshold: Int64?
    }

    /// A rollup row's key: the fold fills quarter hours; the writer adds each to the coarser tiers.
    /// Ordered as the tables' primary keys are.
    struct Key: Hashable, Comparable {
        var tier = RollupTier.quarterHour
        var bucket: Int64
        var currency: String

        static func < (a: Key, b: Key) -> Bool { (a.tier.rawValue, a.bucket, a.currency) < (b.tier.rawValue, b.bucket, b.currency) }
    }

    /// Ordered as the table's primary key is.
    struct SKUKey: Hashable, Comparable {
        var tier = RollupTier.quarterHour
        var bucket: Int64
        var sku: String
        var currency: String

        static func < (a: SKUKey, b: SKUKey) -> Bool {
            (a.tier.rawValue, a.bucket, a.sku, a.currency) < (b.tier.rawValue, b.bucket, b.sku, b.currency)
        }
    }

    /// A product-views row's key, ordered as the table's primary key is.
    struct ViewKey: Hashable, Comparable {
        var tier = RollupTier.quarterHour
        var bucket: Int64
        var productID: String

        static func < (a: ViewKey, b: ViewKey) -> Bool { (a.tier.rawValue, a.bucket, a.productID) < (b.tier.rawValue, b.bucket, b.productID) }
    }

    struct Sales {
        var ordersPlaced: Int64 = 0
        var gross: Int64 = 0
        var discounts: Int64 = 0
        var tax: Int64 = 0
        var shipping: Int64 = 0
        var ordersPaid: Int64 = 0
        var paid: Int64 = 0
        var refunds: Int64 = 0
        var ordersCancelled: Int64 = 0
        var cancelledValue: Int64 = 0
        var unitsSold: Int64 = 0
    }

    struct SKUSales {
        var productID: String
        var unitsSold: Int64 = 0
        var revenue: Int64 = 0
        var unitsReturned: Int64 = 0
        var returnedValue: Int64 = 0
    }

    struct Funnel {
        var cartsCreated: Int64 = 0
        var cartsWithLine: Int64 = 0
        var checkouts: Int64 = 0
        var ordersPaid: Int64 = 0
        var ordersShipped: Int64 = 0
        var cartsAbandoned: Int64 = 0
        var abandonedValue: Int64 = 0
    }
}

extension AnalyticsRows.Sales {
    mutating func add(_ other: Self) {
        ordersPlaced += other.ordersPlaced
        gross += other.gross
        discounts += other.discounts
        tax += other.tax
        shipping += other.shipping
        ordersPaid += other.ordersPaid
        paid += other.paid
        refunds += other.refunds
        ordersCancelled += other.ordersCancelled
        cancelledValue += other.cancelledValue
        unitsSold += other.unitsSold
    }
}

extension AnalyticsRows.SKUSales {
    mutating func add(_ other: Self) {
        unitsSold += other.unitsSold
        revenue += other.revenue
        unitsReturned += other.unitsReturned
        returnedValue += other.returnedValue
    }
}

extension AnalyticsRows.Funnel {
    mutating func add(_ other: Self) {
        cartsCreated += other.cartsCreated
        cartsWithLine += other.cartsWithLine
        checkouts += other.checkouts
        ordersPaid += other.ordersPaid
        ordersShipped += other.ordersShipped
        cartsAbandoned += other.cartsAbandoned
        abandonedValue += other.abandonedValue
    }
}

extension Dictionary {
    /// Each quarter-hour delta added into its bucket of every tier the table keeps.
    func inEveryTier(_ tiers: [RollupTier], _ retier: (Key, RollupTier) -> Key, add: (inout Value, Value) -> Void) -> [Key: Value] {
        var all: [Key: Value] = [:]
        all.reserveCapacity(count * tiers.count)
        for (key, value) in self {
            for tier in tiers {
                let tiered = retier(key, tier)
                if all[tiered] == nil { all[tiered] = value } else { add(&all[tiered]!, value) }
            }
        }
        return all
    }
}
