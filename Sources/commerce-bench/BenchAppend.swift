import ArgumentParser
import Runtime
import EventStore
import Foundation
import Logging
import PostgresNIO

/// `commerce-bench append`: the event store's append and `$all` read rates against plain
/// PostgreSQL doing the same writes and reads, in one run, on one server.
struct BenchAppend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "append",
        abstract: "Append and $all read throughput against raw INSERT / SELECT baselines."
    )

    @Option(help: "Seconds each scenario runs.")
    var seconds: Double = 5

    @Option(help: "Writer counts to measure, comma-separated.")
    var writers: String = "1,8,32"

    @Option(help: "Bytes of JSON data per event (approximately).")
    var eventBytes: Int = 200

    @Option(help: "Append batches in flight at once (PostgresEventStore.Limits.concurrentAppendBatches).")
    var appendBatches: Int = PostgresEventStore.Limits().concurrentAppendBatches

    func run() async throws {
        let settings = try Settings()
        var logger = settings.makeLogger(label: "bench")
        logger.logLevel = .warning
        let writerCounts = writers.split(separator: ",").compactMap { Int($0) }
        guard !writerCounts.isEmpty, writerCounts.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--writers takes positive whole numbers, comma-separated")
        }
        let maxWriters = writerCounts.max()!
        let duration = Duration.milliseconds(Int(seconds * 1000))

        guard let pgbenchExecutable = PgBench.locate() else {
            throw ValidationError("pgbench is missing (it comes with the PostgreSQL server package): scripts/setup installs it")
        }
        try await withBenchDatabase(settings: settings, logger: logger) { url in
            let pgbench = PgBench(executable: pgbenchExecutable, database: url)
            try await PostgresClient.withClient(url, maximumConnections: maxWriters + 2, keepingAllOpen: true, logger: logger) { client in
                let store = PostgresEventStore(client: client, logger: logger, limits: .init(concurrentAppendBatches: appendBatches))
                try await client.query("CREATE TABLE raw_events (LIKE events INCLUDING ALL)")
                try await client.query("CREATE SEQUENCE raw_position_seq")
                try await client.query("CREATE SEQUENCE pgbench_version_seq")
                let payload = Self.payload(bytes: eventBytes)
                let version = try await client.query("SHOW server_version").decode(String.self).collectAll().first ?? "?"
                print("commerce-bench append — PostgreSQL \(version), \(seconds) s per scenario, ~\(payload.utf8.count)-byte events, \(appendBatches) append batches in flight")
                print("")
                print(pad("scenario", 34) + pad("writers", 9, right: true) + pad("events/s", 12, right: true) + pad("raw loop", 10, right: true)
                    + pad("of loop", 9, right: true) + pad("pgbench", 10, right: true) + pad("of pgbench", 12, right: true)
                    + pad("batch", 8, right: true) + pad("function", 10, right: true) + pad("of function", 13, right: true)
                    + pad("CPU µs/event: ours", 20, right: true) + pad("raw loop", 10, right: true) + pad("pgbench", 9, right: true) + pad("function", 10, right: true))

                for batch in [1, 10] {
                    for count in writerCounts {
                        // Each scenario writes streams of its own: every writer appends to its own stream.
                        let scenario = "b\(batch)x\(count)"
                        let (raw, rawCPU) = try await measureWithCPU(writers: count, duration: duration) { writer, iteration in
                            try await Self.rawInsert(client: client, stream: "raw-\(scenario)w\(writer)", iteration: iteration, batch: batch, payload: payload)
                            return batch
                        }
                        let (ours, oursCPU) = try await measureWithCPU(writers: count, duration: duration) { writer, iteration in
                            let events = (0..<batch).map { _ in NewEvent(type: "BenchmarkEvent", data: payload, metadata: EventMetadata(correlationID: RandomIdentifier.uuid(), actor: "bench")) }
                            try await store.append(events, to: try StreamName("bench-\(scenario)w\(writer)"), expectedVersion: .exact(Int64(iteration * batch)))
                            return batch
                        }
                        // As many transactions as would take `seconds` at twice the faster of ours.
                        let transactions = max(50, Int(max(raw, ours) * 2 * seconds / Double(batch * count)))
                        let peerRun = try await pgbench.run(
                            script: Self.pgbenchScript(scenario: scenario, batch: batch, payload: payload), clients: count, transactions: transactions
                        )
                        let (peer, peerCPU) = (peerRun.transactionsPerSecond * Double(batch), peerRun.cpuMicrosecondsPerTransaction / Double(batch))
                        // The SQL function alone, fed as our batcher fed it: as many clients as
                        // batches were in flight, each call carrying the mean batch ours made.
                        let appendsPerBatch = try await Self.meanAppendsPerTransaction(client: client, streamPrefix: "bench-\(scenario)w", batch: batch)
                        let callers = min(count, appendBatches)
                        let calls = max(50, Int(ours * 2 * seconds / Double(batch * appendsPerBatch * callers)))
                        let functionRun = try await pgbench.run(
                            script: Self.appendEventsScript(scenario: scenario, appends: appendsPerBatch, batch: batch, payload: payload),
                            clients: callers, transactions: calls
                        )
                        let eventsPerCall = Double(batch * appendsPerBatch)
                        let (function, functionCPU) = (
                            functionRun.transactionsPerSecond * eventsPerCall, functionRun.cpuMicrosecondsPerTransaction / eventsPerCall
                        )
                        let label = batch == 1 ? "append, 1 event per call" : "append, 10 events per call"
                        print(pad(label, 34) + pad("\(count)", 9, right: true) + pad(format(ours), 12, right: true) + pad(format(raw), 10, right: true)
                            + pad(String(format: "%.0f %%", ours / raw * 100), 9, right: true) + pad(format(peer), 10, right: true)
                            + pad(String(format: "%.2f×", ours / peer), 12, right: true)
                            + pad("\(appendsPerBatch)", 8, right: true) + pad(format(function), 10, right: true)
                            + pad(String(format: "%.2f×", ours / function), 13, right: true)
                            + pad(String(format: "%.0f", oursCPU), 20, right: true) + pad(String(format: "%.0f", rawCPU), 10, right: true)
                            + pad(String(format: "%.0f", peerCPU), 9, right: true)
                            + pad(String(format: "%.0f", functionCPU), 10, right: true))
                    }
                }

                let total = try await client.query("SELECT count(*)::bigint FROM events").decode(Int64.self).collectAll()[0]
                let rawRead = try await measureRead(total: total) { after in try await Self.rawReadPage(client: client, after: after) }
                let ourRead = try await measureRead(total: total) { after in
                    let page = try await store.readAll(after: after, limit: 1000)
                    return (page.events.count, page.nextPosition)
                }
                print("")
                print(pad("$all read, 1 reader, pages of 1000", 34) + pad("1", 9, right: true) + pad(format(ourRead), 12, right: true) + pad(format(rawRead), 14, right: true) + pad(String(format: "%.0f %%", ourRead / rawRead * 100), 8, right: true))
                print("")
                print("raw loop = plain INSERT into a table of the same shape (LIKE events INCLUDING ALL), one transaction per call,")
                print("      from this process through postgres-nio; plain SELECT … WHERE global_position > $1 ORDER BY global_position")
                print("      LIMIT 1000, decoding the same columns.")
                print("pgbench = the same INSERT (1 or 10 rows per transaction) from pgbench, prepared, as many clients as writers,")
                print("      run just after ours: the rate PostgreSQL itself reaches here. Targets: ≥ 0.9× at 8 and 32 writers, ≥ 0.5× at 1.")
                print("batch = appends per transaction in our run (its events counted by inserting transaction, xmin), rounded;")
                print("function = pgbench calling append_events with that many appends per call, with as many clients as our")
                print("      batches in flight (the smaller of writers and --append-batches): the SQL function's own rate fed as ours")
                print("      fed it, with no client of ours in between — what our client could reach at most with it.")
                print("CPU µs/event = the client's own CPU time (user + system) per event: this process's during our run and")
                print("      the raw loop, pgbench's (raw INSERT, then the function) from its ended processes; the server's is not")
                print("      counted. It moves far less with the machine's other load than the rates do.")
                print("ours = PostgresEventStore.append (expected version, idempotency check, hash chain, gap-free frontier)")
                print("       and PostgresEventStore.readAll (safe frontier, \(total) events).")
            }
        }
    }

    static func payload(bytes: Int) -> String {
        let filler = String(repeating: "x", count: max(0, bytes - 60))
        return #"{"sku":"SKU-12345","quantity":3,"note":"\#(filler)"}"#
    }

    /// pgbench's script for the raw INSERT of `batch` rows per transaction, each client on a
    /// stream of its own (versions from one sequence: unique, as the table's constraint wants).
    static func pgbenchScript(scenario: String, batch: Int, payload: String) -> String {
        let columns = "global_position, stream_name, stream_category, stream_version, event_id, event_type, schema_version, data, metadata, correlation_id, actor, recorded_at, hash"
        let values = """
            nextval('raw_position_seq'), 'pgbench-\(scenario)-' || :client_id, 'raw', nextval('pgbench_version_seq'), gen_random_uuid(), \
            'BenchmarkEvent', 1, '\(payload)'::jsonb, '{}', gen_random_uuid(), 'bench', now(), '\\x00'
            """
        return batch == 1
            ? "INSERT INTO raw_events (\(columns)) VALUES (\(values));\n"
            : "INSERT INTO raw_events (\(columns)) SELECT \(values) FROM generate_series(1, \(batch));\n"
    }

    /// The mean number of appends per transaction among the scenario's stored events, rounded
    /// (at least 1): counted from the rows, by the transaction that inserted each (`xmin`), not
    /// by the batcher that made them. Every append of the scenario carries `batch` events.
    static func meanAppendsPerTransaction(client: PostgresClient, streamPrefix: String, batch: Int) async throws -> Int {
        let rows = try await client.query(
            "SELECT count(*)::bigint, count(DISTINCT xmin::text)::bigint FROM events WHERE stream_name LIKE \(streamPrefix + "%")"
        ).decode((Int64, Int64).self).collectAll()
        guard let (events, transactions) = rows.first, transactions > 0 else { return 1 }
        return max(1, Int((Double(events) / Double(batch) / Double(transactions)).rounded()))
    }

    /// pgbench's script calling `append_events` with `appends` appends of `batch` events each, on
    /// streams of the client's own (expecting any version), with our events' payload and metadata.
    static func appendEventsScript(scenario: String, appends: Int, batch: Int, payload: String) -> String {
        let events = appends * batch
        return """
            SELECT count(*) FROM append_events(\
            ARRAY(SELECT generate_series(1, \(appends))), \
            ARRAY(SELECT 'function-\(scenario)-' || :client_id || '-' || r FROM generate_series(1, \(appends)) r), \
            array_fill(-1::bigint, ARRAY[\(appends)]), array_fill(\(batch), ARRAY[\(appends)]), \
            ARRAY(SELECT gen_random_uuid() FROM generate_series(1, \(events))), array_fill('BenchmarkEvent'::text, ARRAY[\(events)]), \
            array_fill(1, ARRAY[\(events)]), array_fill('\(payload)'::text, ARRAY[\(events)]), array_fill('{}'::text, ARRAY[\(events)]), \
            ARRAY(SELECT gen_random_uuid()::text FROM generate_series(1, \(events))), array_fill(''::text, ARRAY[\(events)]), \
            array_fill('bench'::text, ARRAY[\(events)]));

            """
    }

    static func rawInsert(client: PostgresClient, stream: String, iteration: Int, batch: Int, payload: String) async throws {
        if batch == 1 {
            try await client.query(
                """
                INSERT INTO raw_events (global_position, stream_name, stream_category, stream_version, event_id, event_type,
                                        schema_version, data, metadata, correlation_id, actor, recorded_at, hash)
                VALUES (nextval('raw_position_seq'), \(stream), 'raw', \(Int64(iteration + 1)), \(RandomIdentifier.uuid()), 'BenchmarkEvent',
                        1, \(payload)::jsonb, '{}', \(RandomIdentifier.uuid()), 'bench', now(), '\\x00')
                """
            )
        } else {
            let first = Int64(iteration * batch + 1)
            let ids = (0..<batch).map { _ in RandomIdentifier.uuid() }
            try await client.query(
                """
                INSERT INTO raw_events (global_position, stream_name, stream_category, stream_version, event_id, event_type,
                                        schema_version, data, metadata, correlation_id, actor, recorded_at, hash)
                SELECT nextval('raw_position_seq'), \(stream), 'raw', \(first) + i - 1, id, 'BenchmarkEvent',
                       1, \(payload)::jsonb, '{}', \(RandomIdentifier.uuid()), 'bench', now(), '\\x00'
                FROM unnest(\(ids)::uuid[]) WITH ORDINALITY AS t(id, i)
                """
            )
        }
    }

    static func rawReadPage(client: PostgresClient, after: Int64) async throws -> (Int, Int64) {
        let rows = try await client.query(
            """
            SELECT global_position, stream_name, stream_version, event_id, event_type, schema_version,
                   data, metadata, correlation_id, causation_id, actor, recorded_at
            FROM events WHERE global_position > \(after) ORDER BY global_position LIMIT 1000
            """
        )
        var count = 0
        var last = after
        for try await row in rows.decode((Int64, String, Int64, UUID, String, Int32, String, String, UUID?, UUID?, String?, Date).self) {
            count += 1
            last = row.0
        }
        return (count, last)
    }
}

