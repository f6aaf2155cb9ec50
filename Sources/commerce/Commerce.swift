import ArgumentParser

@main
struct Commerce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commerce",
        abstract: "Event-sourced commerce backend: HTTP API, event store, Kafka relay and projections.",
        discussion: "Configuration comes from environment variables; see the README.",
        subcommands: [Serve.self, Migrate.self]
    )
}
