import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// The catalog view: products with variants, prices per currency and availability from the
/// inventory streams, searchable by text (PostgreSQL full text) and category; the category tree,
/// whose paths the products in its categories show; the exchange rates, whose derived prices the
/// variants without a price of their own in a currency show.
public struct CatalogProjection: Projection {
    public let name = "catalog"
    public let categories: Set<String> = ["product", "inventory", "category", "currency"]
    public let tables = ["catalog_products", "catalog_variants", "catalog_categories", "catalog_exchange_rates"]

    public init() {}

    public func makeBuilder() -> any ReadModelBuilder { CatalogBuilder(projection: name) }
}

/// The catalog's rows in memory, and the fold of product and inventory events onto them.
final class CatalogBuilder: ReadModelBuilder {
    struct ProductRow {
        var name: String
        var description: String
        /// As the product's events give it; the tree's path wins for a category it holds.
        var categoryPath: [String]
        var categoryId: CategoryID?
        var brand: String?
        /// In the order shown.
        var images: [ProductImage] = []
        var translations: [String: ProductTranslation] = [:]
        var specifications: [ProductSpecification] = []
        var seo = ProductSEO()
        var status: String
        var position: Int64
        var updatedAt: Date
    }

    struct VariantRow {
        /// Nil until the variant's product event arrives (inventory may come first: another topic).
        var productId: String?
        var attributes = "{}"
        /// The prices set on the variant (the derived ones are the database's: ``flush``).
        var prices: [String: Int64] = [:]
        var onHand = 0
        var available = 0
        /// The table holds the row (it was loaded from it, or written by a flush).
        var inTable = false
    }

    enum Decoded: Sendable {
        case product(ProductEvent)
        /// A SKU's stock after an inventory event that changes it.
        case stock(sku: String, onHand: Int, available: Int)
        /// An inventory event that leaves the stock as it was (thresholds, backorder policy).
        case stockUnchanged
        case category(CategoryTreeEvent)
        case currency(ExchangeRatesEvent)

        var productID: String? {
            guard case .product(let event) = self else { return nil }
            return switch event {
            case .created(let e): e.productId.rawValue
            case .detailsChanged(let e): e.productId.rawValue
            case .variantAdded(let e): e.productId.rawValue
            case .variantChanged(let e): e.productId.rawValue
            case .imageAdded(let e): e.productId.rawValue
            case .imageRemoved(let e): e.productId.rawValue
            case .imagesReordered(let e): e.productId.rawValue
            case .priceSet(let e): e.productId.rawValue
            case .published(let e): e.productId.rawValue
            case .unpublished(let e): e.productId.rawValue
            case .discontinued(let e): e.productId.rawValue
            case .translated(let e): e.productId.rawValue
            case .translationRemoved(let e): e.productId.rawValue
            case .specificationsSet(let e): e.productId.rawValue
            case .seoChanged(let e): e.productId.rawValue
            }
        }

        var sku: String? {
            switch self {
            case .product(.variantAdded(let e)): e.sku.rawValue
            case .product(.variantChanged(let e)): e.sku.rawValue
            case .product(.priceSet(let e)): e.sku.rawValue
            case .stock(let sku, _, _): sku
            case .product, .stockUnchanged, .category, .currency: nil
            }
        }

        /// Whether applying it needs the category tree: a change of the tree, or a product placed
        /// in one (its event's path may predate a rename applied since). Any other product row's
        /// stored path is the tree's already.
        var needsTree: Bool {
            switch self {
            case .category: true
            case .product(.created(let e)): e.categoryId != nil
            case .product(.detailsChanged(let e)): e.categoryId != nil
            default: false
            }
        }
    }

