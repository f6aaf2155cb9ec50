import PostgresNIO

/// What a read of `$all` needs before its rows (see ``SafeFrontier``): the sequence's head, then
/// the appending transactions running after it was read, in one call of `events_frontier_probe`
/// (`schemas/sql/0038_frontier_probe.sql`) as a prepared statement — one round trip instead of
/// two, parsed and planned once per connection.
struct FrontierProbeStatement: PostgresPreparedStatement {
    typealias Row = (Int64, [String])

    static let name = "commerce.events_frontier_probe"
    static let sql = "SELECT head, appenders FROM events_frontier_probe()"

    func makeBindings() throws -> PostgresBindings { PostgresBindings() }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        try row.decode(Row.self)
    }

    /// The head and the virtual transaction ids of the appenders running after it was read.
    static func probe(_ connection: PostgresConnection, logger: Logger) async throws -> (head: Int64, appenders: Set<String>) {
        for try await (head, appenders) in try await connection.execute(FrontierProbeStatement(), logger: logger) {
            return (head, Set(appenders))
        }
        return (0, [])
    }
}
