import Foundation
import Testing
import TestSupport

/// The built `commerce` executable, run to its end.
enum CommerceProcess {
    struct Outcome {
        let status: Int32
        let stderr: String
        let stdout: String
    }

    /// Runs `commerce arguments…`; a process still running after `limit` is killed and reported as a hang.
    static func run(_ arguments: [String], environment: [String: String], limit: Duration = .seconds(60)) async throws -> Outcome {
        let process = Process()
        process.executableURL = try #require(TestEnvironment.commerceExecutable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        process.environment = env
        let stderr = Pipe()
        let stdout = Pipe()
        process.standardError = stderr
        process.standardOutput = stdout
        try process.run()
        let deadline = ContinuousClock.now + limit
        while process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            process.terminate()
            Issue.record("commerce \(arguments.joined(separator: " ")) still running after \(limit)")
        }
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus,
            stderr: String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
            stdout: String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        )
    }
}
