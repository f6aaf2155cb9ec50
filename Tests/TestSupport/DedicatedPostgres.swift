import EventStore
import Foundation

/// A PostgreSQL cluster of a test's own, started and stopped by `scripts/services` with a state
/// directory of its own (so the shared test cluster is never touched): a test may stop it
/// under load and start it again (same port, same data).
public final class DedicatedPostgres: Sendable {
    public let stateDirectory: URL

    public init() {
        stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("commerce-pg-\(UUID().uuidString.prefix(8))")
    }

    /// The cluster's `commerce` database (created empty at the first start).
    public var url: DatabaseURL {
        get throws {
            let env = try String(contentsOf: stateDirectory.appendingPathComponent("env"), encoding: .utf8)
            guard let line = env.split(separator: "\n").first(where: { $0.hasPrefix("DATABASE_URL=") }) else { throw ServiceError.noAddress }
            return try DatabaseURL(String(line.dropFirst("DATABASE_URL=".count)))
        }
    }

    public func start() throws { try services("start-postgres") }

    /// A fast shutdown (SIGINT): sessions are cut, the data stays.
    public func stop() throws { try services("stop-postgres") }

    /// Stops the cluster and deletes its data.
    public func remove() {
        try? services("stop")
        try? FileManager.default.removeItem(at: stateDirectory)
    }

    private func services(_ command: String) throws {
        var environment = ProcessInfo.processInfo.environment
        environment["COMMERCE_STATE_DIR"] = stateDirectory.path
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/services").path
        let result = try runExternalProcess("/bin/bash", [script, command], environment: environment)
        guard result.status == 0 else { throw ServiceError.failed(command, result.errors + result.output) }
    }

    enum ServiceError: Error {
        case noAddress
        case failed(String, String)
    }
}