/// Runs `work` in `writers` concurrent loops for `duration`; returns events per second.
func measure(writers: Int, duration: Duration, work: @escaping @Sendable (_ writer: Int, _ iteration: Int) async throws -> Int) async throws -> Double {
    try await measureWithCPU(writers: writers, duration: duration, work: work).rate
}

/// ``measure(writers:duration:work:)``, and this process's CPU time per event meanwhile, in µs.
func measureWithCPU(
    writers: Int, duration: Duration, work: @escaping @Sendable (_ writer: Int, _ iteration: Int) async throws -> Int
) async throws -> (rate: Double, cpuMicroseconds: Double) {
    let clock = ContinuousClock()
    let (start, cpuAtStart) = (clock.now, CPUTime.ofThisProcess())
    let deadline = start + duration
    let total = try await withThrowingTaskGroup(of: Int.self) { group in
        for writer in 0..<writers {
            group.addTask {
                var events = 0
                var iteration = 0
                while clock.now < deadline {
                    events += try await work(writer, iteration)
                    iteration += 1
                }
                return events
            }
        }
        return try await group.reduce(0, +)
    }
    let elapsed = clock.now - start
    let cpu = CPUTime.ofThisProcess().seconds - cpuAtStart.seconds
    return (Double(total) / elapsed.inSeconds, total > 0 ? cpu * 1_000_000 / Double(total) : 0)
}

