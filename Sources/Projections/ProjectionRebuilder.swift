import EventStore
import Logging
import PostgresNIO

/// Rebuilds a projection from the event store (not Kafka) into fresh tables and swaps them in
/// atomically; the old tables keep serving until the swap.
///
/// The fresh tables live in a schema of their own (`rebuild_<name>`) under the same names, and
/// the projection's writers run with that schema first on the `search_path`, so they write
/// there unchanged, with a dedupe table of their own. The bulk is folded in memory by the
/// projection's ``ReadModelBuilder`` and written set-based while the projector goes on; the
/// swap transaction takes ``ProjectionLock`` (no projector batch runs meanwhile), applies what was appended since, then moves the new tables in. Nothing the
/// projector applied can be missing: it applies only events the relay published, which are all
/// at or below the frontier the swap catches up to.
public struct ProjectionRebuilder: Sendable {
    public struct Report: Sendable {
        /// The events read and folded: those of its categories, less the types it ignores.
        public let events: Int
        public let position: Int64
        public let seconds: Double
        /// Of the bulk phase: waiting for pages, folding events in memory, writing rows.
        public let reading: Duration
        public let folding: Duration
        public let writing: Duration
        public var eventsPerSecond: Double { seconds > 0 ? Double(events) / seconds : 0 }
    }

    let store: PostgresEventStore
    let logger: Logger
    /// Events a page reads (by default ``pageSize``).
    let batchSize: Int
    /// 20,000 rather than 5,000: a page costs a frontier probe and a query plan besides its rows,
    /// and the fold waits for the first one and whatever a page takes beyond the one it folds. On
    /// `commerce-bench projection`'s history it took the catalog's rebuild from 177–181k to
    /// 194–201k events/s and the recommendations' wait for pages from 1.6–2.2 to 1.1–1.2 s; a
    /// page of 20,000 events is some 20 MB.
    public static let pageSize = 20_000

    /// How many events the bulk folds in memory before writing what they changed; one flush is
    /// fastest (no row is written twice, rows go out in key order, and indexes are built once,
    /// after the rows), more bound the memory a long history takes. The order history holds the
    /// most per event (about 600 bytes: 790 MB at its peak for 1.26M events), so 5M events stay
    /// within about 3 GB. At 2M, analytics' 2.46M events on `commerce-bench projection` were
    /// written in two flushes, the second merged into indexed tables: 67k events/s, against 123k
    /// in one (834 MB at its peak).
    let flushEvery: Int

    /// How many tables a one-flush bulk writes at once, each on a connection of its own.
    let sideBySideWidth: Int

    public init(store: PostgresEventStore, logger: Logger, batchSize: Int = ProjectionRebuilder.pageSize, flushEvery: Int = 5_000_000, sideBySideWidth: Int = 3) {
        self.store = store
        self.logger = logger
        self.batchSize = batchSize
        self.flushEvery = flushEvery
        self.sideBySideWidth = sideBySideWidth
    }

    public func rebuild(_ projection: any Projection) async throws -> Report {
        let started = ContinuousClock.now
        let schema = "rebuild_" + projection.name.replacingOccurrences(of: "-", with: "_")
        let bulk = try await build(projection, into: schema)
        let final = try await promote(projection, from: schema)
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        logger.info("projection rebuilt", metadata: ["projection": "\(projection.name)", "events": "\(bulk.events + final.events)"])
        return Report(events: bulk.events + final.events, position: final.position, seconds: seconds, reading: bulk.reading, folding: bulk.folding, writing: bulk.writing)
    }

