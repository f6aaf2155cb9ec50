import Foundation
import PostgresNIO

/// The call of `append_events` as a prepared statement: parsed and planned once per connection
/// instead of once per append. On this kind of machine the server's parse and plan are a large
/// part of a short write (pgbench: 9.1k prepared INSERTs/s at 8 clients, 5.2k unprepared).
struct AppendEventsStatement: PostgresPreparedStatement {
    typealias Row = (Int32, String, Int64?, Int64?, Int64?, Int64?, Bool, Int64)

    /// Its name on each connection (the default, made with `String(reflecting:)` at every
    /// execution, cost 1 % of a checkout's CPU).
    static let name = "commerce.append_events"
    static let sql = """
        SELECT request, stream_name, first_version, last_version, first_position, last_position, failed, actual_version
        FROM append_events($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        """

    let requestNumbers: [Int32]
    let streams: [String]
    let expected: [Int64]
    let counts: [Int32]
    let ids: [UUID]
    let types: [String]
    let schemaVersions: [Int32]
    let data: [String]
    let metadata: [String]
    let correlationIDs: [String]
    let causationIDs: [String]
    let actors: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 12)
        bindings.append(requestNumbers)
        bindings.append(streams)
        bindings.append(expected)
        bindings.append(counts)
        bindings.append(ids)
        bindings.append(types)
        bindings.append(schemaVersions)
        bindings.append(data)
        bindings.append(metadata)
        bindings.append(correlationIDs)
        bindings.append(causationIDs)
        bindings.append(actors)
        return bindings
    }

    /// The cells in order from the row's iterator, each decoded as its own type: postgres-nio's
    /// tuple decoding runs unspecialised, 3 % of the client's CPU with 8 writers appending.
    func decodeRow(_ row: PostgresRow) throws -> Row {
        var cells = row.makeIterator()
        func next() -> PostgresCell { cells.next()! }
        // A tuple's elements are evaluated left to right: the columns' order.
        return (
            try next().decode(Int32.self), try next().decode(String.self), try next().decode(Int64?.self), try next().decode(Int64?.self),
            try next().decode(Int64?.self), try next().decode(Int64?.self), try next().decode(Bool.self), try next().decode(Int64.self)
        )
    }
}
