import Foundation
import PostgresNIO
import Testing
import TestSupport

@testable import Projections

/// A rebuild copies rows in as `COPY` text; live batches insert the same rows as binary
/// parameters. Both must store exactly the same values.
@Suite struct BulkInsertTests {
    @Test("rows copied in as text equal the same rows inserted: signs, extremes, escapes, times before 1970 and to the microsecond")
    func copiedRowsEqualInsertedRows() async throws {
        try await withTestDatabase { client, _ in
            let logger = TestEnvironment.logger
            let texts = ["plain", "tab\there", "line\nbreak", "carriage\rreturn", #"back\slash"#, #"\N"#, "Grüße 東😀", "", "trailing\\"]
            let numbers: [Int64] = [0, 1, -1, -42, 9, 10, 99, 100, -1_000_000, Int64.max, Int64.min + 1, 1_234_567_890_123]
            let times = [
                Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -86_400 * 365.25 * 40 + 0.123456),
                Date(timeIntervalSince1970: 946_684_799.999999), Date(timeIntervalSince1970: 946_684_800), Date(timeIntervalSince1970: 1_767_225_599.5),
                Date(timeIntervalSince1970: 4_102_444_800.000001), Date(timeIntervalSince1970: 1_700_000_000.654321),
            ]
            let arrays = ["{}", "{a}", "{prod-1,prod_2,P3}"]
            let count = max(texts.count, numbers.count, times.count)
            let columns: [BulkInsert.Column] = [
                .bigint((0..<count).map(Int64.init)),
                .text((0..<count).map { texts[$0 % texts.count] }),
                .bigint((0..<count).map { numbers[$0 % numbers.count] }),
                .integer((0..<count).map { Int32(truncatingIfNeeded: numbers[$0 % numbers.count]) }),
                .timestamptz((0..<count).map { times[$0 % times.count] }),
                .boolean((0..<count).map { $0 % 3 == 0 }),
                .text((0..<count).map { #"{"k":"\#(texts[$0 % texts.count].replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\t", with: "\\t").replacingOccurrences(of: "\r", with: "\\r"))","n":\#($0)}"# }),
                .text((0..<count).map { arrays[$0 % arrays.count] }),
                // Cast from a wider column, or to NULL from an empty sentinel, as promotions writes them.
                .bigint((0..<count).map { Int64(Int32(truncatingIfNeeded: numbers[$0 % numbers.count])) }),
                .bigint((0..<count).map { $0 % 4 == 0 ? -1 : Int64($0) }),
                .text((0..<count).map { $0 % 3 == 0 ? "" : ISO8601DateFormatter().string(from: times[$0 % times.count]) }),
            ]
            for table in ["inserted", "copied"] {
                try await client.query(PostgresQuery(unsafeSQL: """
                    CREATE TABLE \(table) (id bigint PRIMARY KEY, t text, b bigint, i integer, at timestamptz, flag boolean, doc jsonb, tags text[],
                        narrowed integer, limited integer, valid_from timestamptz)
                    """))
            }
            let spec = [
                ("id", "$1"), ("t", "$2"), ("b", "$3"), ("i", "$4"), ("at", "$5"), ("flag", "$6"), ("doc", "$7::jsonb"), ("tags", "$8::text[]"),
                ("narrowed", "$9::integer"), ("limited", "nullif($10, -1)::integer"), ("valid_from", "nullif($11, '')::timestamptz"),
            ]
            #expect(BulkInsert(table: "copied", columns: spec, conflict: "").copyNulls != nil, "every column of the spec can be copied")
            try await client.withConnection { connection in
                try await BulkInsert(table: "inserted", columns: spec, conflict: "").write(columns, rowCount: count, on: connection, logger: logger)
                try await BulkInsert(table: "copied", columns: spec, conflict: "")
                    .write(columns, rowCount: count, on: connection, logger: logger, copyingIntoEmptyTable: true)
            }
            func rows(_ table: String) async throws -> [String] {
                try await client.query(PostgresQuery(unsafeSQL: "SELECT \(table)::text FROM \(table) ORDER BY id")).decode(String.self).collectAll()
            }
            let inserted = try await rows("inserted")
            #expect(inserted.count == count)
            #expect(try await rows("copied") == inserted)
        }
    }

    @Test("writes gathered in a statement batch wait for its run, then store what each written alone stores, across chunks and the parameter limit")
    func gatheredWrites() async throws {
        try await withTestDatabase { client, _ in
            let logger = TestEnvironment.logger
            for table in ["alone_a", "batched_a", "alone_b", "batched_b"] {
                try await client.query(PostgresQuery(unsafeSQL: "CREATE TABLE \(table) (id bigint PRIMARY KEY, label text, total bigint NOT NULL)"))
            }
            // Three writes per table: more rows than a chunk, then an upsert adding to some of them.
            let first = BulkInsert.chunkSize + 7
            let writes: [(rows: Range<Int>, add: Int64)] = [(0..<first, 1), (first - 3..<first + 2, 10), (5..<9, 100)]
            func write(_ table: String, on connection: PostgresConnection) async throws {
                for (rows, add) in writes {
                    try await BulkInsert(
                        table: table, columns: [("id", "$1"), ("label", "nullif($2, '')"), ("total", "$3")],
                        conflict: "ON CONFLICT (id) DO UPDATE SET total = \(table).total + excluded.total, label = coalesce(excluded.label, \(table).label)"
                    ).write([.bigint(rows.map(Int64.init)), .text(rows.map { $0 % 4 == 0 ? "" : "row \($0)" }), .bigint(rows.map { _ in add })],
                             rowCount: rows.count, on: connection, logger: logger)
                }
            }
            func rows(_ table: String) async throws -> [String] {
                try await client.query(PostgresQuery(unsafeSQL: "SELECT \(table)::text FROM \(table) ORDER BY id")).decode(String.self).collectAll()
            }
            try await client.withConnection { connection in
                try await write("alone_a", on: connection)
                try await write("alone_b", on: connection)
                // Room for two writes' parameters at a time: the batch sends what it holds when a third comes.
                let batch = StatementBatch(parameterLimit: 6)
                try await StatementBatch.$current.withValue(batch) {
                    try await write("batched_a", on: connection)
                }
                // The first write's two chunks went together when the second write came; the
                // second and third wait in the batch.
                #expect(try await rows("batched_a").count == first)
                #expect(try await rows("batched_a") != (try await rows("alone_a")))
                try await StatementBatch.$current.withValue(batch) {
                    try await write("batched_b", on: connection)
                }
                try await batch.run(on: connection, logger: logger)
            }
            #expect(try await rows("alone_a").count == first + 2)
            #expect(try await rows("batched_a") == (try await rows("alone_a")))
            #expect(try await rows("batched_b") == (try await rows("alone_b")))
        }
    }

    @Test("statements combined: one as it is, several as WITH queries, none as nothing")
    func combining() {
        #expect(StatementBatch.combining([]) == nil)
        #expect(StatementBatch.combining(["INSERT INTO a VALUES (1)"]) == "INSERT INTO a VALUES (1)")
        #expect(StatementBatch.combining(["INSERT INTO a VALUES ($1)", "INSERT INTO b VALUES ($2)"])
            == "WITH w1 AS (INSERT INTO a VALUES ($1)), w2 AS (INSERT INTO b VALUES ($2)) SELECT 1")
    }

    @Test("parameter references are renumbered whole: $1 is not the start of $12, a lone $ stays, other text is kept")
    func renumbering() {
        #expect(BulkInsert.renumbering("nullif($12, '') || $1::text", { "u.c\($0)" }) == "nullif(u.c12, '') || u.c1::text")
        #expect(BulkInsert.renumbering("$3::jsonb", { $0 == 3 ? "$" : "?" }) == "$::jsonb")
        #expect(BulkInsert.renumbering("price $ and $x, Grüße $2", { "[\($0)]" }) == "price $ and $x, Grüße [2]")
        #expect(BulkInsert.renumbering("", { "\($0)" }) == "")
        #expect(BulkInsert.renumbering("ends with $", { "\($0)" }) == "ends with $")
    }
}