    private let projection: String
    private var products: [String: ProductRow] = [:]
    private var variants: [String: VariantRow] = [:]
    private var changedProducts: Set<String> = []
    private var changedVariants: Set<String> = []
    /// The whole tree (a few thousand categories at most), read from its table by the first batch
    /// that needs it (most batches, stock changes above all, do not).
    private var tree = CategoryTree.State()
    private var treeLoaded = false
    /// Categories whose row (place, names or path) is to be written, and ones to delete.
    private var changedCategories: Set<CategoryID> = []
    private var deletedCategories: Set<CategoryID> = []
    /// Exchange rates set (or, nil, removed) since the last flush, by currency.
    private var changedRates: [String: ExchangeRate?] = [:]
    private let streamVersions = StreamVersions()
    var recordsStreamVersions: Bool {
        get { streamVersions.enabled }
        set { streamVersions.enabled = newValue }
    }
    /// Not used: its rows are merged either way.
    var writesIntoEmptyTables = false
    private let hold = StreamHold()

    init(projection: String) {
        self.projection = projection
    }

    /// An inventory event's stock levels, read field by field from its JSON as analytics reads
    /// them (``AnalyticsFact``): stock changes are most of the catalog's events, and decoding
    /// them whole (a date and all) was most of its rebuild's time.
    static func stock(_ event: RecordedEvent) -> Result<Decoded, DomainError> {
        AnalyticsFact.decode(event).map { fact in
            guard case let .stockLevels(sku, onHand, reserved) = fact else { return .stockUnchanged }
            return .stock(sku: sku, onHand: Int(onHand), available: Int(onHand - reserved))
        }
    }

    func add(_ events: [RecordedEvent], loadingFrom connection: PostgresConnection?, logger: Logger) async throws -> [ParkedEvent] {
        let outcomes = await decodeConcurrently(events) { event -> Result<Decoded, DomainError> in
            let encoded = EncodedEvent(type: event.type, schemaVersion: Int(event.schemaVersion), json: event.data)
            return switch event.category {
            case "product": Result { () throws(DomainError) in .product(try EventCodec.decode(ProductEvent.self, encoded)) }
            case "inventory": Self.stock(event)
            case "category": Result { () throws(DomainError) in .category(try EventCodec.decode(CategoryTreeEvent.self, encoded)) }
            case "currency": Result { () throws(DomainError) in .currency(try EventCodec.decode(ExchangeRatesEvent.self, encoded)) }
            default: .failure(DomainError(.unknownEventType, "the catalog reads no \(event.category) events"))
            }
        }
        let decoded = outcomes.map { try? $0?.get() }
        if let connection {
            if !treeLoaded, decoded.contains(where: { $0?.needsTree == true }) {
                tree = try await Self.loadTree(from: connection, logger: logger)
                treeLoaded = true
            }
            try await load(products: Set(decoded.compactMap { $0?.productID }), variants: Set(decoded.compactMap { $0?.sku }),
                           from: connection, logger: logger)
        }
        // Without a connection the tables are empty (a rebuild): the tree starts empty too.
        if connection == nil { treeLoaded = true }
        for (event, outcome) in zip(events, outcomes) {
            guard let outcome, let value = hold.admit(event, outcome) else { continue }
            streamVersions.record(event)
            switch value {
            case .product(let product):
                add(product, event)
            case .category(let change):
                add(change)
            case .currency(.set(let set)):
                changedRates[set.currency.code] = ExchangeRate(
                    currency: set.currency, base: set.base, ratePerMillion: set.ratePerMillion, roundingIncrement: set.roundingIncrement
                )
            case .currency(.removed(let removed)):
                changedRates[removed.currency.code] = .some(nil)
            case .stock(let sku, let onHand, let available):
                variants[sku, default: VariantRow()].onHand = onHand
                variants[sku]!.available = available
                changedVariants.insert(sku)
            case .stockUnchanged:
                continue
            }
        }
        return hold.drain()
    }

