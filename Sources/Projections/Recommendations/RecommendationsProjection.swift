import Aggregates
import Foundation

/// The recommendations read model (`schemas/sql/0018_recommendations.sql`): co-purchases,
/// co-views, trend scores and each customer's own products, from placed orders and product
/// views; ranked into lists by ``RecommendationsReader``.
public struct RecommendationsProjection: Projection {
    public let name = "recommendations"
    public let categories: Set<String> = ["order", "activity"]
    public let tables = ["rec_products", "rec_co_purchases", "rec_co_views", "rec_customer_products", "rec_view_sessions"]
    /// Only placed orders and product views count.
    public let ignoredEventTypes: Set<String> = Set(OrderEvent.payloadTypes.map { $0.eventType })
        .union([SearchPerformed.eventType]).subtracting([OrderPlaced.eventType])
    /// How fast the trend score forgets: an order or view counts half as much after this long.
    /// Folded into the stored scores, so a change needs a rebuild of this read model.
    public let trendHalfLife: TimeInterval

    public static let defaultTrendHalfLife: TimeInterval = 72 * 3600

    public init(trendHalfLife: TimeInterval = RecommendationsProjection.defaultTrendHalfLife) {
        self.trendHalfLife = trendHalfLife
    }

    /// The half-life from `RECOMMENDATIONS_TREND_HALF_LIFE_HOURS` (a positive number), else 72 hours.
    public static func configured(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> RecommendationsProjection {
        let hours = environment["RECOMMENDATIONS_TREND_HALF_LIFE_HOURS"].flatMap(Double.init).flatMap { $0 > 0 && $0.isFinite ? $0 : nil }
        return RecommendationsProjection(trendHalfLife: hours.map { $0 * 3600 } ?? defaultTrendHalfLife)
    }

    public func makeBuilder() -> any ReadModelBuilder { RecommendationsBuilder(projection: name, ignoring: ignoredEventTypes, trendHalfLife: trendHalfLife) }
}
