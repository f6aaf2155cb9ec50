import Aggregates
import EventStore

/// Reporting: sales, products, the funnel, abandoned carts, customers and stock, counted by the
/// business time the events carry (see `schemas/sql/0005_analytics.sql` for the tables and
/// what each figure counts), read by ``AnalyticsReader``.
public struct AnalyticsProjection: Projection {
    public let name = "analytics"
    public let categories: Set<String> = ["order", "cart", "inventory", "product"]
    public let tables = [
        "analytics_sales", "analytics_sku_sales", "analytics_funnel", "analytics_orders", "analytics_order_lines",
        "analytics_customers", "analytics_carts", "analytics_products", "analytics_stock",
    ]

    /// Reports read long runs of buckets of one tier.
    public let clusteredTables = ["analytics_sales", "analytics_sku_sales", "analytics_funnel"]

    public init() {}

    public func makeBuilder() -> any ReadModelBuilder { AnalyticsBuilder(projection: name) }
}

/// One event as analytics reads it: decoded, or known not to matter to any figure (decoding it
/// would only cost time).
enum AnalyticsFact: Sendable {
    case order(OrderEvent)
    case cart(CartEvent)
    case inventory(InventoryEvent)
    case product(ProductEvent)
    case irrelevant

    /// Event types no figure depends on. Any other type is decoded, so an unknown one parks.
    static let irrelevantTypes: Set<String> = [
        "CartShippingAddressSet", "CartShippingMethodSet", "OrderPaymentAuthorized", "OrderFulfilmentRecorded", "OrderDelivered",
        "ProductPriceSet", "ProductPublished", "ProductUnpublished", "ProductDiscontinued", "LowStockThresholdCrossed",
        "BackorderPolicyChanged",
    ]

    static func decode(_ event: RecordedEvent) -> Result<AnalyticsFact, DomainError> {
        if irrelevantTypes.contains(event.type) { return .success(.irrelevant) }
        let encoded = EncodedEvent(type: event.type, schemaVersion: Int(event.schemaVersion), json: event.data)
        return Result { () throws(DomainError) -> AnalyticsFact in
            switch event.category {
            case "order": .order(try EventCodec.decode(OrderEvent.self, encoded))
            case "cart": .cart(try EventCodec.decode(CartEvent.self, encoded))
            case "inventory": .inventory(try EventCodec.decode(InventoryEvent.self, encoded))
            case "product": .product(try EventCodec.decode(ProductEvent.self, encoded))
            default: .irrelevant
            }
        }
    }
}
