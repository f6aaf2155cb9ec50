import Aggregates
import EventStore

/// The whole catalog as a CSV file ``CatalogImport`` reads back: every product, whatever its
/// status, one row per variant (a product without variants on a row of its own), a price column
/// per currency and an attribute column per attribute name any variant has. Built from the
/// product streams themselves, so it is exact as of the store's safe frontier (the read model
/// may lag), and importing it again writes nothing. A product in a category of the tree is
/// written with that category's path as it stands.
public struct CatalogExport: Sendable {
    let repository: AggregateRepository

    public init(repository: AggregateRepository) {
        self.repository = repository
    }

    public func csv() async throws -> String {
        let tree = try await repository.load(CategoryTree.self, .of("category", "tree")).state
        var products = try await products()
        for index in products.indices {
            if let id = products[index].categoryId, tree.categories[id] != nil { products[index].categoryPath = tree.path(of: id) }
        }
        return Self.table(products).text()
    }

    /// Every product's state, folded from the product events in `$all` order, by id.
    func products() async throws -> [Product.State] {
        var states: [String: Product.State] = [:]
        var position: Int64 = 0
        while true {
            let page = try await repository.store.readAll(after: position, limit: 10_000, filter: .category("product"))
            for recorded in page.events {
                let data = try await repository.personalData.reveal(type: recorded.type, data: recorded.data)
                let event = try EventCodec.decode(ProductEvent.self, EncodedEvent(type: recorded.type, schemaVersion: Int(recorded.schemaVersion), json: data))
                states[recorded.stream.rawValue] = Product.evolve(states[recorded.stream.rawValue] ?? Product.initialState, event)
            }
            if page.nextPosition == position { break }
            position = page.nextPosition
        }
        return states.values.filter { $0.id != nil }.sorted { $0.id!.rawValue < $1.id!.rawValue }
    }

    static func table(_ products: [Product.State]) -> CSVTable {
        let currencies = Set(products.flatMap { $0.variants.flatMap(\.prices.keys) }).sorted()
        let attributes = Set(products.flatMap { $0.variants.flatMap(\.attributes.keys) }).sorted()
        let header = ["product_id", "name", "description", "category", "brand", "status", "sku"]
            + currencies.map { "price:\($0)" } + attributes.map { "attribute:\($0)" }
        var records: [CSVTable.Record] = []
        for product in products {
            let details = [
                product.id!.rawValue, product.name, product.description, product.categoryPath.joined(separator: "/"), product.brand ?? "",
                product.status.rawValue,
            ]
            let variants: [Product.Variant?] = product.variants.isEmpty ? [nil] : product.variants
            for variant in variants {
                var fields = details + [variant?.sku.rawValue ?? ""]
                fields += currencies.map { code in variant?.prices[code].map(CatalogFileRow.majorUnits) ?? "" }
                fields += attributes.map { variant?.attributes[$0] ?? "" }
                records.append(CSVTable.Record(line: records.count + 2, fields: fields))
            }
        }
        return CSVTable(header: header, records: records)
    }
}