/// Pages through `total` events with `readPage(after)`; returns events per second (best of three passes).
func measureRead(total: Int64, readPage: (Int64) async throws -> (count: Int, next: Int64)) async throws -> Double {
    var best = 0.0
    for _ in 0..<3 {
        let clock = ContinuousClock()
        let start = clock.now
        var position: Int64 = 0
        var read = 0
        while read < total {
            let (count, next) = try await readPage(position)
            if count == 0 && next == position { break }
            read += count
            position = next
        }
        let elapsed = clock.now - start
        best = max(best, Double(read) / elapsed.inSeconds)
    }
    return best
}

/// Creates a database of its own for a benchmark on the configured server, migrated, and drops it afterwards.
func withBenchDatabase(settings: Settings, logger: Logger, _ body: (DatabaseURL) async throws -> Void) async throws {
    let name = "commerce_bench_\(UUID().uuidString.prefix(8).lowercased())"
    try await PostgresClient.withClient(settings.databaseURL, maximumConnections: 1, logger: logger) { client in
        try await StartupChecks.connectOrFail(client, settings: settings)
        try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
    }
    let url = settings.databaseURL.with(database: name)
    do {
        try await PostgresClient.withClient(url, maximumConnections: 1, logger: logger) { client in
            _ = try await Migrator(client: client, logger: logger).migrate(try Migration.load(from: settings.migrationsDirectory))
        }
        try await body(url)
    } catch {
        try? await dropBenchDatabase(name, settings: settings, logger: logger)
        throw error
    }
    try await dropBenchDatabase(name, settings: settings, logger: logger)
}

