import Aggregates
import Foundation

/// The recommendations read model (`schemas/sql/0018_recommendations.sql`): co-purchases,
/// co-views, orders and views per hour (for trend scores) and each customer's own products,
/// from placed orders and product views; ranked into lists by ``RecommendationsReader``.
public struct RecommendationsProjection: Projection {
    public let name = "recommendations"
    public let categories: Set<String> = ["order", "activity"]
    public let tables = ["rec_products", "rec_trend_hours", "rec_co_purchases", "rec_co_views", "rec_customer_products", "rec_customer_orders", "rec_view_sessions"]
    /// Only placed orders and product views count.
    public var ignoredEventTypes: Set<String> { Self.ignored }

    /// Computed once: the routes make a value of this type for every read-your-writes wait.
    private static let ignored: Set<String> = Set(OrderEvent.payloadTypes.map { $0.eventType })
        .union([SearchPerformed.eventType]).subtracting([OrderPlaced.eventType])

    public init() {}

    public func makeBuilder() -> any ReadModelBuilder { RecommendationsBuilder(projection: name, ignoring: ignoredEventTypes) }
}