    /// Builds the projection from the event store into `schema` (created afresh, beside the
    /// live tables), up to `position` or the frontier, and leaves it there: for a rebuild to
    /// ``promote(_:from:)``, or for an audit to compare with the live tables
    /// (``ReadModelDiff``). The position reached is kept in the schema's `projection_watermarks`.
    public func build(_ projection: any Projection, into schema: String, upTo limit: Int64? = nil) async throws -> Report {
        let started = ContinuousClock.now
        let client = store.client
        // The read model's tables start without indexes: a bulk written in one flush builds each
        // index once its table is filled, from all its rows at once, which costs PostgreSQL a
        // fraction of maintaining it row by row. Any other write creates them first.
        let indexes: [String: [String]] = try await client.withWatchedTransaction(logger: logger) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(schema) CASCADE"), logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)"), logger: logger)
            for table in projection.tables {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "CREATE TABLE \(schema).\(table) (LIKE public.\(table) INCLUDING ALL EXCLUDING INDEXES)"), logger: logger
                )
            }
            for table in ["projection_stream_versions", "projection_watermarks", "parked_events"] {
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE TABLE \(schema).\(table) (LIKE public.\(table) INCLUDING ALL)"), logger: logger)
            }
            try await Self.copyStatisticsTargets(of: projection.tables, into: schema, on: connection, logger: logger)
            return try await Self.indexDefinitions(of: projection.tables, in: schema, on: connection, logger: logger)
        }

        let filter = EventFilter(categories: projection.categories.sorted(), excludedTypes: projection.ignoredEventTypes.sorted())
        let end = limit ?? .max
        // The bulk, beside the running projector, in one transaction on the fresh tables: events
        // folded in memory and written set-based every `flushEvery` events. The next page is
        // read (on another connection) while this one is folded.
        let clock = ContinuousClock()
        let (applied, position, phases, flushes): (Int, Int64, (Duration, Duration, Duration), Int) = try await client.withWatchedTransaction(logger: logger) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path = \(schema), public"), logger: logger)
            let builder = projection.makeBuilder()
            // The watermark written at the end stands for every stream's version.
            builder.recordsStreamVersions = false
            var indexed = false
            func createIndexes() async throws {
                guard !indexed else { return }
                for statement in indexes.values.joined() { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                indexed = true
            }
            var position: Int64 = 0
            var applied = 0
            var sinceFlush = 0
            var flushes = 0
            var (reading, folding, writing) = (Duration.zero, Duration.zero, Duration.zero)
            var mark = clock.now
            var page = try await store.readAll(after: position, limit: batchSize, filter: filter)
            reading += clock.now - mark
            while !(page.events.isEmpty && page.nextPosition == position), position < end {
                // The page as it is (no copy) unless it reaches past the end.
                let events = (page.events.last?.position ?? 0) <= end ? page.events : page.events.filter { $0.position <= end }
                position = min(page.nextPosition, end)
                let from = position
                async let next = store.readAll(after: from, limit: batchSize, filter: filter)
                mark = clock.now
                let parked = try await builder.add(events, loadingFrom: nil, logger: logger)
                try await ParkedEvents.park(parked, projection: projection.name, on: connection, logger: logger)
                folding += clock.now - mark
                applied += events.count
                sinceFlush += events.count
                if sinceFlush >= flushEvery {
                    mark = clock.now
                    try await createIndexes()
                    builder.writesIntoEmptyTables = flushes == 0
                    try await builder.flush(on: connection, logger: logger)
                    writing += clock.now - mark
                    sinceFlush = 0
                    flushes += 1
                }
                mark = clock.now
                page = try await next
                reading += clock.now - mark
            }
            mark = clock.now
            builder.writesIntoEmptyTables = flushes == 0
            // The only flush writes into empty tables no other transaction touches, so a builder
            // may write them side by side, each committed (and vacuumed) on its own; the
            // watermark below, in this transaction, is what says the build is complete.
            let wroteSideBySide = flushes == 0
                ? try await builder.flushSideBySide(client: client, schema: schema, indexes: indexes, width: sideBySideWidth, logger: logger) : false
            if !wroteSideBySide {
                try await createIndexes()
                try await builder.flush(on: connection, logger: logger)
            }
            writing += clock.now - mark
            try await connection.query(
                PostgresQuery(unsafeSQL: "INSERT INTO \(schema).projection_watermarks (projection, position) VALUES ($1, $2)", binds: try Self.binds(projection.name, position)),
                logger: logger
            )
            return (applied, position, (reading, folding, writing), flushes + 1)
        }
        // Written in one flush, the rows went out in key order (see ``Projection/clusteredTables``).
        for table in flushes > 1 ? projection.clusteredTables : [] {
            let index = try await client.query(
                """
                SELECT ic.relname FROM pg_index i
                JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE n.nspname = \(schema) AND t.relname = \(table) AND i.indisprimary
                """,
                logger: logger
            ).decode(String.self).collectAll()
            guard let index = index.first else { continue }
            try await client.query(PostgresQuery(unsafeSQL: "CLUSTER \(schema).\(table) USING \(index)"), logger: logger)
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Report(events: applied, position: position, seconds: seconds, reading: phases.0, folding: phases.1, writing: phases.2)
    }

    /// Catches a side build (``build(_:into:upTo:)``) up with the store and moves its tables in
    /// place of the live ones, atomically; the schema is dropped.
    /// - Returns: the events applied while catching up, and the position reached.
    public func promote(_ projection: any Projection, from schema: String) async throws -> (events: Int, position: Int64) {
        let client = store.client
        let filter = EventFilter(categories: projection.categories.sorted(), excludedTypes: projection.ignoredEventTypes.sorted())
        let vacuumed = Set(
            try await client.query(
                "SELECT relname::text FROM pg_stat_all_tables WHERE schemaname = \(schema) AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL",
                logger: logger
            ).decode(String.self).collectAll()
        )
        let final: (Int, Int64) = try await client.withWatchedTransaction(logger: logger) { connection in
            try await ProjectionLock.acquire(on: connection, logger: logger)
            try await connection.query(PostgresQuery(unsafeSQL: "SET LOCAL search_path = \(schema), public"), logger: logger)
            let built = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT position FROM \(schema).projection_watermarks WHERE projection = $1", binds: try Self.binds(projection.name)),
                logger: logger
            ).decode(Int64.self).collectAll()
            guard let bulkEnd = built.first else {
                throw EventStoreError(.invalidReadRange, "\(schema) holds no build of \(projection.name)")
            }
            var position = bulkEnd
            var applied = 0
            while true {
                let page = try await store.readAll(after: position, limit: batchSize, filter: filter)
                if page.events.isEmpty, page.nextPosition == position { break }
                try await ProjectionApplier.apply(page.events, to: [projection], on: connection, logger: logger)
                applied += page.events.count
                position = page.nextPosition
            }
            for table in projection.tables {
                try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE public.\(table)"), logger: logger)
                try await connection.query(PostgresQuery(unsafeSQL: "ALTER TABLE \(schema).\(table) SET SCHEMA public"), logger: logger)
            }
            // Dedupe from here on: everything up to the bulk's end by the watermark, what the
            // catch-up applied by its streams' versions.
            try await connection.query("DELETE FROM public.projection_stream_versions WHERE projection = \(projection.name)", logger: logger)
            try await connection.query(
                PostgresQuery(unsafeSQL: "INSERT INTO public.projection_stream_versions SELECT * FROM \(schema).projection_stream_versions"),
                logger: logger
            )
            try await connection.query(
                """
                INSERT INTO public.projection_watermarks (projection, position) VALUES (\(projection.name), \(bulkEnd))
                ON CONFLICT (projection) DO UPDATE SET position = excluded.position
                """,
                logger: logger
            )
            try await connection.query("DELETE FROM public.parked_events WHERE projection = \(projection.name)", logger: logger)
            try await connection.query(
                PostgresQuery(unsafeSQL: "INSERT INTO public.parked_events SELECT * FROM \(schema).parked_events"),
                logger: logger
            )
            try await connection.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE"), logger: logger)
            return (applied, position)
        }
        // Fresh tables have no statistics and no visibility map yet: the planner would guess, and
        // index-only scans would visit the heap. Tables the build vacuumed already need only the
        // pages the catch-up changed vacuumed.
        for table in projection.tables {
            let options = vacuumed.contains(table) ? "" : "(ANALYZE) "
            try await client.query(PostgresQuery(unsafeSQL: "VACUUM \(options)\(table)"), logger: logger)
        }
        return final
    }

    /// Gives the columns of `tables` in `schema` the statistics targets their namesakes in
    /// `public` were set to (`LIKE` copies no `SET STATISTICS`): a column left out of the
    /// statistics, such as a review's text, stays out after a rebuild, and ANALYZE does not
    /// spend its time on it.
    private static func copyStatisticsTargets(of tables: [String], into schema: String, on connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            SELECT format('ALTER TABLE %I.%I ALTER COLUMN %I SET STATISTICS %s', \(schema)::text, t.relname, a.attname, a.attstattarget)
            FROM pg_attribute a
            JOIN pg_class t ON t.oid = a.attrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            WHERE n.nspname = 'public' AND t.relname = ANY(\(tables)) AND a.attnum > 0 AND NOT a.attisdropped AND a.attstattarget >= 0
            ORDER BY t.relname, a.attnum
            """,
            logger: logger
        ).decode(String.self).collectAll()
        for statement in rows { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
    }

    /// The statements that give `tables` in `schema` the indexes (and the constraints backed by
    /// them) their namesakes in `public` have, under the same names, by table, in order. Each
    /// index is built by a `CREATE … INDEX` (which ``TableWrites`` may run beside the table's
    /// others: it locks out writes, not other index builds); a primary key or unique constraint
    /// then takes its index over with `ADD CONSTRAINT … USING INDEX`, which builds nothing. An
    /// exclusion or deferrable constraint is added whole, by an `ALTER TABLE` after the builds.
    private static func indexDefinitions(of tables: [String], in schema: String, on connection: PostgresConnection, logger: Logger) async throws -> [String: [String]] {
        let rows = try await connection.query(
            """
            SELECT t.relname::text, s.statement
            FROM pg_index i
            JOIN pg_class t ON t.oid = i.indrelid
            JOIN pg_class ic ON ic.oid = i.indexrelid
            JOIN pg_namespace n ON n.oid = t.relnamespace
            LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')
            CROSS JOIN LATERAL (SELECT regexp_replace(pg_get_indexdef(i.indexrelid), ' ON public\\.', ' ON ' || quote_ident(\(schema)) || '.') AS build,
                                       'ALTER TABLE ' || quote_ident(\(schema)) || '.' || quote_ident(t.relname) || ' ADD CONSTRAINT ' || quote_ident(c.conname) AS adding) d
            CROSS JOIN LATERAL unnest(CASE
                WHEN c.contype IN ('p', 'u') AND NOT c.condeferrable THEN
                    ARRAY[d.build, d.adding || CASE c.contype WHEN 'p' THEN ' PRIMARY KEY' ELSE ' UNIQUE' END || ' USING INDEX ' || quote_ident(ic.relname)]
                WHEN c.oid IS NOT NULL THEN ARRAY[d.adding || ' ' || pg_get_constraintdef(c.oid)]
                ELSE ARRAY[d.build]
            END) WITH ORDINALITY AS s(statement, step)
            WHERE n.nspname = 'public' AND t.relname = ANY(\(tables))
            ORDER BY t.relname, i.indisprimary DESC, i.indexrelid, s.step
            """,
            logger: logger
        )
        var statements: [String: [String]] = [:]
        for try await (table, statement) in rows.decode((String, String).self) { statements[table, default: []].append(statement) }
        return statements
    }

    private static func binds(_ values: any PostgresEncodable & Sendable...) throws -> PostgresBindings {
        var bindings = PostgresBindings()
        for value in values { try bindings.append(value) }
        return bindings
    }
}
