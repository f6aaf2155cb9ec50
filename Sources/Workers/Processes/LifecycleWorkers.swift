import Aggregates
import Application
import EventStore
import Foundation
import Logging
import Payments
import ServiceLifecycle

/// Every process manager of the order lifecycle, as services: the event-driven ones of
/// ``LifecycleProcesses``, the keepers of cart activity and order deadlines, and two on a timer —
/// unpaid orders expire at their deadline (`order_deadlines`) and idle carts are abandoned.
public enum LifecycleWorkers {
    public struct Configuration: Sendable {
        public var gateway: any PaymentGateway
        /// Tries of a gateway call before authorization counts as declined.
        public var gatewayAttempts = 3
        /// How often to look for orders past their payment deadline.
        public var expiryInterval = Duration.seconds(5)
        /// A cart with lines and no activity for this long is abandoned (`CART_ABANDON_SECONDS`).
        public var cartAbandonAfter: TimeInterval = 86_400
        public var abandonmentInterval = Duration.seconds(60)
        /// Whether a cancelled order gives its promotion uses back (`PROMOTION_USES_ON_CANCEL`).
        public var promotionUsesOnCancel = PromotionUsesOnCancel.returnWhileRunning
        /// The least price fall, in percent, that alerts a variant's wishers (`WISHLIST_PRICE_DROP_PERCENT`).
        public var wishlistPriceDropPercent = 5

        public init(gateway: any PaymentGateway) {
            self.gateway = gateway
        }
    }

    public static func services(store: PostgresEventStore, configuration: Configuration, logger: Logger) -> [any Service] {
        let repository = AggregateRepository(store: store)
        return [
            ProcessManagerService(LifecycleProcesses.paymentAuthorization(gateway: configuration.gateway, gatewayAttempts: configuration.gatewayAttempts, logger: logger),
                                  repository: repository, logger: logger),
            ProcessManagerService(LifecycleProcesses.paymentOperations(repository: repository, gateway: configuration.gateway, logger: logger),
                                  repository: repository, logger: logger),
            ProcessManagerService(LifecycleProcesses.orderCancellation(promotionUses: configuration.promotionUsesOnCancel), repository: repository, logger: logger),
            ProcessManagerService(LifecycleProcesses.fulfilment(), repository: repository, logger: logger),
            ProcessManagerService(LifecycleProcesses.returns(), repository: repository, logger: logger),
            ProcessManagerService(CartActivityProcess(logger: logger), repository: repository, logger: logger),
            ProcessManagerService(OrderDeadlinesProcess(logger: logger), repository: repository, logger: logger),
            ProcessManagerService(WishlistAlertsProcess(client: store.client, priceDropPercent: configuration.wishlistPriceDropPercent, logger: logger),
                                  repository: repository, logger: logger),
            orderExpiry(repository: repository, interval: configuration.expiryInterval, logger: logger),
            cartAbandonment(repository: repository, inactivity: configuration.cartAbandonAfter, interval: configuration.abandonmentInterval, logger: logger),
        ]
    }

    /// The process managers of ``services(store:configuration:logger:)`` that follow `$all`, by name.
    public static let eventDrivenProcesses = [
        "payment-authorization", "payment-operations", "order-cancellation", "fulfilment", "returns", "cart-activity", "order-deadlines",
        "wishlist-alerts",
    ]

    /// Where each event-driven process manager has got to in `$all`.
    public static func checkpoints(store: PostgresEventStore) async throws -> [String: Int64] {
        var positions: [String: Int64] = [:]
        for name in eventDrivenProcesses { positions[name] = try await store.checkpoint(of: processCheckpointName(name)) }
        return positions
    }

    /// Moves every event-driven process manager past `position`: for a history loaded whole,
    /// whose effects are part of it already (acting on it again would release stock twice).
    public static func settle(through position: Int64, store: PostgresEventStore) async throws {
        for name in eventDrivenProcesses {
            try await store.storeCheckpoint(position, for: processCheckpointName(name))
        }
    }

    /// Cancels each order still unpaid at its deadline.
    public static func orderExpiry(repository: AggregateRepository, interval: Duration, logger: Logger) -> ScheduledProcess<OrderID> {
        let deadlines = OrderDeadlines(client: repository.store.client, logger: logger)
        let expire = ExpireUnpaidOrder(repository: repository)
        return ScheduledProcess(
            name: "order-expiry", interval: interval, repository: repository, logger: logger,
            due: { now in try await deadlines.due(at: now) },
            describe: { ("order-\($0)", "cancel unpaid order \($0) at its deadline") },
            act: { order in
                if try await expire(order) { logger.info("unpaid order expired", metadata: ["order": "\(order)"]) }
            },
            drop: { order in try await deadlines.forget(order) }
        )
    }

    /// Abandons each cart idle for `inactivity`.
    public static func cartAbandonment(repository: AggregateRepository, inactivity: TimeInterval, interval: Duration, logger: Logger) -> ScheduledProcess<(CartID, Date)> {
        let activity = CartActivity(client: repository.store.client, logger: logger)
        let abandon = AbandonCart(repository: repository, inactivity: inactivity)
        return ScheduledProcess(
            name: "cart-abandonment", interval: interval, repository: repository, logger: logger,
            due: { now in try await activity.idle(since: now.addingTimeInterval(-inactivity)) },
            describe: { ("cart-\($0.0)", "abandon cart \($0.0) idle since \($0.1)") },
            act: { cart, lastActivity in try await abandon(cart, lastActivity: lastActivity) },
            drop: { cart, _ in try await activity.forget(cart) }
        )
    }
}
