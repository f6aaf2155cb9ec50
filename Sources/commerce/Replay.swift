import Application
import ArgumentParser
import EventStore
import Foundation

struct Replay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replays for audits: an aggregate's state as of any instant, a read model rebuilt side by side, a range of events republished to Kafka.",
        subcommands: [State.self]
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
}
