import ArgumentParser
import Runtime
import EventStore
import Foundation
import Kafka
import Logging
import PostgresNIO
import Projections
import Workers

struct ProjectionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "projections",
        abstract: "Read models: where they stand, rebuilding one from the event store, and retrying the events they parked.",
        subcommands: [Status.self, Rebuild.self, RetryParked.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The relay's position and lag, and each read model's Kafka offsets and lag.")

        func run() async throws {
            let settings = try Settings()
            let logger = settings.makeLogger()
            let kafka = try KafkaProducer(configuration: settings.kafkaConfiguration, logger: logger)
            try await PostgresClient.withClient(settings.databaseURL, maximumConnections: 2, logger: logger) { client in
                try await StartupChecks.connectOrFail(client, settings: settings)
                let store = PostgresEventStore(client: client, logger: logger)
                let frontier = try await store.frontierStatus()
                let relay = try await store.checkpoint(of: EventRelay.Configuration().checkpointName)
                print("event store: head \(frontier.headPosition), safe \(frontier.safePosition)\(frontier.blockedSince == nil ? "" : ", held back by \(frontier.blockingTransactions.count) open append(s)")")
                print("relay:       position \(relay), \(max(0, frontier.safePosition - relay)) events behind")
                let losses = try await RelayTopicLosses.all(client: client, logger: logger)
                if let last = losses.first {
                    let state = last.completedAt == nil ? "republishing, \(last.republished) sent so far" : "\(last.republished) events republished"
                    print("\(pad("", 13))\(losses.count) topic loss(es) healed by republishing; last: \(last.topic) at \(RFC3339Time.format(last.detectedAt)) (\(state))")
                }
                let group = Projector.Configuration().groupID
                let applied = try await ProjectionOffsets.appliedPerTopic(group: group, client: client, logger: logger)
                let parked = try await ParkedEvents.counts(client: client, logger: logger)
                for projection in WorkerSet.projections {
                    let behind = try await ProjectionStatus.eventsBehind(projection, client: client, logger: logger)
                    var parts: [String] = []
                    for category in projection.categories.sorted() {
                        let topic = CloudEventMessage.topic(forCategory: category, prefix: settings.kafkaTopicPrefix)
                        let watermark = (try? await kafka.highWatermarks(topic: topic).values.reduce(0, +)).map(String.init) ?? "?"
                        parts.append("\(topic) offsets \(applied[topic] ?? 0) (broker high watermark \(watermark))")
                    }
                    let rows = try await ProjectionStatus.rowCounts(projection, client: client, logger: logger).map { "\($0.table) \($0.rows)" }
                    let parkedHere = parked[projection.name] ?? 0
                    let parkedNote = parkedHere == 0 ? "" : "; \(parkedHere) PARKED (see the log; after a fix: commerce projections retry-parked \(projection.name))"
                    print("\(pad(projection.name, 14))\(behind) events behind the store\(parkedNote); rows: \(rows.joined(separator: ", "))")
                    let health = try await ProjectionHealth.standing(projection, client: client, logger: logger)
                    if health.heals > 0 {
                        let when = health.lastHealAt.map { " (last at \(RFC3339Time.format($0)))" } ?? ""
                        print("\(pad("", 14))SELF-HEALED \(health.heals) time(s) from the store, \(health.eventsHealed) events\(when): its consumer had stopped receiving them")
                    }
                    print("\(pad("", 14))\(parts.joined(separator: "; "))")
                }
            }
            await kafka.close()
        }
    }

    struct RetryParked: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retry-parked",
            abstract: "Apply a read model's parked events again, in order (after the code learned to read them); those that still fail stay parked."
        )

        @Argument(help: "The read model: \(WorkerSet.projections.map(\.name).joined(separator: ", ")).")
        var name: String

        func run() async throws {
            let report = try await withProjection(named: name, connections: 2) { projection, store, logger in
                try await ParkedEvents.retry(projection, store: store, logger: logger)
            }
            print("\(name): \(report.applied) parked events applied, \(report.stillParked) still parked")
        }
    }

    struct Rebuild: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild a read model from the event store into fresh tables and swap them in atomically (the old copy serves meanwhile)."
        )

        @Argument(help: "The read model: \(WorkerSet.projections.map(\.name).joined(separator: ", ")).")
        var name: String

        func run() async throws {
            let report = try await withProjection(named: name, connections: 4) { projection, store, logger in
                try await ProjectionRebuilder(store: store, logger: logger).rebuild(projection)
            }
            print("rebuilt \(name) from \(report.events) events up to position \(report.position) in \(String(format: "%.2f", report.seconds)) s (\(Int(report.eventsPerSecond)) events/s)")
        }
    }
}

/// Runs `body` on the read model named `name` (a usage error naming the others when there is
/// none), with a store over the configured database.
func withProjection<T: Sendable>(
    named name: String, connections: Int, _ body: (any Projection, PostgresEventStore, Logger) async throws -> T
) async throws -> T {
    guard let projection = WorkerSet.projections.first(where: { $0.name == name }) else {
        throw ValidationError("no read model named \(name); there are \(WorkerSet.projections.map(\.name).joined(separator: ", "))")
    }
    return try await withConfiguredStore(connections: connections) { store, _, logger in
        try await body(projection, store, logger)
    }
}
