import Aggregates
import EventStore
import Foundation

/// Imports a catalog CSV file (``CatalogFileRow`` names the columns; one row per variant): every
/// row is checked first, and each bad row reported with its line and reason; only a file
/// without problems is written, all of it in one transaction. Each product's changes are decided
/// by its aggregate against its current state, so importing the same file again — or a file
/// just exported — writes nothing.
///
/// A category path that names a category of the tree (``CategoryTree``) puts the product in
/// that category; another path is a free one. An empty cell leaves what the product has. A variant's attributes named by the file's
/// attribute columns are set from its row (empty: the variant has none of that name); others
/// stay. Variants and prices the file does not mention stay; nothing is removed.
public struct CatalogImport: Sendable {
    public static let maximumRows = 10_000

    /// What an import did (or, for a dry run, would do).
    public struct Outcome: Sendable, Codable, Equatable {
        public var rows: Int
        public var products: Int
        /// Products created.
        public var created: Int
        /// Products that existed and changed.
        public var changed: Int
        /// Products the file left as they were.
        public var unchanged: Int
        public var events: Int
        /// The last event's global position (nil when nothing was written): pass as minPosition
        /// to read the catalog with the import in it.
        public var position: Int64?
        public var dryRun: Bool
    }

    /// How far an import has come: products checked, then products written.
    public enum Progress: Sendable {
        case checked(Int, of: Int)
        case written(Int, of: Int)
    }

    let repository: AggregateRepository
    /// The product each SKU belongs to, as far as the catalog knows (a SKU of another product is
    /// refused: SKUs name inventory streams).
    let skuOwners: @Sendable ([String]) async throws -> [String: String]

    public init(repository: AggregateRepository, skuOwners: @escaping @Sendable ([String]) async throws -> [String: String]) {
        self.repository = repository
        self.skuOwners = skuOwners
    }

    /// - Throws: ``CatalogImportProblems`` listing every bad line (nothing written).
    public func run(
        _ text: String, metadata: EventMetadata, dryRun: Bool = false, progress: (@Sendable (Progress) -> Void)? = nil
    ) async throws -> Outcome {
        let (layout, plans, rows) = try Self.read(text)
        var attempt = 0
        while true {
            attempt += 1
            let decided = try await decide(plans, layout: layout, metadata: metadata, progress: progress)
            let appends = decided.compactMap(\.append)
            var outcome = Outcome(
                rows: rows, products: plans.count,
                created: decided.filter { $0.append != nil && $0.created }.count,
                changed: decided.filter { $0.append != nil && !$0.created }.count,
                unchanged: decided.filter { $0.append == nil }.count,
                events: appends.map(\.events.count).reduce(0, +), position: nil, dryRun: dryRun
            )
            guard !dryRun, !appends.isEmpty else { return outcome }
            do {
                let results = try await repository.appendTogether(appends)
                outcome.position = results.map(\.lastPosition).max()
                progress?(.written(appends.count, of: appends.count))
                return outcome
            } catch let error as EventStoreError where error.code == .wrongExpectedVersion && attempt < 3 {
                // Another writer changed a product meanwhile: decide again on what it wrote.
                continue
            }
        }
    }

    /// One product's rows, merged.
    struct ProductPlan {
        let id: ProductID
        let line: Int
        var name: String?
        var description: String?
        var categoryPath: [String]?
        var brand: String?
        var status: (value: Product.Status, line: Int)?
        var variants: [CatalogFileRow] = []
    }

    /// The file's rows checked one by one and merged per product, in the file's order.
    static func read(_ text: String) throws(CatalogImportProblems) -> (CatalogFileRow.Layout, [ProductPlan], Int) {
        let table: CSVTable
        do { table = try CSVTable(parsing: text) } catch {
            throw CatalogImportProblems([CatalogImportProblem(line: error.line, column: nil, reason: error.reason)])
        }
        guard !table.header.isEmpty else { throw CatalogImportProblems([CatalogImportProblem(line: 1, column: nil, reason: "the file is empty")]) }
        guard table.records.count <= maximumRows else {
            throw CatalogImportProblems([CatalogImportProblem(line: 1, column: nil, reason: "\(table.records.count) rows: a file holds at most \(maximumRows)")])
        }
        let layout = try CatalogFileRow.Layout(header: table.header)
        var problems: [CatalogImportProblem] = []
        var plans: [ProductPlan] = []
        var planIndex: [ProductID: Int] = [:]
        var skuLines: [SKU: Int] = [:]
        for record in table.records {
            let row: CatalogFileRow
            do { row = try CatalogFileRow(record, layout: layout) } catch {
                problems += error.problems
                continue
            }
            func fail(_ column: String?, _ reason: String) { problems.append(CatalogImportProblem(line: row.line, column: column, reason: reason)) }
            if let sku = row.sku {
                if let first = skuLines[sku] { fail("sku", "sku \(sku) is on line \(first) already") } else { skuLines[sku] = row.line }
            }
            let index = planIndex[row.productID] ?? {
                plans.append(ProductPlan(id: row.productID, line: row.line))
                planIndex[row.productID] = plans.count - 1
                return plans.count - 1
            }()
            // A product's cells must agree across its rows (an empty one says nothing).
            func merge<T: Equatable>(_ value: T?, into field: WritableKeyPath<ProductPlan, T?>, _ column: String) {
                guard let value else { return }
                if let earlier = plans[index][keyPath: field], earlier != value {
                    fail(column, "product \(row.productID)'s \(column) differs from an earlier row's")
                } else {
                    plans[index][keyPath: field] = value
                }
            }
            merge(row.name, into: \.name, "name")
            merge(row.description, into: \.description, "description")
            merge(row.categoryPath, into: \.categoryPath, "category")
            merge(row.brand, into: \.brand, "brand")
            if let status = row.status {
                if let earlier = plans[index].status, earlier.value != status {
                    fail("status", "product \(row.productID)'s status differs from line \(earlier.line)'s")
                } else if plans[index].status == nil {
                    plans[index].status = (status, row.line)
                }
            }
            if row.sku != nil { plans[index].variants.append(row) }
        }
        guard problems.isEmpty else { throw CatalogImportProblems(problems) }
        return (layout, plans, table.records.count)
    }

