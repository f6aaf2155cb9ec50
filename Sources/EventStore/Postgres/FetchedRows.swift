import PostgresNIO

/// The rows a statement through the pool returned, all read before its connection went back to
/// the pool (see ``PostgresClient/query(_:logger:file:line:)``). Read as the rows of
/// `PostgresRowSequence` are: iterated, `decode`d or `collect`ed.
public struct FetchedRows: AsyncSequence, Sendable {
    public typealias Element = PostgresRow

    public let rows: [PostgresRow]

    public init(_ rows: [PostgresRow]) {
        self.rows = rows
    }

    public func collect() -> [PostgresRow] { rows }

    public func makeAsyncIterator() -> Iterator { Iterator(rows: rows.makeIterator()) }

    public struct Iterator: AsyncIteratorProtocol {
        var rows: IndexingIterator<[PostgresRow]>

        public mutating func next() async throws -> PostgresRow? { rows.next() }
    }
}
