import Application
import ArgumentParser
import Foundation
import PostgresNIO
import Runtime

struct ProcessesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "processes",
        abstract: "Process managers: the commands they gave that were refused.",
        subcommands: [Failures.self]
    )

    struct Failures: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Refusals the process managers recorded and moved past, newest first.")

        @Option(help: "Only this process manager's (e.g. order-cancellation, payment-operations, order-expiry).")
        var process: String?

        @Option(help: "At most this many.")
        var limit = 50

        func run() async throws {
            let settings = try Settings()
            let logger = settings.makeLogger()
            let failures = try await PostgresClient.withClient(settings.databaseURL, maximumConnections: 1, logger: logger) { client in
                try await StartupChecks.connectOrFail(client, settings: settings)
                return try await ProcessFailures(client: client, logger: logger).list(process: process, limit: limit)
            }
            guard !failures.isEmpty else {
                print("no refusals recorded\(process.map { " for \($0)" } ?? "")")
                return
            }
            let time = ISO8601DateFormatter()
            for failure in failures {
                let cause = failure.position.map { "\(failure.eventType ?? "event") at position \($0)" } ?? "timer"
                print("#\(failure.failureId) \(time.string(from: failure.failedAt)) \(failure.process) on \(failure.stream) (\(cause))")
                print("    \(failure.command): \(failure.code) — \(failure.message)")
            }
        }
    }
}
