import Aggregates
import Application
import ArgumentParser
import Runtime
import EventStore
import Foundation
import Logging
import PostgresNIO

struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the demo catalog (products, variants, prices, stock) and, with the sandbox gateway, a demo customer's orders; safe to run again.",
        discussion: "--history first writes a synthetic past of orders, payments, returns and abandoned carts over --days days, once, for the reports and the dashboard."
    )

    @Flag(help: "Also load a synthetic shop history (once) for the reports.")
    var history = false

    @Option(help: "Signed-in customers in the history.")
    var customers = 500

    @Option(help: "Days of history, up to today.")
    var days = 90

    @Option(name: .customLong("seed"), help: "The history's random seed: the same seed, the same history.")
    var randomSeed: UInt64 = 1

    func validate() throws {
        guard (1...100_000).contains(customers) else { throw ValidationError("--customers must be 1 to 100000") }
        guard (1...3650).contains(days) else { throw ValidationError("--days must be 1 to 3650") }
    }

    func run() async throws {
        let settings = try Settings()
        let logger = settings.makeLogger()
        let (created, skipped, orders) = try await PostgresClient.withClient(settings.databaseURL, maximumConnections: 4, logger: logger) { client in
            try await StartupChecks.connectOrFail(client, settings: settings)
            if history {
                // First: the history is written only where the process managers are not behind.
                let store = PostgresEventStore(client: client, logger: logger)
                switch try await DemoHistory.load(into: store, options: .init(customers: customers, days: days, seed: randomSeed), now: Date(), logger: logger) {
                case .loaded(let events, let orders): print("demo history: \(orders) orders over \(days) days (\(events) events)")
                case .present: print("demo history: loaded already")
                case .processesBehind(let behind, let head):
                    throw ValidationError("demo history: the process managers \(behind.keys.sorted().joined(separator: ", ")) have not reached position \(head); run them (commerce serve) first")
                }
            }
            let (created, skipped) = try await DemoCatalog.load(
                into: PostgresEventStore(client: client, logger: logger), images: DirectoryImageStorage(directory: settings.imageDirectory), now: Date()
            )
            let searches = try await DemoSearches.load(postgres: client, logger: logger, now: Date())
            if searches > 0 { print("demo searches: \(searches) by four guest shoppers (GET /admin/analytics/search)") }
            // Demo orders take payments: only ever through the sandbox.
            guard settings.paymentGateway == "sandbox" else { return (created, skipped, -1) }
            return (created, skipped, try await DemoOrders.load(postgres: client, gateway: try settings.gateway(), logger: logger))
        }
        print("demo catalog: \(created) streams written, \(skipped) already there")
        switch orders {
        case -1: print("demo orders: skipped (they need PAYMENT_GATEWAY=sandbox)")
        case 0: print("demo orders: the demo customer \(DemoOrders.email) exists already")
        default: print("demo orders: \(orders) orders of \(DemoOrders.email) / \(DemoOrders.password) (delivered and returned, cancelled, declined, partly fulfilled), a review and two wish lists")
        }
    }
}

/// A small shop: apparel, home and books, each product with variants, EUR and USD prices and stock.
enum DemoCatalog {
    struct Item {
        let id: String
        let name: String
        let description: String
        let category: [String]
        let variants: [(sku: String, attributes: [String: String])]
        let eur: Int64
        let usd: Int64
        let stock: Int
        var brand: String? = nil
        /// The colour of its placeholder image.
        var colour: (UInt8, UInt8, UInt8) = (0x8A, 0x9B, 0xA8)
        /// Values of ``specifications`` by key.
        var specifications: [String: String] = [:]
    }

    /// What the demo products are described by.
    static let specifications = [
        SpecificationDefinition(key: "material", label: "Material", kind: .option, options: ["Cotton", "Fleece", "Enamel", "Steel", "Paper"]),
        SpecificationDefinition(key: "weight", label: "Weight", kind: .number, unit: "kg"),
        SpecificationDefinition(key: "care", label: "Care", kind: .text),
    ]

