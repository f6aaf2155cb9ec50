import API
import Aggregates
import Application
import ArgumentParser
import EventStore
import Foundation
import Logging
import Payments
import PostgresNIO
import Projections
import Runtime

/// `commerce-bench recommendations`: a year of shopping with planted structure (``PlantedHistory``),
/// each customer's last order held out; for-you, buy-again and also-bought judged on those orders
/// beside a popularity baseline on the same split; the read model's rebuild beside the rate of
/// reading what it reads; and each list endpoint's latency under wrk beside the HTTP floor.
struct BenchRecommendations: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recommendations",
        abstract: "Offline hit-rate, recall and NDCG at 10 against popularity; rebuild events/s against reading; serving p50/p99 under wrk."
    )

    @Option(help: "Customers in the history (3 to 8 orders each).")
    var customers: Int = 8000

    @Option(help: "Held-out orders judged (at least 1,000 for the figures to mean much).")
    var evaluated: Int = 2000

    @Option(help: "Seconds each endpoint is loaded.")
    var seconds: Int = 5

    @Option(help: "wrk connections.")
    var connections: Int = 32

    @Option(help: "Keep the history in this database and reuse it on later runs the same day (made again in memory, not stored again).")
    var database: String?

    enum Part: String, ExpressibleByArgument, CaseIterable {
        case all, rebuild, evaluate, serve
    }

    @Option(help: "What to measure: all, rebuild, evaluate or serve (evaluate and serve need the read model: an earlier run with --database).")
    var part: Part = .all

    func run() async throws {
        let settings = try Settings()
        var logger = settings.makeLogger(label: "bench")
        logger.logLevel = .error
        guard customers > 0, evaluated > 0, seconds > 0, connections > 0 else { throw ValidationError("every option must be positive") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else { throw ValidationError("wrk is missing: scripts/setup installs it") }
        print("commerce-bench recommendations — \(customers) customers, a year, last orders held out")
        let body = { (url: DatabaseURL) in
            try await PostgresClient.withClient(url, maximumConnections: 40, keepingAllOpen: true, logger: logger) { client in
                let store = PostgresEventStore(client: client, logger: logger)
                let clock = ContinuousClock()
                let started = clock.now
                var history = PlantedHistory(customers: customers)
                let stored = try await store.frontierStatus().headPosition > 0
                try await history.load(into: stored ? nil : store) { stored in
                    if stored / 100_000 != (stored - 600) / 100_000 { print("  \(stored) events stored…") }
                }
                if stored {
                    print("history: kept from an earlier run in \(database ?? ""); \(history.heldOut.count) orders held out")
                } else {
                    print("history: \(history.storedEvents) events stored in \(Int((clock.now - started).inSeconds)) s; \(history.heldOut.count) orders held out")
                }
                _ = try await ProjectionRebuilder(store: store, logger: logger).rebuild(CatalogProjection())
                if part == .all || part == .serve {
                    print("")
                    try await measureMaking(client: client, products: history.productsOnSale, customers: history.heldOut.map(\.customer), logger: logger)
                }
                if part == .all || part == .rebuild {
                    print("")
                    try await measureRebuild(store: store, logger: logger)
                }
                if part == .all || part == .evaluate {
                    print("")
                    try await evaluate(history, client: client, logger: logger)
                }
                guard part == .all || part == .serve else { return }
                print("")
                try await measureServing(client: client, products: history.productsOnSale, customers: history.heldOut.map(\.customer), logger: logger)
            }
        }
        if let database {
            try await withKeptBenchDatabase(database, settings: settings, logger: logger, body)
        } else {
            try await withBenchDatabase(settings: settings, logger: logger, body)
        }
    }

    private func measureRebuild(store: PostgresEventStore, logger: Logger) async throws {
        let projection = RecommendationsProjection()
        let floor = try await RebuildFloor.measure(projection, store: store)
        let (history, read, readSeconds) = (floor.history, floor.read, floor.seconds)
        let report = try await ProjectionRebuilder(store: store, logger: logger).rebuild(projection)
        print(pad("rebuild", 44) + pad("history", 10, right: true) + pad("read", 10, right: true) + pad("seconds", 9, right: true)
            + pad("history/s", 11, right: true) + pad("read/s", 10, right: true) + pad("of reading", 12, right: true))
        print(pad("reading what a rebuild reads (the floor)", 44) + pad("\(history)", 10, right: true) + pad("\(read)", 10, right: true)
            + pad(String(format: "%.1f", readSeconds), 9, right: true) + pad(format(Double(history) / readSeconds), 11, right: true)
            + pad(format(Double(read) / readSeconds), 10, right: true))
        print(pad("recommendations rebuild", 44) + pad("\(history)", 10, right: true) + pad("\(report.events)", 10, right: true)
            + pad(String(format: "%.1f", report.seconds), 9, right: true) + pad(format(Double(history) / report.seconds), 11, right: true)
            + pad(format(Double(report.events) / report.seconds), 10, right: true)
            + pad(String(format: "%.0f %%", readSeconds / report.seconds * 100), 12, right: true))
        print(String(format: "bulk phase: reading %.2f s, folding %.2f s, writing %.2f s; the rest %.2f s. History: the order and activity events, ignored types included. Target 100k events/s.",
                     report.reading.inSeconds, report.folding.inSeconds, report.writing.inSeconds,
                     report.seconds - (report.reading + report.folding + report.writing).inSeconds))
    }

    private func evaluate(_ history: PlantedHistory, client: PostgresClient, logger: Logger) async throws {
        let reader = RecommendationsReader(client: client, logger: logger)
        let catalog = CatalogReader(client: client, logger: logger)
        // Popularity: the most ordered products of the stored history that can be bought now.
        let available = try await catalog.availableProducts(ids: Array(history.trainingOrders.keys), currency: .EUR)
        let popular = history.trainingOrders.filter { available[$0.key] != nil }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        let step = max(1, history.heldOut.count / evaluated)
        let sample = stride(from: 0, to: history.heldOut.count, by: step).prefix(evaluated).map { history.heldOut[$0] }
        struct Lists: Sendable {
            let heldOut: [String]
            let plantedBest: [String]
            let forYou: [String]
            let buyAgain: [String]
            let alsoBought: [String]?
        }
        let clock = ContinuousClock()
        let started = clock.now
        // In the sample's order whichever worker finishes first, so that the seeded intervals
        // pair the same queries on every run.
        let lists = try await withThrowingTaskGroup(of: [(index: Int, lists: Lists)].self) { group in
            let workers = 8
            for worker in 0..<workers {
                let part = Array(stride(from: worker, to: sample.count, by: workers))
                group.addTask {
                    var done: [(index: Int, lists: Lists)] = []
                    for index in part {
                        let order = sample[index]
                        let forYou = try await reader.list(.forYou, for: order.customer, limit: 10, currency: .EUR, now: order.at)
                        let buyAgain = try await reader.list(.buyAgain, for: order.customer, limit: 10, currency: .EUR, now: order.at)
                        var alsoBought: [String]?
                        if order.products.count >= 2 {
                            alsoBought = try await reader.list(.alsoBought, for: order.products[0], limit: 10, currency: .EUR, now: order.at)?.items.map(\.product.productId)
                        }
                        done.append((index, Lists(heldOut: order.products, plantedBest: order.plantedBest, forYou: forYou.items.map(\.product.productId),
                                                  buyAgain: buyAgain.items.map(\.product.productId), alsoBought: alsoBought)))
                    }
                    return done
                }
            }
            var all: [(index: Int, lists: Lists)] = []
            for try await part in group { all += part }
            return all.sorted { $0.index < $1.index }.map(\.lists)
        }
        var forYou = RankingMetrics(), buyAgain = RankingMetrics(), popularity = RankingMetrics()
        var alsoBought = RankingMetrics(), popularityForPairs = RankingMetrics(), plantedBest = RankingMetrics()
        for list in lists {
            let relevant = Set(list.heldOut)
            plantedBest.add(ranked: list.plantedBest, relevant: relevant)
            forYou.add(ranked: list.forYou, relevant: relevant)
            buyAgain.add(ranked: list.buyAgain, relevant: relevant)
            popularity.add(ranked: popular, relevant: relevant)
            if let pairs = list.alsoBought {
                let rest = Set(list.heldOut.dropFirst())
                alsoBought.add(ranked: pairs, relevant: rest)
                popularityForPairs.add(ranked: popular.filter { $0 != list.heldOut[0] }, relevant: rest)
            }
        }
        print("offline evaluation, leave-last-order-out: \(lists.count) held-out orders (\(alsoBought.queries) with 2+ products) in \(String(format: "%.1f", (clock.now - started).inSeconds)) s")
        print(pad("list", 34) + pad("hit@10", 9, right: true) + pad("recall@10", 11, right: true) + pad("NDCG@10", 9, right: true)
            + pad("hit vs popularity", 19, right: true) + pad("95 % interval", 15, right: true))
        let bootstrap = PairedBootstrap()
        func row(_ label: String, _ metrics: RankingMetrics, _ baseline: RankingMetrics) {
            let interval = metrics.hitPerQuery == baseline.hitPerQuery ? nil : bootstrap.interval(of: metrics.hitPerQuery, against: baseline.hitPerQuery)
            print(pad(label, 34) + pad(String(format: "%.3f", metrics.hitRate), 9, right: true) + pad(String(format: "%.3f", metrics.meanRecall), 11, right: true)
                + pad(String(format: "%.3f", metrics.meanNDCG), 9, right: true)
                + pad(String(format: "%.2f×", baseline.hitRate > 0 ? metrics.hitRate / baseline.hitRate : 0), 19, right: true)
                + pad(interval.map { String(format: "%.2f–%.2f×", $0.low, $0.high) } ?? "", 15, right: true))
        }
        row("popularity (baseline)", popularity, popularity)
        row("for-you", forYou, popularity)
        row("buy-again", buyAgain, popularity)
        row("the planted structure's own list", plantedBest, popularity)
        row("popularity, the rest of an order", popularityForPairs, popularityForPairs)
        row("also-bought of its first product", alsoBought, popularityForPairs)
        // Where for-you's hits come from beside the planted list's: the customer's replenished
        // product (the planted list's first), and the order's other products.
        var staple = (inOrders: 0, forYou: 0), otherPicks = (forYou: 0, planted: 0)
        for list in lists {
            let bought = Set(list.heldOut), replenished = list.plantedBest[0]
            if bought.contains(replenished) {
                staple.inOrders += 1
                if list.forYou.prefix(10).contains(replenished) { staple.forYou += 1 }
            }
            let others = bought.subtracting([replenished])
            if list.forYou.prefix(10).contains(where: others.contains) { otherPicks.forYou += 1 }
            if list.plantedBest.prefix(10).contains(where: others.contains) { otherPicks.planted += 1 }
        }
        print("for-you listed the customer's replenished product in \(staple.forYou) of the \(staple.inOrders) held-out orders holding it;")
        print("it held another product of the order in \(otherPicks.forYou) orders, the planted structure's list in \(otherPicks.planted).")
        print("95 % interval: of the ratio, by a paired bootstrap over the held-out orders (1,000 draws).")
        print("target: for-you and buy-again at least 2× popularity's hit rate; the planted structure's own list (each customer's")
        print("staple, then their segment's likeliest picks, known from how the history was made) is about the most any list can do here")
    }

    /// What a list costs when no answer is kept: each list made by the reader, one at a time,
    /// for 200 products or customers (after one of each, so that the snapshot of products on
    /// sale is loaded).
    private func measureMaking(client: PostgresClient, products: [String], customers: [String], logger: Logger) async throws {
        let reader = RecommendationsReader(client: client, logger: logger)
        let clock = ContinuousClock()
        print(pad("a list made afresh (no answer kept), one at a time", 52) + pad("p50 ms", 9, right: true) + pad("p99 ms", 9, right: true))
        func measure(_ label: String, _ make: (Int) async throws -> Void) async throws {
            try await make(0)
            var times: [Double] = []
            for index in 0..<200 { times.append(try await clock.measure { try await make(index) }.inSeconds * 1000) }
            times.sort()
            print(pad(label, 52) + pad(String(format: "%.2f", times[100]), 9, right: true) + pad(String(format: "%.2f", times[197]), 9, right: true))
        }
        for kind in RecommendationsReader.ProductList.allCases {
            try await measure(kind.rawValue) { _ = try await reader.list(kind, for: products[$0 % products.count], limit: 10, currency: .EUR) }
        }
        try await measure("trending") { _ in _ = try await reader.trending(category: [], limit: 10, currency: .EUR) }
        for kind in RecommendationsReader.CustomerList.allCases {
            try await measure(kind.rawValue) { _ = try await reader.list(kind, for: customers[$0 % customers.count], limit: 10, currency: .EUR) }
        }
    }

    /// Each load rotates over 200 products (or 200 customers' tokens), as a storefront's traffic
    /// would, rather than asking one list again and again.
    private func measureServing(client: PostgresClient, products: [String], customers: [String], logger: Logger) async throws {
        let secret = StartupChecks.randomSecret()
        let issuer = AccessTokens(secret: secret, lifetime: 3600)
        let tokens = customers.prefix(200).map { issuer.issue(for: Principal(userID: $0, role: .customer)) }
        let port = Int.random(in: 20000...40000)
        let app = buildApplication(
            configuration: APIConfiguration(port: port, tokenSecret: secret, bcryptCost: 4),
            dependencies: APIDependencies(postgres: client, webhookSignature: WebhookSignature(secret: secret)),
            logger: logger
        )
        let sample = Array(products.prefix(200))
        let loads: [(String, [String])] = [
            ("health check (the HTTP floor)", ["/health/live"]),
            ("also-bought", sample.map { "/catalog/products/\($0)/recommendations?kind=also-bought" }),
            ("also-viewed", sample.map { "/catalog/products/\($0)/recommendations?kind=also-viewed" }),
            ("similar", sample.map { "/catalog/products/\($0)/recommendations?kind=similar" }),
            ("trending", ["/catalog/trending"]),
            ("trending in a category", ["/catalog/trending?category=Home", "/catalog/trending?category=Apparel", "/catalog/trending?category=Outdoor"]),
            ("for-you", ["/customers/me/recommendations?kind=for-you"]),
            ("buy-again", ["/customers/me/recommendations?kind=buy-again"]),
        ]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("commerce-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try await whileServing(app, port: port, logger: logger) {
            print(pad("endpoint (wrk, \(connections) connections, \(seconds) s)", 44) + pad("req/s", 10, right: true) + pad("p50 ms", 9, right: true)
                + pad("p99 ms", 9, right: true) + pad("non-2xx", 9, right: true) + pad("p99/10 ms", 11, right: true))
            for (index, (label, paths)) in loads.enumerated() {
                let script = directory.appendingPathComponent("load-\(index).lua")
                let signedIn = paths.allSatisfy { $0.hasPrefix("/customers/me/") }
                try Self.rotatingScript(paths: paths, tokens: signedIn ? tokens : [])
                    .write(to: script, atomically: true, encoding: .utf8)
                let arguments = ["-t2", "-c\(connections)", "-s", script.path, "http://127.0.0.1:\(port)"]
                _ = try await Wrk.run(["-d1s"] + arguments)
                let result = try await Wrk.run(["-d\(seconds)s"] + arguments)
                print(pad(label, 44) + pad(format(result.requestsPerSecond), 10, right: true) + pad(String(format: "%.2f", result.p50), 9, right: true)
                    + pad(String(format: "%.2f", result.p99), 9, right: true) + pad("\(result.non2xx)", 9, right: true)
                    + pad(String(format: "%.0f %%", result.p99 / 10 * 100), 11, right: true))
            }
        }
        print("each load rotates over \(sample.count) products or \(tokens.count) customers; target: p99 < 10 ms at 32 connections;")
        print("the health check is what HTTP alone costs here (server and wrk share the 2 cores).")
    }

    /// A wrk script asking for each path in turn, each time as the next customer (if tokens).
    static func rotatingScript(paths: [String], tokens: [String]) -> String {
        let pathList = paths.map { "\"\($0)\"" }.joined(separator: ",")
        let tokenList = tokens.map { "\"\($0)\"" }.joined(separator: ",")
        return """
            local paths = {\(pathList)}
            local tokens = {\(tokenList)}
            local threads = 0
            function setup(thread) thread:set("first", threads); threads = threads + 1 end
            function init(args) counter = first; step = 2 end
            request = function()
              local headers = {}
              if #tokens > 0 then headers["Authorization"] = "Bearer " .. tokens[(counter % #tokens) + 1] end
              local path = paths[(counter % #paths) + 1]
              counter = counter + step
              return wrk.format("GET", path, headers)
            end

            """
    }
}
