import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// Folds events into a read model's rows in memory and writes them set-based.
///
/// The projector makes one per Kafka batch: it reads the rows the batch touches, folds the
/// events onto them and writes back what changed — a handful of statements per batch rather
/// than a few per event. A rebuild keeps one for the whole history, starting from empty tables.
public protocol ReadModelBuilder: AnyObject {
    /// Folds events in (in global order, each once). With a connection, the rows the events
    /// touch and that are not in memory yet are read from it first.
    /// - Returns: the events it did not apply — those it cannot read, and later events of their
    ///   streams, held behind them to keep each stream's order — for the caller to park.
    @discardableResult
    func add(_ events: [RecordedEvent], loadingFrom connection: PostgresConnection?, logger: Logger) async throws -> [ParkedEvent]
    /// Writes the rows changed since the last flush into the tables the connection's
    /// `search_path` finds first.
    func flush(on connection: PostgresConnection, logger: Logger) async throws
    /// Whether flushes record each stream's last version for deduplication (true by default).
    /// A rebuild's bulk turns it off: a watermark position covers everything it folded.
    var recordsStreamVersions: Bool { get set }
    /// The next flush writes into empty tables, each row's key once: rows may be copied in
    /// rather than merged. A rebuild sets it for its first flush; a builder may ignore it.
    var writesIntoEmptyTables: Bool { get set }
    /// A rebuild's only flush, into the empty tables of `schema`, which have no indexes yet:
    /// writes them side by side on pooled connections, each in a transaction of its own that
    /// then creates the table's `indexes`, if the builder can. Returns whether it did; if not,
    /// the caller creates the indexes and flushes on its own connection. Nothing follows this
    /// flush: a builder that did it holds no rows afterwards.
    func flushSideBySide(client: PostgresClient, schema: String, indexes: [String: [String]], width: Int, logger: Logger) async throws -> Bool
    /// Whether each of its flush's writes is a ``BulkInsert`` into tables that no other of them
    /// writes or reads (its own functions included): then a live batch sends them, with other
    /// read models' such writes, as one statement (``StatementBatch``). Asked before each flush,
    /// after the events are added: a builder may answer by what the flush holds. False by default.
    var writesIndependentTables: Bool { get }
}

extension ReadModelBuilder {
    public var writesIndependentTables: Bool { false }

    public func flushSideBySide(client: PostgresClient, schema: String, indexes: [String: [String]], width: Int, logger: Logger) async throws -> Bool {
        false
    }
}

/// A builder whose flush splits into independent table writes, which a rebuild's bulk runs side
/// by side (``TableWrites/runSideBySide(client:schema:indexes:width:logger:)``).
protocol TableWritingBuilder: ReadModelBuilder {
    /// The writes of the rows changed since the last flush, the stream versions' included; the
    /// builder forgets those rows.
    func takeWrites(logger: Logger) -> TableWrites
    /// Hands over every row folded so far, forgetting them. A rebuild's side-by-side flush is
    /// its last: its writes keep the rows to the end and free them beside the last vacuum,
    /// rather than all at once, on one core, when the builder goes
    /// (``TableWrites/runSideBySide(client:schema:indexes:width:logger:)``).
    func takeFoldedRows() -> any Sendable
}

extension TableWritingBuilder {
    /// Table jobs are independent by definition (a rebuild runs them side by side); each
    /// builder's writes only with ``BulkInsert``.
    var writesIndependentTables: Bool { true }

    func flush(on connection: PostgresConnection, logger: Logger) async throws {
        try await takeWrites(logger: logger).run(on: connection)
    }

    func flushSideBySide(client: PostgresClient, schema: String, indexes: [String: [String]], width: Int, logger: Logger) async throws -> Bool {
        var writes = takeWrites(logger: logger)
        writes.keep(takeFoldedRows())
        try await writes.runSideBySide(client: client, schema: schema, indexes: indexes, width: width, logger: logger)
        return true
    }
}

