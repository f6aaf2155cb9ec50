import Aggregates
import EventStore

/// Reporting: sales, products (with their views), the funnel, abandoned carts, customers and stock, counted by the
/// business time the events carry (see `schemas/sql/0005_analytics.sql` for the tables and
/// what each figure counts), read by ``AnalyticsReader``.
public struct AnalyticsProjection: Projection {
    public let name = "analytics"
    public let categories: Set<String> = ["order", "cart", "inventory", "product", "activity"]
    public let tables = [
        "analytics_sales", "analytics_sku_sales", "analytics_funnel", "analytics_orders", "analytics_order_lines",
        "analytics_customers", "analytics_carts", "analytics_products", "analytics_stock", "analytics_product_views",
    ]

    /// Reports read long runs of buckets of one tier.
    public let clusteredTables = ["analytics_sales", "analytics_sku_sales", "analytics_funnel", "analytics_product_views"]

    public var ignoredEventTypes: Set<String> { AnalyticsFact.irrelevantTypes }

    public init() {}

    public func makeBuilder() -> any ReadModelBuilder { AnalyticsBuilder(projection: name) }
}
