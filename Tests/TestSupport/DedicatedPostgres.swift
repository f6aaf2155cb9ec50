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

    public func start() async throws { try await services("start-postgres") }

    /// A fast shutdown (SIGINT): sessions are cut, the data stays.
    public func stop() async throws { try await services("stop-postgres") }

    /// Stops the cluster and deletes its data.
    public func remove() async {
        try? await services("stop")
        try? FileManager.default.removeItem(at: stateDirectory)
    }

    /// Runs the script and waits for its end without holding a thread (it waits for the
    /// server, which must not hold up the tasks the test is timing).
    private func services(_ command: String) async throws {
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        // Output to a file, not a pipe, which the server started would hold open for ever.
        let log = stateDirectory.appendingPathComponent("services.log")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }
        output.seekToEndOfFile()
        let process = Process()
        // Through Python, which closes every other descriptor in its child: the server the script
        // starts would otherwise inherit the one this process watches for the script's end,
        // and the script would never be seen to end.
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [
            "-c", "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:], close_fds=True).returncode)",
            "/bin/bash", TestEnvironment.repositoryRoot.appendingPathComponent("scripts/services").path, command,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["COMMERCE_STATE_DIR"] = stateDirectory.path
        process.environment = environment
        process.standardOutput = output
        process.standardError = output
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
        guard status == 0 else {
            throw ServiceError.failed(command, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
        }
    }

    enum ServiceError: Error {
        case noAddress
        case failed(String, String)
    }
}
