/// Every read model the projector builds, in one list for the workers, the CLI and the dashboard.
public enum ReadModels {
    public static let all: [any Projection] = [
        CatalogProjection(), OrderHistoryProjection(), AnalyticsProjection(), PromotionsProjection(), RecommendationsProjection(), ReviewsProjection(),
        SearchAnalyticsProjection(),
    ]

    /// The read models a shopper reads right after acting — stock and prices, their orders, the
    /// promotions a cart gets, reviews — which the projector applies and commits first in each
    /// batch. The reports and suggestions (analytics, recommendations, search analytics) fold
    /// more per event and follow in a second transaction, so they never hold the storefront back.
    public static let appliedFirst: Set<String> = ["catalog", "order-history", "promotions", "reviews"]
}
