import Foundation
import PostgresNIO

/// A stream read forwards, as a prepared statement: every command loads its aggregates' streams
/// this way (an add to cart reads two), so it is parsed and planned once per connection.
struct ReadStreamStatement: PostgresPreparedStatement {
    typealias Row = RecordedEvent?

    /// Its name on each connection (the default, made with `String(reflecting:)` at every
    /// execution, cost 1 % of a checkout's CPU).
    static let name = "commerce.read_stream"
    static let sql = """
        SELECT \(RecordedEvent.columns) FROM events
        WHERE stream_name = $1 AND stream_version >= $2 AND global_position <= $3 AND recorded_at <= $4
        ORDER BY stream_version LIMIT $5
        """

    let stream: String
    let fromVersion: Int64
    let maxPosition: Int64
    let maxTime: Date
    let limit: Int

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 5)
        bindings.append(stream)
        bindings.append(fromVersion)
        bindings.append(maxPosition)
        bindings.append(maxTime)
        bindings.append(limit)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> RecordedEvent? {
        try RecordedEvent(row: row)
    }
}