    private func add(_ product: ProductEvent, _ event: RecordedEvent) {
        switch product {
        case .created(let created):
            let id = created.productId.rawValue
            guard products[id] == nil else { return }
            products[id] = ProductRow(
                name: created.name, description: created.description, categoryPath: created.categoryPath, categoryId: created.categoryId,
                brand: created.brand, status: "draft", position: event.position, updatedAt: event.recordedAt
            )
            changedProducts.insert(id)
        case .detailsChanged(let changed):
            let id = changed.productId.rawValue
            guard products[id] != nil else { return }
            products[id]!.name = changed.name
            products[id]!.description = changed.description
            products[id]!.categoryPath = changed.categoryPath
            products[id]!.categoryId = changed.categoryId
            products[id]!.brand = changed.brand
            products[id]!.updatedAt = event.recordedAt
            changedProducts.insert(id)
        case .imageAdded(let added):
            changeImages(added.productId, event) { $0.append(added.image) }
        case .imageRemoved(let removed):
            changeImages(removed.productId, event) { images in images.removeAll { $0.imageId == removed.imageId } }
        case .imagesReordered(let reordered):
            changeImages(reordered.productId, event) { $0 = $0.reordered(reordered.imageIds) }
        case .variantAdded(let added):
            let sku = added.sku.rawValue
            variants[sku, default: VariantRow()].productId = added.productId.rawValue
            variants[sku]!.attributes = EventCodec.encodeJSON(added.attributes)
            changedVariants.insert(sku)
        case .variantChanged(let changed):
            let sku = changed.sku.rawValue
            guard variants[sku] != nil else { return }
            variants[sku]!.attributes = EventCodec.encodeJSON(changed.attributes)
            changedVariants.insert(sku)
        case .priceSet(let price):
            let sku = price.sku.rawValue
            guard variants[sku] != nil else { return }
            variants[sku]!.prices[price.price.currency.code] = price.price.amount
            changedVariants.insert(sku)
        case .published(let published):
            setStatus("published", published.productId, event)
        case .unpublished(let unpublished):
            setStatus("unpublished", unpublished.productId, event)
        case .discontinued(let discontinued):
            setStatus("discontinued", discontinued.productId, event)
        case .translated(let translated):
            changeProduct(translated.productId, event) {
                $0.translations[translated.locale] = ProductTranslation(name: translated.name, description: translated.description)
            }
        case .translationRemoved(let removed):
            changeProduct(removed.productId, event) { $0.translations[removed.locale] = nil }
        case .specificationsSet(let set):
            changeProduct(set.productId, event) { $0.specifications = set.specifications }
        case .seoChanged(let changed):
            changeProduct(changed.productId, event) { $0.seo = changed.seo }
        }
    }

    /// Applies a change of the tree and notes the rows it moves: the category's siblings (their
    /// positions) and, for a rename or move, everything under it (their paths).
    private func add(_ change: CategoryTreeEvent) {
        let id = change.categoryId
        let formerParent = tree.categories[id]?.parentId
        tree = CategoryTree.evolve(tree, change)
        switch change {
        case .created(let created):
            deletedCategories.remove(id)
            changedCategories.formUnion(tree.siblings(under: created.parentId))
        case .renamed:
            changedCategories.formUnion(tree.subtree(of: id))
        case .moved(let moved):
            changedCategories.formUnion(tree.siblings(under: formerParent))
            changedCategories.formUnion(tree.siblings(under: moved.parentId))
            changedCategories.formUnion(tree.subtree(of: id))
        case .deleted:
            changedCategories.remove(id)
            deletedCategories.insert(id)
            changedCategories.formUnion(tree.siblings(under: formerParent))
        }
    }

    /// The path a product shows: its category's in the tree as it stands, else its own (which,
    /// for a row read back, is the tree's as last written).
    private func path(of row: ProductRow) -> [String] {
        guard let id = row.categoryId, tree.categories[id] != nil else { return row.categoryPath }
        return tree.path(of: id)
    }

    private static func loadTree(from connection: PostgresConnection, logger: Logger) async throws -> CategoryTree.State {
        let rows = try await connection.query(
            "SELECT category_id, parent_id, slug, name, localized_names::text FROM catalog_categories ORDER BY parent_id NULLS FIRST, position",
            logger: logger
        )
        var tree = CategoryTree.State()
        for try await (id, parent, slug, name, names) in rows.decode((String, String?, String, String, String).self) {
            let category = CategoryTree.Category(
                id: try CategoryID(id), parentId: try parent.map { try CategoryID($0) }, slug: slug, name: name,
                localizedNames: try JSONDecoder().decode([String: String].self, from: Data(names.utf8))
            )
            tree.categories[category.id] = category
            if let parent = category.parentId { tree.children[parent, default: []].append(category.id) } else { tree.roots.append(category.id) }
        }
        return tree
    }