/// Decodes events on every core, keeping their order. Decoding JSON is most of a rebuild's
/// work, and each event decodes on its own; folding the results stays sequential.
func decodeConcurrently<Decoded: Sendable>(
    _ events: [RecordedEvent], _ decode: @escaping @Sendable (RecordedEvent) -> Decoded?
) async -> [Decoded?] {
    let chunks = events.count / 500
    // A live batch is too small to share out: it does not ask for the core count, which reads
    // the cgroup's files each time.
    guard chunks > 1 else { return events.map(decode) }
    let workers = min(ProcessInfo.processInfo.activeProcessorCount, chunks)
    guard workers > 1 else { return events.map(decode) }
    let chunk = (events.count + workers - 1) / workers
    return await withTaskGroup(of: (Int, [Decoded?]).self) { group in
        for start in stride(from: 0, to: events.count, by: chunk) {
            let slice = events[start..<min(events.count, start + chunk)]
            group.addTask { (start, slice.map(decode)) }
        }
        var decoded = [Decoded?](repeating: nil, count: events.count)
        for await (start, values) in group {
            decoded.replaceSubrange(start..<(start + values.count), with: values)
        }
        return decoded
    }
}

/// Folds a batch of `events` in order. A live batch (`connection` given) folds onto rows read
/// first: it is decoded whole on every core (``decodeConcurrently(_:_:)``), the rows its events
/// name and memory lacks are read (`load`), then it folds. A rebuild's page needs no rows read,
/// so it folds while its next parts decode (``foldDecodingAhead(_:part:decode:fold:)``).
func decodeAndFold<Decoded: Sendable>(
    _ events: [RecordedEvent], loadingFrom connection: PostgresConnection?, decode: @escaping @Sendable (RecordedEvent) -> Decoded?,
    load: ([Decoded?], PostgresConnection) async throws -> Void, fold: (RecordedEvent, Decoded?) -> Void
) async throws {
    guard let connection else { return await foldDecodingAhead(events, decode: decode, fold: fold) }
    let decoded = await decodeConcurrently(events, decode)
    try await load(decoded, connection)
    for (event, value) in zip(events, decoded) { fold(event, value) }
}

/// Folds `events` in order here while the parts after them decode on the other cores: the
/// fold of one part overlaps the decoding of the next ones, where ``decodeConcurrently(_:_:)``
/// keeps every core but one idle while the whole page folds. For a rebuild's pages, whose
/// events need no rows read before they fold; a page of a few parts is decoded and folded here.
func foldDecodingAhead<Decoded: Sendable>(
    _ events: [RecordedEvent], part: Int = 500, decode: @escaping @Sendable (RecordedEvent) -> Decoded?,
    fold: (RecordedEvent, Decoded?) throws -> Void
) async rethrows {
    guard events.count >= 4 * part, DecodingAhead.depth > 0 else {
        for event in events { try fold(event, decode(event)) }
        return
    }
    // Unstructured tasks, each awaited in turn: the fold takes the parts in order, which a task
    // group hands back as they finish.
    func decoding(from start: Int) -> Task<[Decoded?], Never> {
        let slice = events[start..<min(events.count, start + part)]
        return Task { slice.map(decode) }
    }
    var ahead: [Task<[Decoded?], Never>] = []
    var next = 0
    while next < events.count, ahead.count < DecodingAhead.depth {
        ahead.append(decoding(from: next))
        next += part
    }
    var start = 0
    while !ahead.isEmpty {
        let decoded = await ahead.removeFirst().value
        if next < events.count {
            ahead.append(decoding(from: next))
            next += part
        }
        for (offset, value) in decoded.enumerated() { try fold(events[start + offset], value) }
        start += decoded.count
    }
}

/// How many parts ``foldDecodingAhead(_:part:decode:fold:)`` keeps decoding: one per core.
private enum DecodingAhead {
    static let depth = ProcessInfo.processInfo.activeProcessorCount
}

/// Rows for one table, gathered column by column and written with one
/// `INSERT … SELECT * FROM unnest(…)` per chunk: one round trip for thousands of rows.
struct BulkInsert {
    enum Column {
        case text([String])
        case bigint([Int64])
        case integer([Int32])
        case timestamptz([Date])
        case boolean([Bool])
    }

    let table: String
    /// Column names with their SQL cast from the unnest column (`$n`), e.g. `("lines", "$n::jsonb")`.
    let columns: [(name: String, expression: String)]
    let conflict: String

    static let chunkSize = 5000

