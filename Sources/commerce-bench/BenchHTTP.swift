import API
import Aggregates
import ArgumentParser
import Runtime
import Application
import EventStore
import Foundation
import Hummingbird
import Logging
import Payments
import PostgresNIO

/// `commerce-bench http`: add-to-cart and checkout through the HTTP API under wrk, beside the
/// same requests served by a peer written the CRUD way in FastAPI + asyncpg (``FastAPIPeer``),
/// loaded the same way right after ours, and beside the raw PostgreSQL single-row commit rate at
/// the same concurrency — all in the same run, on the same PostgreSQL.
struct BenchHTTP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Add-to-cart and checkout requests/s and latency under wrk, against a FastAPI + asyncpg peer and the raw Postgres commit rate."
    )

    @Option(help: "Seconds each load runs.")
    var seconds: Int = 10

    @Option(help: "Open connections (wrk) and concurrent writers (raw baseline).")
    var connections: Int = 32

    @Option(help: "Carts made ready for the checkout load (each checks out once).")
    var checkoutCarts: Int = 4000

    @Option(help: "Seconds the checkout load runs (short enough that no side runs out of ready carts).")
    var checkoutSeconds: Int = 2

    @Flag(help: "Only the checkout load, ours and no peer (for profiling the server).")
    var checkoutOnly = false

    func run() async throws {
        let settings = try Settings()
        var logger = settings.makeLogger(label: "bench")
        logger.logLevel = .error
        guard seconds > 0, connections > 0, checkoutCarts > 0, checkoutSeconds > 0 else { throw ValidationError("the options must be positive") }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else { throw ValidationError("wrk is missing: scripts/setup installs it") }
        try await withBenchDatabase(settings: settings, logger: logger) { url in
            try await PostgresClient.withClient(url, maximumConnections: connections + 8, keepingAllOpen: true, logger: logger) { client in
                try await bench(client: client, url: url, logger: logger)
            }
        }
    }

    private func bench(client: PostgresClient, url: DatabaseURL, logger: Logger) async throws {
        let store = PostgresEventStore(client: client, logger: logger)
        let repository = AggregateRepository(store: store)
        let secret = StartupChecks.randomSecret()
        let customer = Principal(userID: "bench-customer", role: .customer)
        let token = AccessTokens(secret: secret, lifetime: 3600).issue(for: customer)
        print("commerce-bench http — wrk, \(connections) connections, \(seconds) s per load; server in this process")
        print("preparing: a product with 50 SKUs in stock, carts for add-to-cart and \(checkoutCarts) ready carts for checkout…")
        let skus = try await prepareCatalog(repository)
        let carts = try await makeCarts(repository, customer: customer, count: 2000, skus: skus, ready: false)
        let readyCarts = try await makeCarts(repository, customer: customer, count: checkoutCarts, skus: skus, ready: true)
        // Profiling our checkout alone needs no peer.
        let peer: FastAPIPeer?
        if checkoutOnly {
            peer = nil
        } else {
            try await FastAPIPeer.install()
            let made = try FastAPIPeer(database: url, secret: secret)
            try await made.setUp(customer: customer.userID, carts: carts.count, ready: readyCarts.count)
            peer = made
        }
        let peerPort = Int.random(in: 40001...50000)

        let port = Int.random(in: 20000...40000)
        let app = buildApplication(
            // The bench's customer is a token, not an account with a confirmed address (nor has the
            // peer any such check): checkout without the e-mail verification gate.
            configuration: APIConfiguration(port: port, tokenSecret: secret, bcryptCost: 4, accountMail: AccountMailSettings(requireVerifiedEmail: false)),
            dependencies: APIDependencies(postgres: client, webhookSignature: WebhookSignature(secret: secret)),
            logger: logger
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            defer { group.cancelAll() }
            try await Wrk.waitForServer(port: port)

            try await client.query("CREATE TABLE raw_commits (id bigserial PRIMARY KEY, payload text NOT NULL, at timestamptz NOT NULL DEFAULT now())")
            let raw = try await measure(writers: connections, duration: .seconds(seconds)) { _, _ in
                try await client.query("INSERT INTO raw_commits (payload) VALUES ('{\"sku\":\"BENCH-1\",\"quantity\":1}')")
                return 1
            }
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("commerce-bench-\(UUID().uuidString.prefix(8))")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }

            let addBody = #"{"productId":"bench-product","sku":"BENCH-0","quantity":1}"#
            let addScript = try script(in: directory, name: "add", token: token, carts: carts, path: "/lines", body: addBody, delayMs: nil)
            let checkoutScript = try script(in: directory, name: "checkout", token: token, carts: readyCarts, path: "/checkout",
                                            body: #"{"cardNumber":"4242424242424242"}"#, delayMs: nil)
            // One request of each load first, through curl: a load of refusals measures nothing.
            for (path, body) in [("/carts/\(carts[0])/lines", addBody), ("/carts/\(readyCarts[readyCarts.count - 1])/checkout", #"{"cardNumber":"4242424242424242"}"#)] {
                let probe = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/curl"), [
                    "-s", "-w", "\n%{http_code}", "-X", "POST", "-H", "Authorization: Bearer \(token)", "-H", "Content-Type: application/json",
                    "-d", body, "http://127.0.0.1:\(port)\(path)",
                ])
                guard probe.output.hasSuffix("\n200") || probe.output.hasSuffix("\n201") else {
                    throw ValidationError("POST \(path) was refused before the load: \(probe.output.suffix(600))")
                }
            }
            // Ours and the peer's, one after the other, each server idle while the other is loaded.
            var results: [(String, Wrk.Result, Wrk.Result?)] = []
            if let peer { try await peer.serving(port: peerPort) {
                let add = try await runWrk(port: port, script: addScript, seconds: seconds)
                let peerAdd = try await runWrk(port: peerPort, script: addScript, seconds: seconds)
                let half = raw / 2
                let delay = max(1, Int(Double(connections) * 1000 / half))
                let paced = try await runWrk(port: port, script: try script(in: directory, name: "paced", token: token, carts: carts, path: "/lines",
                                                                          body: addBody, delayMs: delay), seconds: seconds)
                // Short enough that neither side runs out of ready carts (a closed cart answers 409).
                let checkout = try await runWrk(port: port, script: checkoutScript, seconds: checkoutSeconds)
                let peerCheckout = try await runWrk(port: peerPort, script: checkoutScript, seconds: checkoutSeconds)
                results = [
                    ("add to cart (POST /carts/{id}/lines)", add, peerAdd),
                    ("add to cart, paced at ~\(Int(half)) req/s", paced, nil),
                    ("checkout (POST /carts/{id}/checkout)", checkout, peerCheckout),
                ]
            } } else {
                results = [("checkout (POST /carts/{id}/checkout)", try await runWrk(port: port, script: checkoutScript, seconds: checkoutSeconds), nil)]
            }

            print("")
            print(pad("load", 40) + pad("req/s", 10, right: true) + pad("p50 ms", 9, right: true) + pad("p99 ms", 9, right: true) + pad("non-2xx", 9, right: true)
                + pad("peer req/s", 12, right: true) + pad("p50 ms", 9, right: true) + pad("p99 ms", 9, right: true) + pad("non-2xx", 9, right: true)
                + pad("×peer", 7, right: true) + pad("of raw", 8, right: true))
            print(pad("raw Postgres single-row commits", 40) + pad(format(raw), 10, right: true))
            var refused: [String] = []
            for (label, ours, peer) in results {
                var line = pad(label, 40) + pad(format(ours.requestsPerSecond), 10, right: true) + pad(String(format: "%.2f", ours.p50), 9, right: true)
                    + pad(String(format: "%.2f", ours.p99), 9, right: true) + pad("\(ours.non2xx)", 9, right: true)
                if let peer {
                    line += pad(format(peer.requestsPerSecond), 12, right: true) + pad(String(format: "%.2f", peer.p50), 9, right: true)
                        + pad(String(format: "%.2f", peer.p99), 9, right: true) + pad("\(peer.non2xx)", 9, right: true)
                        + pad(String(format: "%.2f", ours.requestsPerSecond / peer.requestsPerSecond), 7, right: true)
                    if ours.non2xx > 0 || peer.non2xx > 0 { refused.append(label) }
                } else {
                    line += pad("", 12 + 9 + 9 + 9 + 7)
                }
                print(line + pad(String(format: "%.0f %%", ours.requestsPerSecond / raw * 100), 8, right: true))
            }
            if !refused.isEmpty {
                print("note: non-2xx answers in \(refused.joined(separator: ", ")): the ratio compares unlike loads (more --checkout-carts).")
            }
            if let memory = ProcessMemory.read() { print(memory.summary) }
            print("")
            print("raw = \(connections) writers each committing INSERTs of one row, one transaction each, on the same server.")
            print("add to cart: \(carts.count) carts of one customer, round robin; each request decides on the cart and the product as this server last left them (a stream is read when another writer got in first), and appends with the cart's expected version and the product's as a condition.")
            print("checkout: \(readyCarts.count) ready carts, each checked out once, \(checkoutSeconds) s (multi-stream append: cart, order, payment, stock on one of 50 SKUs).")
            print("peer: the same requests, carts and token against scripts/peer/fastapi_cart.py — FastAPI + asyncpg, the CRUD way (lock the cart row,")
            print("read price and stock, upsert the line; checkout takes stock with guarded UPDATEs and writes order, lines and payment in one")
            print("transaction), uvicorn with uvloop and httptools, 2 workers, loaded right after ours on the same PostgreSQL.")
            print("targets: add to cart ≥ 3× the peer with p99 < 25 ms; checkout ≥ 1.5× the peer.")
        }
    }

    private func prepareCatalog(_ repository: AggregateRepository) async throws -> [SKU] {
        let product = try ProductID("bench-product")
        let skus = try (0..<50).map { try SKU("BENCH-\($0)") }
        var commands: [Product.Command] = [.create(id: product, name: "Bench product", description: "Load", categoryPath: ["Bench"])]
        for sku in skus { commands += [.addVariant(sku: sku, attributes: [:]), .setPrice(sku: sku, price: Money(1000, .EUR))] }
        commands.append(.publish)
        for command in commands {
            _ = try await repository.execute(Product.self, .of("product", product), ifMatch: nil, metadata: EventMetadata(actor: "bench")) { _ in command }
        }
        for sku in skus {
            _ = try await repository.execute(Inventory.self, .of("inventory", sku), ifMatch: nil, metadata: EventMetadata(actor: "bench")) { _ in
                .receive(sku: sku, quantity: 1_000_000)
            }
        }
        return skus
    }

    /// Carts of one customer; ready ones hold a line, an address and a shipping method.
    private func makeCarts(_ repository: AggregateRepository, customer: Principal, count: Int, skus: [SKU], ready: Bool) async throws -> [String] {
        try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<count {
                group.addTask {
                    let id = try CartID("bench-\(ready ? "ready" : "cart")-\(index)")
                    let sku = skus[index % skus.count]
                    var commands: [Cart.Command] = [.create(id: id, owner: .customer(try CustomerID(customer.userID)), currency: .EUR)]
                    if ready {
                        commands += [
                            .addItem(CartLine(sku: sku, productId: try ProductID("bench-product"), name: "Bench product", quantity: 1, unitPrice: Money(1000, .EUR))),
                            .setShippingAddress(Address(name: "Bench", line1: "1 Load St", city: "Berlin", postalCode: "10115", country: "DE")),
                            .setShippingMethod(method: "standard", pricing: .standard),
                        ]
                    }
                    for command in commands {
                        _ = try await repository.execute(Cart.self, .of("cart", id), ifMatch: nil, metadata: EventMetadata(actor: "bench")) { _ in command }
                    }
                    return id.rawValue
                }
                if index >= 16 { _ = try await group.next() }
            }
            // Waits for the rest, surfacing their failures too.
            try await group.waitForAll()
            return (0..<count).map { "bench-\(ready ? "ready" : "cart")-\($0)" }
        }
    }

    /// A wrk Lua script: each thread walks its own share of the carts, so no cart is shared
    /// between threads (a checkout then happens once per cart).
    private func script(in directory: URL, name: String, token: String, carts: [String], path: String, body: String, delayMs: Int?) throws -> URL {
        let list = carts.map { "\"\($0)\"" }.joined(separator: ",")
        var lua = """
            local carts = {\(list)}
            local threads = 0
            function setup(thread) thread:set("first", threads); threads = threads + 1 end
            function init(args) counter = first; step = 2 end
            local headers = {["Authorization"] = "Bearer \(token)", ["Content-Type"] = "application/json"}
            local body = '\(body)'
            request = function()
              local id = carts[(counter % #carts) + 1]
              counter = counter + step
              return wrk.format("POST", "/carts/" .. id .. "\(path)", headers, body)
            end

            """
        if let delayMs { lua += "function delay() return \(delayMs) end\n" }
        let file = directory.appendingPathComponent("\(name).lua")
        try lua.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// Runs wrk (2 threads, matching `step` in the script) and reads its summary.
    private func runWrk(port: Int, script: URL, seconds: Int) async throws -> Wrk.Result {
        try await Wrk.run(["-t2", "-c\(connections)", "-d\(seconds)s", "-s", script.path, "http://127.0.0.1:\(port)"])
    }
}