    private func changeImages(_ id: ProductID, _ event: RecordedEvent, _ change: (inout [ProductImage]) -> Void) {
        changeProduct(id, event) { change(&$0.images) }
    }

    private func changeProduct(_ id: ProductID, _ event: RecordedEvent, _ change: (inout ProductRow) -> Void) {
        guard products[id.rawValue] != nil else { return }
        change(&products[id.rawValue]!)
        products[id.rawValue]!.updatedAt = event.recordedAt
        changedProducts.insert(id.rawValue)
    }

    private func setStatus(_ status: String, _ id: ProductID, _ event: RecordedEvent) {
        guard products[id.rawValue] != nil else { return }
        products[id.rawValue]!.status = status
        products[id.rawValue]!.position = event.position
        products[id.rawValue]!.updatedAt = event.recordedAt
        changedProducts.insert(id.rawValue)
    }

    private func load(products wanted: Set<String>, variants wantedSKUs: Set<String>, from connection: PostgresConnection, logger: Logger) async throws {
        let productIDs = Array(wanted.subtracting(products.keys))
        if !productIDs.isEmpty {
            let rows = try await connection.query(
                """
                SELECT product_id, name, description, category_path, category_id, brand, images::text, translations::text, specifications::text, seo::text,
                       status, position, updated_at
                FROM catalog_products WHERE product_id = ANY(\(productIDs))
                """,
                logger: logger
            )
            for try await (id, name, description, path, categoryID, brand, images, translations, specifications, seo, status, position, updatedAt) in rows.decode(
                (String, String, String, [String], String?, String?, String, String, String, String, String, Int64, Date).self
            ) {
                products[id] = ProductRow(
                    name: name, description: description, categoryPath: path, categoryId: try categoryID.map { try CategoryID($0) }, brand: brand,
                    images: try JSONDecoder().decode([ProductImage].self, from: Data(images.utf8)),
                    translations: try JSONDecoder().decode([String: ProductTranslation].self, from: Data(translations.utf8)),
                    specifications: try JSONDecoder().decode([ProductSpecification].self, from: Data(specifications.utf8)),
                    seo: try JSONDecoder().decode(ProductSEO.self, from: Data(seo.utf8)),
                    status: status, position: position, updatedAt: updatedAt
                )
            }
        }
        let skus = Array(wantedSKUs.subtracting(variants.keys))
        if !skus.isEmpty {
            let rows = try await connection.query(
                "SELECT sku, product_id, attributes::text, set_prices::text, on_hand, available FROM catalog_variants WHERE sku = ANY(\(skus))",
                logger: logger
            )
            for try await (sku, productID, attributes, prices, onHand, available) in rows.decode((String, String?, String, String, Int, Int).self) {
                variants[sku] = VariantRow(
                    productId: productID, attributes: attributes,
                    prices: try JSONDecoder().decode([String: Int64].self, from: Data(prices.utf8)), onHand: onHand, available: available,
                    inTable: true
                )
            }
        }
    }

    /// Unless categories or exchange rates changed, the flush is two ``BulkInsert``s, products and
    /// variants, neither reading the other's table. Changed categories rewrite the products'
    /// paths after the categories' rows, and changed rates the variants' prices after the rates'.
    var writesIndependentTables: Bool {
        changedCategories.isEmpty && deletedCategories.isEmpty && changedRates.isEmpty
    }