    /// - Parameter copyingIntoEmptyTable: the table is empty and the rows' keys are distinct (a
    ///   rebuild's only flush): the rows are streamed in with `COPY`, which costs PostgreSQL a
    ///   fraction of an `INSERT … ON CONFLICT`.
    /// Inside a ``StatementBatch`` (``StatementBatch/current``) the statements are added to it
    /// rather than run.
    func write(_ values: [Column], rowCount: Int, on connection: PostgresConnection, logger: Logger, copyingIntoEmptyTable: Bool = false) async throws {
        if copyingIntoEmptyTable, let nullWhen = copyNulls {
            return try await copy(values, rowCount: rowCount, nullWhen: nullWhen, on: connection, logger: logger)
        }
        var start = 0
        while start < rowCount {
            let end = min(rowCount, start + Self.chunkSize)
            let range = start..<end
            if let batch = StatementBatch.current {
                try await batch.add(parameters: values.count, on: connection, logger: logger) { first, binds in
                    Self.bind(values, range, to: &binds)
                    return statement(values, firstParameter: first)
                }
            } else {
                var binds = PostgresBindings(capacity: values.count)
                Self.bind(values, range, to: &binds)
                try await connection.query(PostgresQuery(unsafeSQL: statement(values, firstParameter: 1), binds: binds), logger: logger)
            }
            start = end
        }
    }

    /// Appends the rows `range` of each column, as one array parameter per column.
    private static func bind(_ values: [Column], _ range: Range<Int>, to binds: inout PostgresBindings) {
        for column in values {
            switch column {
            case .text(let all): binds.append(Array(all[range]))
            case .bigint(let all): binds.append(Array(all[range]))
            case .integer(let all): binds.append(Array(all[range]))
            case .timestamptz(let all): binds.append(Array(all[range]))
            case .boolean(let all): binds.append(Array(all[range]))
            }
        }
    }

    /// The `INSERT … SELECT … FROM unnest(…)` of the columns, their arrays the parameters from
    /// `firstParameter` on.
    private func statement(_ values: [Column], firstParameter: Int) -> String {
        let unnestArguments = values.indices.map { index -> String in
            let type = switch values[index] {
            case .text: "text[]"
            case .bigint: "bigint[]"
            case .integer: "integer[]"
            case .timestamptz: "timestamptz[]"
            case .boolean: "boolean[]"
            }
            return "$\(firstParameter + index)::\(type)"
        }
        let names = columns.map(\.name).joined(separator: ", ")
        // `u.cN` names the N-th unnest column; expressions refer to them as `$N` in the spec.
        let selected = columns.map { Self.renumbering($0.expression) { "u.c\($0)" } }.joined(separator: ", ")
        let aliases = values.indices.map { "c\($0 + 1)" }.joined(separator: ", ")
        return "INSERT INTO \(table) (\(names)) SELECT \(selected) FROM unnest(\(unnestArguments.joined(separator: ", "))) AS u(\(aliases)) \(conflict)"
    }
}

extension BulkInsert {
    /// For each column, the value its expression turns into NULL, if any — when every
    /// expression is one `COPY` can do without: the value as it is, cast to json, jsonb,
    /// integer or a text array (`COPY` parses the column's text input as the cast would), or
    /// `nullif` of the value and the empty sentinel of its type (`''`, `-1`, `'epoch'`), cast
    /// so too. Nil otherwise.
    var copyNulls: [NullWhen?]? {
        var nulls: [NullWhen?] = []
        for (index, column) in columns.enumerated() {
            switch Self.renumbering(column.expression, { $0 == index + 1 ? "$" : "$\($0)" }) {
            case "$", "$::json", "$::jsonb", "$::integer", "$::text[]": nulls.append(nil)
            case "nullif($, '')", "nullif($, '')::json", "nullif($, '')::timestamptz": nulls.append(.emptyText)
            case "nullif($, -1)", "nullif($, -1)::integer": nulls.append(.minusOne)
            case "nullif($, 'epoch'::timestamptz)": nulls.append(.epoch)
            default: return nil
            }
        }
        return nulls
    }

