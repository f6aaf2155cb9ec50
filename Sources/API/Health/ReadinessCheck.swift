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

    /// PostgreSQL answers `SELECT 1` — at once down while `availability` has found it so.
    public static func postgres(_ client: PostgresClient, availability: DatabaseAvailability? = nil, timeout: Duration = .seconds(2)) -> ReadinessCheck {
        ReadinessCheck(name: "postgres") {
            if availability?.isDown == true { throw DatabaseDown() }
            try await client.ping(timeout: timeout)
        }
    }

    struct DatabaseDown: Error, CustomStringConvertible {
        var description: String { "PostgreSQL does not answer" }
    }
}
