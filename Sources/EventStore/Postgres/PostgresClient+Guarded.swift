import Logging
import PostgresNIO

/// Statements through the pool, each watched by ``ClosedConnectionWatch``: none waits for ever on
/// a connection that closed under it.
extension PostgresClient {
    /// Runs `query` on a pooled connection and reads all its rows. Preferred by the compiler over
    /// postgres-nio's own `query` (whose logger is optional) wherever a logger is passed, so every
    /// such statement of this code is watched.
    @discardableResult
    public func query(_ query: PostgresQuery, logger: Logger, file: String = #fileID, line: Int = #line) async throws -> FetchedRows {
        try await withConnection { connection in
            try await ClosedConnectionWatch.shared.run(on: connection) {
                FetchedRows(try await connection.query(query, logger: logger, file: file, line: line).collect())
            }
        }
    }

    /// Leases a connection for `work`, which runs watched: it ends with ``ConnectionClosedError``
    /// when the connection closes under it and one of its statements is left without an answer.
    /// - Parameter onConnectionsLoop: `work` runs on the connection's event loop (short work only:
    ///   see ``EventLoopTaskExecutor``).
    public func withWatchedConnection<T: Sendable>(
        onConnectionsLoop: Bool = false, _ work: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withConnection { connection in
            try await ClosedConnectionWatch.shared.run(on: connection, onConnectionsLoop: onConnectionsLoop) { try await work(connection) }
        }
    }

    /// `work` in a transaction on a leased connection, watched as in ``withWatchedConnection(_:)``
    /// (a rollback written to a connection the server closed would otherwise wait for ever).
    public func withWatchedTransaction<T: Sendable>(
        logger: Logger, file: String = #file, line: Int = #line, _ work: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await withWatchedConnection { connection in
            try await connection.withTransaction(logger: logger, file: file, line: line) { try await work($0) }
        }
    }
}
