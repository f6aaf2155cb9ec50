import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `SELECT 1`, failing when the server does not answer within `timeout`.
    ///
    /// The client's pool keeps retrying a refused connection until the caller gives up, so a
    /// bounded wait is the only way to tell "down" from "slow".
    public func ping(timeout: Duration) async throws {
        // Watched (a logger passed): `withTimeout` waits for its operation, and a ping lost with
        // its connection would otherwise never end.
        try await withTimeout(timeout) {
            try await self.query("SELECT 1", logger: Self.silent)
        }
    }

    /// Pings log nothing: they run every few seconds.
    private static let silent = Logger(label: "ping", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Creates a client for `url`, runs it for the duration of `body`, then shuts it down.
    /// For one-shot commands and tests; long-running processes add the client to their `ServiceGroup`.
    /// `keepingAllOpen`: as a long-running process's pool (see ``DatabaseURL/clientConfiguration(maximumConnections:keepingAllOpen:)``).
    @discardableResult
    public static func withClient<T: Sendable>(
        _ url: DatabaseURL,
        maximumConnections: Int = 20,
        keepingAllOpen: Bool = false,
        logger: Logger,
        _ body: (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: url.clientConfiguration(maximumConnections: maximumConnections, keepingAllOpen: keepingAllOpen), backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            // Let run() start first, so the first lease does not log that it has not been called.
            for _ in 0..<8 { await Task.yield() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}