    /// `expression` with each parameter reference `$N` replaced by `replacement(N)`, in one
    /// pass (`$1` is never taken for the start of `$12`). Every flush of every table builds its
    /// statement so: Foundation's `replacingOccurrences`, once per column, was 4.6 % of the lag
    /// benchmark's process samples, all on the projector's path.
    static func renumbering(_ expression: String, _ replacement: (Int) -> String) -> String {
        var result = ""
        result.reserveCapacity(expression.utf8.count + 8)
        var afterDollar = false
        var number: Int?
        func finish() {
            if afterDollar { result += number.map(replacement) ?? "$" }
            afterDollar = false
            number = nil
        }
        for character in expression.unicodeScalars {
            if afterDollar, ("0"..."9").contains(character) {
                number = (number ?? 0) * 10 + Int(character.value - 48)
                continue
            }
            finish()
            if character == "$" {
                afterDollar = true
            } else {
                result.unicodeScalars.append(character)
            }
        }
        finish()
        return result
    }

    enum NullWhen {
        case emptyText, minusOne, epoch
    }

    /// The rows as `COPY … FROM STDIN` text: tab-separated, `\N` for NULL, backslashes, tabs and
    /// line breaks escaped; times in UTC to the microsecond, cut as postgres-nio's binary
    /// encoding cuts them, so copied and inserted rows are equal.
    private func copy(_ values: [Column], rowCount: Int, nullWhen: [NullWhen?], on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.copyFrom(table: table, columns: columns.map(\.name), logger: logger) { writer in
            var text: [UInt8] = []
            text.reserveCapacity(1 << 17)
            for row in 0..<rowCount {
                for (index, column) in values.enumerated() {
                    if index > 0 { text.append(0x09) }
                    if Self.isNull(column, row, nullWhen[index]) {
                        text.append(contentsOf: "\\N".utf8)
                        continue
                    }
                    switch column {
                    case .text(let all): Self.appendCopyText(all[row], to: &text)
                    case .bigint(let all): ASCIIText.appendDigits(all[row], to: &text)
                    case .integer(let all): ASCIIText.appendDigits(Int64(all[row]), to: &text)
                    case .boolean(let all): text.append(all[row] ? UInt8(ascii: "t") : UInt8(ascii: "f"))
                    case .timestamptz(let all): ASCIIText.appendTime(all[row], style: .postgres, to: &text)
                    }
                }
                text.append(0x0A)
                if text.count >= 1 << 17 {
                    try await writer.write(ByteBuffer(bytes: text))
                    text.removeAll(keepingCapacity: true)
                }
            }
            if !text.isEmpty { try await writer.write(ByteBuffer(bytes: text)) }
        }
    }

    private static func isNull(_ column: Column, _ row: Int, _ rule: NullWhen?) -> Bool {
        switch (column, rule) {
        case (.text(let all), .emptyText): all[row].isEmpty
        case (.bigint(let all), .minusOne): all[row] == -1
        case (.integer(let all), .minusOne): all[row] == -1
        case (.timestamptz(let all), .epoch): all[row].timeIntervalSince1970 == 0
        default: false
        }
    }

    private static func appendCopyText(_ value: String, to text: inout [UInt8]) {
        var value = value
        value.withUTF8 { bytes in
            // Most values (ids, codes, names) have nothing to escape: copied whole.
            guard bytes.contains(where: { $0 == UInt8(ascii: "\\") || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) else {
                text.append(contentsOf: bytes)
                return
            }
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\\"): text.append(contentsOf: "\\\\".utf8)
                case 0x09: text.append(contentsOf: "\\t".utf8)
                case 0x0A: text.append(contentsOf: "\\n".utf8)
                case 0x0D: text.append(contentsOf: "\\r".utf8)
                default: text.append(byte)
                }
            }
        }
    }
}

/// Which streams a builder holds back: once an event of a stream cannot be applied, the
/// stream's later events wait behind it (parked too) rather than be applied out of order.
final class StreamHold {
    private var held: Set<String> = []
    private var parked: [ParkedEvent] = []

    /// Parks `event` if its stream is held or `outcome` failed; true when it may be applied.
    func admit<Value>(_ event: RecordedEvent, _ outcome: Result<Value, DomainError>) -> Value? {
        if held.contains(event.stream.rawValue) {
            parked.append(.heldBehind(event))
            return nil
        }
        switch outcome {
        case .success(let value):
            return value
        case .failure(let error):
            held.insert(event.stream.rawValue)
            parked.append(ParkedEvent(event, error: error.description))
            return nil
        }
    }

    /// The events parked since the last call.
    func drain() -> [ParkedEvent] {
        defer { parked.removeAll() }
        return parked
    }
}
