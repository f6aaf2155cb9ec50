import ArgumentParser
import PostgresNIO

@main
struct Commerce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commerce",
        abstract: "Event-sourced commerce backend: HTTP API, event store, Kafka relay and projections.",
        discussion: "Configuration comes from environment variables; see the README.",
        subcommands: [Serve.self, Worker.self, Migrate.self, Seed.self, Users.self, CatalogCommand.self, ProjectionsCommand.self, Events.self, ProcessesCommand.self, Audit.self, Replay.self, Config.self]
    )

    /// Runs the command; a failure ends the process with one readable line and a non-zero status.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: readable(error))
        }
    }

    /// postgres-nio hides the server's message from `PSQLError`'s description (it may hold data);
    /// an operator at the command line needs it.
    static func readable(_ error: any Error) -> any Error {
        guard let psql = error as? PSQLError else { return error }
        let message = psql.serverInfo?[.message] ?? "\(psql.code)"
        let state = psql.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
        return DatabaseFailure(description: "database: \(message)\(state)")
    }

    struct DatabaseFailure: Error, CustomStringConvertible {
        let description: String
    }
}