    func flush(on connection: PostgresConnection, logger: Logger) async throws {
        try await flushCategories(on: connection, logger: logger)
        try await flushRates(on: connection, logger: logger)
        let productIDs = Array(changedProducts)
        let productRows = productIDs.map { products[$0]! }
        try await BulkInsert(
            table: "catalog_products",
            columns: [
                ("product_id", "$1"), ("name", "$2"), ("description", "$3"),
                ("category_path", "ARRAY(SELECT jsonb_array_elements_text($4::jsonb))"), ("status", "$5"),
                // Weighted by where a word stands, in every language (0026_product_brand.sql, 0030_product_translations.sql).
                ("search", "catalog_search_vector($2, nullif($8, ''), ARRAY(SELECT jsonb_array_elements_text($4::jsonb)), $3, $11::jsonb)"),
                ("position", "$6"), ("updated_at", "$7"), ("brand", "nullif($8, '')"), ("images", "$9::jsonb"), ("category_id", "nullif($10, '')"),
                ("translations", "$11::jsonb"), ("specifications", "$12::jsonb"), ("seo", "$13::jsonb"), ("slug", "nullif($14, '')"),
            ],
            conflict: """
                ON CONFLICT (product_id) DO UPDATE SET name = excluded.name, description = excluded.description,
                    category_path = excluded.category_path, category_id = excluded.category_id, brand = excluded.brand, images = excluded.images,
                    translations = excluded.translations, specifications = excluded.specifications, seo = excluded.seo, slug = excluded.slug, status = excluded.status, search = excluded.search,
                    position = excluded.position, updated_at = excluded.updated_at, changed = excluded.changed
                """
        ).write(
            [
                .text(productIDs), .text(productRows.map(\.name)), .text(productRows.map(\.description)),
                .text(productRows.map { EventCodec.encodeJSON(path(of: $0)) }), .text(productRows.map(\.status)),
                .bigint(productRows.map(\.position)), .timestamptz(productRows.map(\.updatedAt)), .text(productRows.map { $0.brand ?? "" }),
                .text(productRows.map { EventCodec.encodeJSON($0.images) }), .text(productRows.map { $0.categoryId?.rawValue ?? "" }),
                .text(productRows.map { EventCodec.encodeJSON($0.translations) }), .text(productRows.map { EventCodec.encodeJSON($0.specifications) }),
                .text(productRows.map { EventCodec.encodeJSON($0.seo) }), .text(productRows.map { $0.seo.slug ?? "" }),
            ],
            rowCount: productIDs.count, on: connection, logger: logger
        )
        let skus = Array(changedVariants)
        let variantRows = skus.map { variants[$0]! }
        try await BulkInsert(
            table: "catalog_variants",
            columns: [
                ("sku", "$1"), ("product_id", "nullif($2, '')"), ("attributes", "$3::jsonb"), ("set_prices", "$4::jsonb"),
                // The prices are derived (a call of `catalog_effective_prices`, 15–30 µs) for rows
                // new to the table and rows whose set prices changed; a row only restocked keeps
                // its own. Under the lag benchmark's orders (stock changes) deriving them for every
                // row was most of the read models' writes. A row the table holds proposes its set
                // prices as a placeholder, replaced on the conflict (PostgreSQL checks NOT NULL on
                // the proposed row before it looks for a conflict).
                ("prices", "CASE WHEN $7 THEN $4::jsonb ELSE catalog_effective_prices($4::jsonb) END"), ("on_hand", "$5"), ("available", "$6"),
            ],
            conflict: """
                ON CONFLICT (sku) DO UPDATE SET product_id = excluded.product_id, attributes = excluded.attributes,
                    set_prices = excluded.set_prices, on_hand = excluded.on_hand, available = excluded.available, changed = excluded.changed,
                    prices = CASE WHEN excluded.set_prices = catalog_variants.set_prices THEN catalog_variants.prices
                                  ELSE catalog_effective_prices(excluded.set_prices) END
                """
        ).write(
            [
                .text(skus), .text(variantRows.map { $0.productId ?? "" }), .text(variantRows.map(\.attributes)),
                .text(variantRows.map { EventCodec.encodeJSON($0.prices) }),
                .integer(variantRows.map { Int32($0.onHand) }), .integer(variantRows.map { Int32($0.available) }),
                .boolean(variantRows.map(\.inTable)),
            ],
            rowCount: skus.count, on: connection, logger: logger
        )
        for sku in skus { variants[sku]!.inTable = true }
        if !changedRates.isEmpty {
            // Every variant whose derived prices the new rates change (the ones just written have them).
            try await connection.query(
                """
                UPDATE catalog_variants SET prices = catalog_effective_prices(set_prices), changed = nextval('catalog_changes')
                WHERE prices IS DISTINCT FROM catalog_effective_prices(set_prices)
                """,
                logger: logger
            )
            changedRates.removeAll(keepingCapacity: true)
        }
        if !changedCategories.isEmpty {
            // The products of the categories whose path changed, wherever they are (most are in
            // no batch): the path and the search words that come from it.
            try await connection.query(
                """
                UPDATE catalog_products p
                SET category_path = c.path, search = catalog_search_vector(p.name, p.brand, c.path, p.description, p.translations), changed = nextval('catalog_changes')
                FROM catalog_categories c
                WHERE c.category_id = ANY(\(changedCategories.map(\.rawValue))) AND p.category_id = c.category_id AND p.category_path IS DISTINCT FROM c.path
                """,
                logger: logger
            )
        }
        changedCategories.removeAll(keepingCapacity: true)
        deletedCategories.removeAll(keepingCapacity: true)
        changedProducts.removeAll(keepingCapacity: true)
        changedVariants.removeAll(keepingCapacity: true)
        try await streamVersions.write(projection: projection, on: connection, logger: logger)
    }
}

