import EventStore
import PostgresNIO

/// One dependency that `/health/ready` asks about. `probe` throws when the dependency is down;
/// the error's description is reported.
public struct ReadinessCheck: Sendable {
    public let name: String
    public let probe: @Sendable () async throws -> Void

    public init(name: String, probe: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.probe = probe
    }

    /// PostgreSQL answers `SELECT 1`.
    public static func postgres(_ client: PostgresClient, timeout: Duration = .seconds(2)) -> ReadinessCheck {
        ReadinessCheck(name: "postgres") { try await client.ping(timeout: timeout) }
    }
}