/// A bench database that outlives the run, created and migrated on first use, so a history that
/// takes minutes to load is loaded once while one part is measured again and again.
func withKeptBenchDatabase(_ name: String, settings: Settings, logger: Logger, _ body: (DatabaseURL) async throws -> Void) async throws {
    guard name.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") }), name.first?.isLetter == true else {
        throw ValidationError("--database must be a lower-case identifier")
    }
    try await PostgresClient.withClient(settings.databaseURL, maximumConnections: 1, logger: logger) { client in
        try await StartupChecks.connectOrFail(client, settings: settings)
        let existing = try await client.query("SELECT 1 FROM pg_database WHERE datname = \(name)").decode(Int32.self).collectAll()
        if existing.isEmpty { try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)")) }
    }
    let url = settings.databaseURL.with(database: name)
    try await PostgresClient.withClient(url, maximumConnections: 1, logger: logger) { client in
        _ = try await Migrator(client: client, logger: logger).migrate(try Migration.load(from: settings.migrationsDirectory))
    }
    try await body(url)
}

private func dropBenchDatabase(_ name: String, settings: Settings, logger: Logger) async throws {
    try await PostgresClient.withClient(settings.databaseURL, maximumConnections: 1, logger: logger) { client in
        try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
    }
}

func format(_ rate: Double) -> String {
    rate >= 100 ? String(format: "%.0f", rate) : String(format: "%.1f", rate)
}