    struct Decided {
        let append: StreamAppend?
        let created: Bool
    }

    /// Each product's events, decided on its current state; every refusal is a problem.
    private func decide(
        _ plans: [ProductPlan], layout: CatalogFileRow.Layout, metadata: EventMetadata, progress: (@Sendable (Progress) -> Void)?
    ) async throws -> [Decided] {
        var problems: [CatalogImportProblem] = []
        let owners = try await skuOwners(plans.flatMap { $0.variants.compactMap { $0.sku?.rawValue } })
        for plan in plans {
            for row in plan.variants {
                if let sku = row.sku, let owner = owners[sku.rawValue], owner != plan.id.rawValue {
                    problems.append(CatalogImportProblem(line: row.line, column: "sku", reason: "sku \(sku) belongs to product \(owner)"))
                }
            }
        }
        let states = try await loadStates(plans.map(\.id), progress: progress)
        let tree = try await repository.load(CategoryTree.self, .of("category", "tree")).state
        let categoryByPath = Dictionary(tree.categories.keys.map { (tree.path(of: $0), $0) }, uniquingKeysWith: { first, _ in first })
        let context = DecisionContext(now: Date())
        var decided: [Decided] = []
        for plan in plans {
            let version = states[plan.id]!.version
            var state = states[plan.id]!.state
            let created = state.id == nil
            var events: [ProductEvent] = []
            func apply(_ command: Product.Command, line: Int, column: String? = nil) {
                do {
                    let new = try Product.decide(command, state, context)
                    state = new.reduce(state, Product.evolve)
                    events += new
                } catch {
                    problems.append(CatalogImportProblem(line: line, column: column, reason: error.message))
                }
            }
            if created {
                guard let name = plan.name else {
                    problems.append(CatalogImportProblem(line: plan.line, column: "name", reason: "product \(plan.id) is new: it needs a name"))
                    continue
                }
                let path = plan.categoryPath ?? []
                apply(.create(id: plan.id, name: name, description: plan.description ?? "", categoryPath: path, brand: plan.brand, categoryId: categoryByPath[path]),
                      line: plan.line)
            } else {
                // The category the path names in the tree (or, for a product in a category of the
                // tree, the path its events still carry from before a rename or move), else a free path.
                var path = plan.categoryPath ?? state.categoryPath
                var categoryId = categoryByPath[path]
                if categoryId == nil, path == state.categoryPath { categoryId = state.categoryId }
                if let categoryId, categoryId == state.categoryId { path = state.categoryPath }
                let details = (plan.name ?? state.name, plan.description ?? state.description, path, plan.brand ?? state.brand, categoryId)
                if details != (state.name, state.description, state.categoryPath, state.brand, state.categoryId) {
                    apply(.changeDetails(name: details.0, description: details.1, categoryPath: details.2, brand: details.3, categoryId: details.4), line: plan.line)
                }
            }
            for row in plan.variants {
                guard let sku = row.sku else { continue }
                if let existing = state.variant(sku) {
                    let attributes = existing.attributes.filter { !layout.attributeNames.contains($0.key) }.merging(row.attributes) { $1 }
                    if attributes != existing.attributes { apply(.changeVariant(sku: sku, attributes: attributes), line: row.line) }
                } else {
                    apply(.addVariant(sku: sku, attributes: row.attributes), line: row.line)
                }
                for (code, price) in row.prices.sorted(by: { $0.key < $1.key }) where state.variant(sku)?.prices[code] != price {
                    apply(.setPrice(sku: sku, price: price), line: row.line, column: "price:\(code)")
                }
            }
            if let (target, line) = plan.status, target != state.status {
                switch target {
                case .draft: problems.append(CatalogImportProblem(line: line, column: "status", reason: "product \(plan.id) is \(state.status.rawValue): it cannot go back to draft"))
                case .published: apply(.publish, line: line, column: "status")
                case .unpublished: apply(.unpublish, line: line, column: "status")
                case .discontinued: apply(.discontinue, line: line, column: "status")
                }
            }
            decided.append(Decided(
                append: events.isEmpty ? nil : StreamAppend(
                    stream: .of("product", plan.id), expectedVersion: .exact(version), events: events.map { AggregateRepository.newEvent($0, metadata) }
                ),
                created: created
            ))
        }
        guard problems.isEmpty else { throw CatalogImportProblems(problems) }
        return decided
    }

    /// Every product's state and version, loaded a few at a time.
    private func loadStates(_ ids: [ProductID], progress: (@Sendable (Progress) -> Void)?) async throws -> [ProductID: (state: Product.State, version: Int64)] {
        var states: [ProductID: (state: Product.State, version: Int64)] = [:]
        let repository = self.repository
        try await withThrowingTaskGroup(of: (ProductID, Product.State, Int64).self) { group in
            var next = 0
            func start() {
                guard next < ids.count else { return }
                let id = ids[next]
                next += 1
                group.addTask {
                    let (state, version) = try await repository.load(Product.self, .of("product", id))
                    return (id, state, version)
                }
            }
            for _ in 0..<8 { start() }
            while let (id, state, version) = try await group.next() {
                states[id] = (state, version)
                if states.count % 100 == 0 || states.count == ids.count { progress?(.checked(states.count, of: ids.count)) }
                start()
            }
        }
        return states
    }
}