    static let items: [Item] = [
        Item(id: "tee-classic", name: "Classic Tee", description: "Organic cotton t-shirt, regular fit", category: ["Apparel", "Shirts"],
             variants: ["S", "M", "L"].map { ("TEE-CLASSIC-\($0)", ["size": $0, "colour": "navy"]) }, eur: 2500, usd: 2900, stock: 40, brand: "Northwind", colour: (0x1F, 0x2A, 0x44),
             specifications: ["material": "Cotton", "weight": "0.18", "care": "Machine wash at 30 °C"]),
        Item(id: "tee-pocket", name: "Pocket Tee", description: "Heavyweight cotton with a chest pocket", category: ["Apparel", "Shirts"],
             variants: ["M", "L"].map { ("TEE-POCKET-\($0)", ["size": $0, "colour": "sand"]) }, eur: 3200, usd: 3600, stock: 25, brand: "Northwind", colour: (0xC2, 0xB2, 0x80)),
        Item(id: "hoodie-zip", name: "Zip Hoodie", description: "Brushed fleece, full zip", category: ["Apparel", "Hoodies"],
             variants: ["M", "L", "XL"].map { ("HOODIE-ZIP-\($0)", ["size": $0, "colour": "grey"]) }, eur: 6900, usd: 7900, stock: 15, brand: "Fjell", colour: (0x80, 0x80, 0x80),
             specifications: ["material": "Fleece", "weight": "0.62"]),
        Item(id: "mug-enamel", name: "Enamel Mug", description: "Camping mug, 350 ml", category: ["Home", "Kitchen"],
             variants: [("MUG-ENAMEL-WHITE", ["colour": "white"]), ("MUG-ENAMEL-BLUE", ["colour": "blue"])], eur: 1400, usd: 1600, stock: 60, brand: "Fjell", colour: (0xF4, 0xF4, 0xF0)),
        Item(id: "knife-chef", name: "Chef's Knife", description: "20 cm, stainless steel", category: ["Home", "Kitchen"],
             variants: [("KNIFE-CHEF-20", ["length": "20 cm"])], eur: 8900, usd: 9900, stock: 8, brand: "Oak & Ash", colour: (0xB0, 0xB8, 0xC0),
             specifications: ["material": "Steel", "weight": "0.21", "care": "Hand wash, dry at once"]),
        Item(id: "book-ddd", name: "Domain Modelling", description: "A field guide to aggregates and events", category: ["Books", "Software"],
             variants: [("BOOK-DDD-PAPER", ["format": "paperback"]), ("BOOK-DDD-HARD", ["format": "hardcover"])], eur: 3900, usd: 4500, stock: 20),
    ]

    /// The category tree the products are in, with names in German and French:
    /// (id, parent, name, other names), parents first.
    static let categories: [(id: String, parent: String?, name: String, names: [String: String])] = [
        ("apparel", nil, "Apparel", ["de": "Bekleidung", "fr": "Vêtements"]),
        ("shirts", "apparel", "Shirts", ["de": "Hemden & T-Shirts", "fr": "T-shirts"]),
        ("hoodies", "apparel", "Hoodies", ["de": "Kapuzenpullover", "fr": "Sweats à capuche"]),
        ("home", nil, "Home", ["de": "Wohnen", "fr": "Maison"]),
        ("kitchen", "home", "Kitchen", ["de": "Küche", "fr": "Cuisine"]),
        ("books", nil, "Books", ["de": "Bücher", "fr": "Livres"]),
        ("software", "books", "Software", ["de": "Software", "fr": "Logiciel"]),
    ]

