import Application
import ArgumentParser
import EventStore
import Foundation
import Kafka
import Projections
import Workers

struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replays for audits: an aggregate's state as of any instant, a read model rebuilt side by side, a range of events republished to Kafka.",
        subcommands: [State.self, ProjectionSideBySide.self, Diff.self, KafkaRange.self]
    )

    struct State: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an aggregate's state (JSON) as of a global position or a time, with the events that led there."
        )

        @Argument(help: "The stream: order-…, cart-…, payment-…, inventory-<sku>, product-….")
        var stream: String

        @Option(help: "A global position (a number) or an RFC 3339 time; default: now.")
        var asOf: String?

        func validate() throws {
            _ = try ArgumentValues.stream(stream)
            _ = try ArgumentValues.historyPoint(asOf, option: "--as-of")
        }

        func run() async throws {
            let stream = try ArgumentValues.stream(self.stream)
            let point = try ArgumentValues.historyPoint(asOf, option: "--as-of")
            let replay = try await withConfiguredStore(connections: 1) { store, _, _ in
                try await StreamHistory(store: store).replay(stream, asOf: point)
            }
            print(String(decoding: replay.json, as: UTF8.self))
        }
    }

    struct KafkaRange: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "kafka",
            abstract: "Republish a range of events to Kafka (the same CloudEvents, keys and ids) for a consumer that lost data; the live relay is not disturbed."
        )

        @Option(help: "The first global position to republish.")
        var fromPosition: Int64

        @Option(help: "The last global position (default: the newest safe one).")
        var toPosition: Int64?

        @Option(help: "Only events of this stream category.")
        var category: String?

        @Option(help: "Topics are <prefix>.<category> (default: KAFKA_TOPIC_PREFIX, else commerce).")
        var topicPrefix: String?

        func validate() throws {
            if fromPosition < 1 { throw ValidationError("--from-position must be 1 or more") }
            if let toPosition, toPosition < fromPosition { throw ValidationError("--to-position must not be before --from-position") }
        }

        func run() async throws {
            let progress = ProgressReporter("republishing")
            let report = try await withConfiguredStore(connections: 2) { store, settings, logger in
                let producer = try KafkaProducer(configuration: settings.kafkaConfiguration, logger: logger)
                let range = KafkaReplay.Range(
                    fromPosition: fromPosition, toPosition: toPosition, category: category, topicPrefix: topicPrefix ?? settings.kafkaTopicPrefix
                )
                do {
                    let report = try await KafkaReplay(store: store, producer: producer, partitions: settings.kafkaPartitions, logger: logger).run(range, progress: progress.report)
                    await producer.close()
                    return report
                } catch {
                    await producer.close(timeout: .seconds(1))
                    throw error
                }
            }
            progress.finish()
            print("republished \(report.events) events up to position \(report.lastPosition) in \(progress.summary(events: report.events))")
            for (topic, count) in report.topics.sorted(by: { $0.key < $1.key }) { print("  \(topic): \(count)") }
        }
    }

    struct ProjectionSideBySide: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "projection",
            abstract: "Build a read model from the event store into a schema of its own, beside the live one (this code over the full history, or history up to a position).",
            discussion: "Then `commerce replay diff <name> <schema>` lists the rows that differ; --swap (here or there) promotes the side build."
        )

        @Argument(help: "The read model: \(WorkerSet.projections.map(\.name).joined(separator: ", ")).")
        var name: String

        @Option(help: "The schema to build into (created afresh): lower-case letters, digits and _.")
        var into: String

        @Option(help: "Build from history up to this global position only.")
        var toPosition: Int64?

        @Flag(help: "Catch the build up with the store and move it in place of the live tables.")
        var swap = false

        func validate() throws {
            guard ReadModelDiff.isValidSchemaName(into) else { throw ValidationError("--into must be a plain lower-case identifier, not public or a system schema") }
            if swap, toPosition != nil { throw ValidationError("--swap catches up to the present: leave out --to-position") }
        }

        func run() async throws {
            let report = try await withProjection(named: name, connections: 4) { projection, store, logger in
                let rebuilder = ProjectionRebuilder(store: store, logger: logger)
                let report = try await rebuilder.build(projection, into: into, upTo: toPosition)
                if swap { _ = try await rebuilder.promote(projection, from: into) }
                return report
            }
            print("built \(name) into \(into) from \(report.events) events up to position \(report.position) in \(String(format: "%.2f", report.seconds)) s")
            print(swap ? "swapped in: the live tables are the new build" : "compare: commerce replay diff \(name) \(into)")
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the rows in which a side build (commerce replay projection) differs from the live read model; exit status 1 when any does.",
            discussion: "With --swap the side build is then caught up and moved in place of the live tables."
        )

        @Argument(help: "The read model.")
        var name: String

        @Argument(help: "The schema holding the side build.")
        var schema: String

        @Option(help: "How many differing rows of each side to show per table.")
        var samples = 5

        @Flag(help: "Promote the side build after showing the differences.")
        var swap = false

        func validate() throws {
            guard ReadModelDiff.isValidSchemaName(schema) else { throw ValidationError("the schema must be a plain lower-case identifier") }
            guard (0...1000).contains(samples) else { throw ValidationError("--samples must be 0 to 1000") }
        }

        func run() async throws {
            let diff = try await withProjection(named: name, connections: 4) { projection, store, logger in
                let diff = try await ReadModelDiff.compare(projection, schema: schema, samples: samples, client: store.client, logger: logger)
                if swap { _ = try await ProjectionRebuilder(store: store, logger: logger).promote(projection, from: schema) }
                return diff
            }
            for table in diff.tables {
                print("\(table.table): \(table.isEmpty ? "identical" : "\(table.onlyLive) row(s) only live, \(table.onlyReplay) only in \(schema)")")
                for row in table.liveSamples { print("  - live:   \(row)") }
                for row in table.replaySamples { print("  + \(schema): \(row)") }
            }
            if swap { print("swapped in: the live tables are the side build, caught up") }
            if !diff.isEmpty, !swap { throw ExitCode(1) }
        }
    }
}
