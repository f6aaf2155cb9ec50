import Logging
import PostgresNIO

extension PostgresConnection {
    /// Runs a statement whose rows are not wanted, and reads them to the end.
    ///
    /// postgres-nio hands back a statement's rows once their description arrives, and an error
    /// the server raises after that (while the rows stream, or, for data-modifying `WITH`
    /// queries, once the rows are sent) reaches only whoever reads them. Discarded unread, it
    /// was lost: the transaction was aborted, and its `COMMIT` quietly rolled everything back.
    public func run(_ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line) async throws {
        for try await _ in try await self.query(query, logger: logger, file: file, line: line) {}
    }
}
