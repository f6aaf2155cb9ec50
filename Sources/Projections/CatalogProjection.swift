import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// The catalog view: products with variants, prices per currency and availability from the
/// inventory streams, searchable by text (PostgreSQL full text) and category.
public struct CatalogProjection: Projection {
    public let name = "catalog"
    public let categories: Set<String> = ["product", "inventory"]

    public let tables = ["catalog_products", "catalog_variants"]

    public init() {}

    public func apply(_ event: RecordedEvent, on connection: PostgresConnection, logger: Logger) async throws {
        let encoded = EncodedEvent(type: event.type, schemaVersion: Int(event.schemaVersion), json: event.data)
        switch event.category {
        case "product":
            guard let product = try? EventCodec.decode(ProductEvent.self, encoded) else { return logUnknown(event, logger) }
            try await apply(product, event, on: connection, logger: logger)
        case "inventory":
            guard let inventory = try? EventCodec.decode(InventoryEvent.self, encoded) else { return logUnknown(event, logger) }
            try await apply(inventory, on: connection, logger: logger)
        default:
            return
        }
    }

    private func apply(_ product: ProductEvent, _ event: RecordedEvent, on connection: PostgresConnection, logger: Logger) async throws {
        switch product {
        case .created(let created):
            try await connection.query(
                """
                INSERT INTO catalog_products (product_id, name, description, category_path, status, search, position, updated_at)
                VALUES (\(created.productId.rawValue), \(created.name), \(created.description), \(created.categoryPath), 'draft',
                        to_tsvector('simple', \(created.name) || ' ' || \(created.description) || ' ' || array_to_string(\(created.categoryPath)::text[], ' ')),
                        \(event.position), \(event.recordedAt))
                ON CONFLICT (product_id) DO NOTHING
                """,
                logger: logger
            )
        case .variantAdded(let added):
            try await connection.query(
                """
                INSERT INTO catalog_variants (sku, product_id, attributes) VALUES (\(added.sku.rawValue), \(added.productId.rawValue), \(EventCodec.encodeJSON(added.attributes))::jsonb)
                ON CONFLICT (sku) DO UPDATE SET product_id = excluded.product_id, attributes = excluded.attributes
                """,
                logger: logger
            )
        case .priceSet(let price):
            try await connection.query(
                """
                UPDATE catalog_variants SET prices = prices || jsonb_build_object(\(price.price.currency.code)::text, \(price.price.amount))
                WHERE sku = \(price.sku.rawValue)
                """,
                logger: logger
            )
        case .published(let published):
            try await setStatus("published", published.productId, event, on: connection, logger: logger)
        case .unpublished(let unpublished):
            try await setStatus("unpublished", unpublished.productId, event, on: connection, logger: logger)
        case .discontinued(let discontinued):
            try await setStatus("discontinued", discontinued.productId, event, on: connection, logger: logger)
        }
    }

    private func setStatus(_ status: String, _ id: ProductID, _ event: RecordedEvent, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "UPDATE catalog_products SET status = \(status), position = \(event.position), updated_at = \(event.recordedAt) WHERE product_id = \(id.rawValue)",
            logger: logger
        )
    }

    private func apply(_ inventory: InventoryEvent, on connection: PostgresConnection, logger: Logger) async throws {
        let sku: SKU
        let levels: StockLevels
        switch inventory {
        case .received(let event): (sku, levels) = (event.sku, event.levels)
        case .adjusted(let event): (sku, levels) = (event.sku, event.levels)
        case .reserved(let event): (sku, levels) = (event.sku, event.levels)
        case .released(let event): (sku, levels) = (event.sku, event.levels)
        case .committed(let event): (sku, levels) = (event.sku, event.levels)
        case .thresholdSet, .thresholdCrossed, .backorderChanged: return
        }
        try await connection.query(
            """
            INSERT INTO catalog_variants (sku, on_hand, available) VALUES (\(sku.rawValue), \(levels.onHand), \(levels.available))
            ON CONFLICT (sku) DO UPDATE SET on_hand = excluded.on_hand, available = excluded.available
            """,
            logger: logger
        )
    }
}

func logUnknown(_ event: RecordedEvent, _ logger: Logger) {
    logger.warning("projection skipped an event it cannot read", metadata: ["type": "\(event.type)", "stream": "\(event.stream)"])
}