    /// Each product gets a placeholder image (a square in its colour), stored before its stream
    /// is written.
    /// - Returns: streams written and streams that existed already.
    static func load(into store: PostgresEventStore, images: any ImageStorage, now: Date) async throws -> (Int, Int) {
        let context = DecisionContext(now: now)
        var written = 0
        var skipped = 0
        var tree: [CategoryTree.Command] = []
        for category in categories {
            let id = try CategoryID(category.id)
            tree.append(.create(id: id, parentId: try category.parent.map { try CategoryID($0) }, slug: CategoryTree.slug(from: category.name, id: id),
                                name: category.name, localizedNames: category.names, position: nil))
        }
        if try await appendNew(CategoryTree.self, tree, to: try StreamName(category: "category", id: "tree"), store: store, context: context) { written += 1 } else { skipped += 1 }
        // Prices in pounds, francs (to the 0.05) and yen (to the 10) derived from the euro ones.
        let rates = [
            ExchangeRate(currency: .GBP, base: .EUR, ratePerMillion: 856_300, roundingIncrement: 1),
            ExchangeRate(currency: try Currency("CHF"), base: .EUR, ratePerMillion: 941_200, roundingIncrement: 5),
            ExchangeRate(currency: .JPY, base: .EUR, ratePerMillion: 162_470_000, roundingIncrement: 10),
        ]
        if try await appendNew(ExchangeRates.self, [.set(rates)], to: try StreamName(category: "currency", id: "rates"), store: store, context: context) {
            written += 1
        } else {
            skipped += 1
        }
        let definitions = Dictionary(uniqueKeysWithValues: specifications.map { ($0.key, $0) })
        if try await appendNew(SpecificationCatalog.self, specifications.map { .define($0) }, to: try StreamName(category: "specification", id: "catalog"),
                               store: store, context: context) {
            written += 1
        } else {
            skipped += 1
        }
        let treeState = try tree.reduce(CategoryTree.initialState) { state, command in try CategoryTree.handle(command, state, context).state }
        for item in items {
            let id = try ProductID(item.id)
            let category = treeState.categories.keys.first { treeState.path(of: $0) == item.category }
            var commands: [Product.Command] = [.create(
                id: id, name: item.name, description: item.description, categoryPath: item.category, brand: item.brand, categoryId: category
            )]
            for variant in item.variants {
                let sku = try SKU(variant.sku)
                commands += [.addVariant(sku: sku, attributes: variant.attributes), .setPrice(sku: sku, price: Money(item.eur, .EUR)), .setPrice(sku: sku, price: Money(item.usd, .USD))]
            }
            // Stored before the stream that names it (storing a file already there does nothing).
            let (red, green, blue) = item.colour
            let image = try ImageFile(data: PlaceholderImage.png(width: 64, height: 64, red: red, green: green, blue: blue), fileName: "\(item.id).png", declaredType: nil)
            try await images.put(image.data, name: image.fileName)
            commands += [.addImage(ProductImage(imageId: image.sha256, contentType: image.contentType, bytes: image.data.count, alt: "\(item.name) (placeholder)"))]
            if !item.specifications.isEmpty { commands.append(.setSpecifications(item.specifications, definitions: definitions)) }
            commands += [.setSEO(ProductSEO(title: "\(item.name) — \(item.description)", slug: item.id)), .publish]
            if try await appendNew(Product.self, commands, to: try StreamName(category: "product", id: item.id), store: store, context: context) {
                written += 1
            } else {
                skipped += 1
            }
            for variant in item.variants {
                let sku = try SKU(variant.sku)
                let stock: [Inventory.Command] = [.setLowStockThreshold(sku: sku, threshold: 3), .receive(sku: sku, quantity: item.stock)]
                if try await appendNew(Inventory.self, stock, to: try StreamName(category: "inventory", id: variant.sku), store: store, context: context) { written += 1 } else { skipped += 1 }
            }
        }
        return (written, skipped)
    }

    /// Decides `commands` from the initial state and appends the events to a new stream;
    /// false when the stream exists already.
    static func appendNew<D: Decider>(_: D.Type, _ commands: [D.Command], to stream: StreamName, store: PostgresEventStore, context: DecisionContext) async throws -> Bool {
        guard try await store.version(of: stream) == 0 else { return false }
        var state = D.initialState
        var events: [NewEvent] = []
        for command in commands {
            let (decided, next) = try D.handle(command, state, context)
            state = next
            events += decided.map { event in
                let encoded = EventCodec.encode(event)
                return NewEvent(type: encoded.type, schemaVersion: Int32(encoded.schemaVersion), data: encoded.json, metadata: EventMetadata(actor: "seed"))
            }
        }
        do {
            try await store.append(events, to: stream, expectedVersion: .noStream)
            return true
        } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
            return false
        }
    }
}
