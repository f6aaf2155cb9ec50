import EventStore
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
        // Images the demo catalog writes go to a directory of the tests', not the repository's.
        env["IMAGE_DIRECTORY"] = env["IMAGE_DIRECTORY"] ?? FileManager.default.temporaryDirectory.appendingPathComponent("commerce-test-images").path
        env.merge(environment) { _, new in new }
        process.environment = env
        let stderr = Pipe()
        let stdout = Pipe()
        process.standardError = stderr
        process.standardOutput = stdout
        try process.run()
        // Both pipes are drained while it runs: a child writing more than a pipe holds would
        // otherwise block for ever on its write.
        let output = Task.detached { String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        let errors = Task.detached { String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
        let deadline = ContinuousClock.now + limit
        while process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            process.terminate()
            Issue.record("commerce \(arguments.joined(separator: " ")) still running after \(limit)")
            // A process that does not stop on SIGTERM either must not hang the whole run.
            let grace = ContinuousClock.now + .seconds(10)
            while process.isRunning && ContinuousClock.now < grace {
                try await Task.sleep(for: .milliseconds(50))
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                Issue.record("commerce \(arguments.joined(separator: " ")) ignored SIGTERM for 10 s: killed")
            }
        }
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, stderr: await errors.value, stdout: await output.value)
    }

    /// `commerce serve --no-workers` on `port` against the database at `url`, with the sandbox
    /// gateway, a test secret, no mailer and `environment` on top; made, not started. Its
    /// output goes nowhere unless the caller sets it.
    static func server(port: Int, database url: DatabaseURL, environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = try #require(TestEnvironment.commerceExecutable)
        process.arguments = ["serve", "--no-workers"]
        process.environment = ProcessInfo.processInfo.environment.merging([
            "DATABASE_URL": url.urlString, "KAFKA_BROKERS": TestEnvironment.kafkaBrokers, "KAFKA_TOPIC_PREFIX": TestEnvironment.uniqueName("serve"),
            "PAYMENT_GATEWAY": "sandbox", "JWT_SECRET": "a-commerce-serve-test-secret-of-32-bytes", "SMTP_URL": "", "PORT": "\(port)",
        ]) { $1 }.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return process
    }
}