extension CatalogBuilder {
    /// The categories' rows: their place among their siblings, names and path as they stand.
    private func flushCategories(on connection: PostgresConnection, logger: Logger) async throws {
        if !deletedCategories.isEmpty {
            try await connection.query(
                "DELETE FROM catalog_categories WHERE category_id = ANY(\(deletedCategories.map(\.rawValue)))", logger: logger
            )
        }
        let categories = changedCategories.compactMap { tree.categories[$0] }
        guard !categories.isEmpty else { return }
        try await BulkInsert(
            table: "catalog_categories",
            columns: [
                ("category_id", "$1"), ("parent_id", "nullif($2, '')"), ("position", "$3"), ("slug", "$4"), ("name", "$5"),
                ("localized_names", "$6::jsonb"), ("path", "ARRAY(SELECT jsonb_array_elements_text($7::jsonb))"),
            ],
            conflict: """
                ON CONFLICT (category_id) DO UPDATE SET parent_id = excluded.parent_id, position = excluded.position, slug = excluded.slug,
                    name = excluded.name, localized_names = excluded.localized_names, path = excluded.path, changed = excluded.changed
                """
        ).write(
            [
                .text(categories.map(\.id.rawValue)), .text(categories.map { $0.parentId?.rawValue ?? "" }),
                .integer(categories.map { Int32(tree.siblings(under: $0.parentId).firstIndex(of: $0.id) ?? 0) }),
                .text(categories.map(\.slug)), .text(categories.map(\.name)), .text(categories.map { EventCodec.encodeJSON($0.localizedNames) }),
                .text(categories.map { EventCodec.encodeJSON(tree.path(of: $0.id)) }),
            ],
            rowCount: categories.count, on: connection, logger: logger
        )
    }
}

extension CatalogBuilder {
    /// The rates' rows, before the variants whose prices are derived with them.
    private func flushRates(on connection: PostgresConnection, logger: Logger) async throws {
        let removed = changedRates.filter { $0.value == nil }.map(\.key)
        if !removed.isEmpty {
            try await connection.query("DELETE FROM catalog_exchange_rates WHERE currency = ANY(\(removed))", logger: logger)
        }
        let rates = changedRates.values.compactMap { $0 }
        guard !rates.isEmpty else { return }
        try await BulkInsert(
            table: "catalog_exchange_rates",
            columns: [
                ("currency", "$1"), ("base", "$2"), ("rate_per_million", "$3"), ("rounding_increment", "$4"),
                ("currency_exponent", "$5"), ("base_exponent", "$6"),
            ],
            conflict: """
                ON CONFLICT (currency) DO UPDATE SET base = excluded.base, rate_per_million = excluded.rate_per_million,
                    rounding_increment = excluded.rounding_increment, currency_exponent = excluded.currency_exponent,
                    base_exponent = excluded.base_exponent, changed = excluded.changed
                """
        ).write(
            [
                .text(rates.map(\.currency.code)), .text(rates.map(\.base.code)), .bigint(rates.map(\.ratePerMillion)),
                .integer(rates.map { Int32($0.roundingIncrement) }), .integer(rates.map { Int32($0.currency.exponent) }),
                .integer(rates.map { Int32($0.base.exponent) }),
            ],
            rowCount: rates.count, on: connection, logger: logger
        )
    }
}
