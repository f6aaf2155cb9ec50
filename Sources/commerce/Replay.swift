import Application
import ArgumentParser
import EventStore
import Foundation
import Kafka
import Workers

struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replays for audits: an aggregate's state as of any instant, a read model rebuilt side by side, a range of events republished to Kafka.",
        subcommands: [State.self, KafkaRange.self]
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
            _ = try parsedStream()
            _ = try HistoryBound.parse(asOf, option: "--as-of")
        }

        func run() async throws {
            let stream = try parsedStream()
            let point = try HistoryBound.parse(asOf, option: "--as-of")
            let replay = try await withConfiguredStore(connections: 1) { store, _, _ in
                try await StreamHistory(store: store).replay(stream, asOf: point)
            }
            print(String(decoding: replay.json, as: UTF8.self))
        }

        private func parsedStream() throws -> StreamName {
            do { return try StreamName(stream) } catch { throw ValidationError(error.message) }
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
                    let report = try await KafkaReplay(store: store, producer: producer, logger: logger).run(range, progress: progress.report)
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
}
