import Aggregates
import Application
import EventStore
import Logging
import PostgresNIO

/// Turns stock and price changes into alerts for the customers who wish the SKU:
/// - back in stock: an inventory event that takes available stock from none (or backordered)
///   to some — a receipt, a correction, a released reservation;
/// - price drop: a price set in a currency that is at least `priceDropPercent` below the one
///   before (customers whose item was added in that currency).
///
/// Each alert is a ``WishlistBackInStock`` / ``WishlistPriceDropped`` event on the customer's
/// wishlist stream, which the notifier turns into a mail (for customers who opted in). The
/// process handles each event once (its checkpoint moves in the alerts' transaction), so each
/// change alerts once; a second receipt finds stock already there and alerts no one.
///
/// It also keeps `wishlist_watches` from the wishlist events: read in the same `$all` order, a
/// stock event meets exactly the wishes made before it.
public struct WishlistAlertsProcess: ProcessManager {
    public let name = "wishlist-alerts"
    public let categories = ["wishlist", "inventory", "product"]
    let client: PostgresClient
    /// `WISHLIST_PRICE_DROP_PERCENT`: the least fall, in percent of the previous price, that alerts.
    let priceDropPercent: Int
    let logger: Logger

    public init(client: PostgresClient, priceDropPercent: Int, logger: Logger) {
        self.client = client
        self.priceDropPercent = priceDropPercent
        self.logger = logger
    }

    public func handle(_ event: RecordedEvent, load: StepDecider) async throws -> ProcessStep {
        let logger = logger
        switch event.type {
        case WishlistItemAdded.eventType:
            let added = try EventReaction<WishlistItemAdded>.payload(of: event)
            return ProcessStep(writes: [{ try await WishlistWatches.watch(added.sku, customer: added.customerId, list: added.wishlistId, on: $0, logger: logger) }])
        case WishlistItemRemoved.eventType:
            let removed = try EventReaction<WishlistItemRemoved>.payload(of: event)
            return ProcessStep(writes: [{ try await WishlistWatches.unwatch(removed.sku, customer: removed.customerId, list: removed.wishlistId, on: $0, logger: logger) }])
        case WishlistDeleted.eventType:
            let deleted = try EventReaction<WishlistDeleted>.payload(of: event)
            return ProcessStep(writes: [{ try await WishlistWatches.unwatchList(customer: deleted.customerId, list: deleted.wishlistId, on: $0, logger: logger) }])
        case StockReceived.eventType:
            let received = try EventReaction<StockReceived>.payload(of: event)
            return try await backInStock(received.sku, before: received.levels.available - received.quantity, after: received.levels.available, load: load)
        case StockAdjusted.eventType:
            let adjusted = try EventReaction<StockAdjusted>.payload(of: event)
            return try await backInStock(adjusted.sku, before: adjusted.levels.available - adjusted.delta, after: adjusted.levels.available, load: load)
        case StockReservationReleased.eventType:
            let released = try EventReaction<StockReservationReleased>.payload(of: event)
            return try await backInStock(released.sku, before: released.levels.available - released.quantity, after: released.levels.available, load: load)
        case ProductPriceSet.eventType:
            let set = try EventReaction<ProductPriceSet>.payload(of: event)
            guard let previous = set.previousPrice, Self.isDrop(from: previous, to: set.price, percent: priceDropPercent) else { return .nothing }
            return try await alert(set.sku, load: load, command: "alert the wishers of \(set.sku) to its price drop") {
                .alertPriceDrop(sku: set.sku, previous: previous, price: set.price)
            }
        default:
            return .nothing
        }
    }

    /// Whether `price` is at least `percent` % below `previous` (same currency), in whole numbers.
    public static func isDrop(from previous: Money, to price: Money, percent: Int) -> Bool {
        guard previous.currency == price.currency, price.amount < previous.amount, previous.amount > 0 else { return false }
        return (previous.amount - price.amount) * 100 >= Int64(percent) * previous.amount
    }

    private func backInStock(_ sku: SKU, before: Int, after: Int, load: StepDecider) async throws -> ProcessStep {
        guard before <= 0, after > 0 else { return .nothing }
        return try await alert(sku, load: load, command: "alert the wishers of \(sku) that it is back in stock") {
            .alertBackInStock(sku: sku, available: after)
        }
    }

    private func alert(_ sku: SKU, load: StepDecider, command: String, _ alert: () -> Wishlist.Command) async throws -> ProcessStep {
        let customers = try await WishlistWatches.customers(wishing: sku, client: client, logger: logger)
        guard !customers.isEmpty else { return .nothing }
        var appends: [StreamAppend] = []
        for customer in customers {
            appends.append(try await load(Wishlist.self, .of("wishlist", customer), alert()))
        }
        return ProcessStep(appends: appends, command: command)
    }
}
