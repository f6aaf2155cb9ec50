/// Every read model the projector builds, in one list for the workers, the CLI and the dashboard.
public enum ReadModels {
    public static let all: [any Projection] = [
        CatalogProjection(), OrderHistoryProjection(), AnalyticsProjection(), PromotionsProjection(), RecommendationsProjection(), ReviewsProjection(),
        SearchAnalyticsProjection(),
    ]
}
