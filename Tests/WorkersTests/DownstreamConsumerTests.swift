import EventStore
import Foundation
import Kafka
import Testing
import TestSupport
import Workers

/// Interoperability: what the relay publishes is read by a consumer in another language.
@Suite(
    "A downstream consumer not written in Swift",
    .enabled(if: DedicatedBroker.binary != nil && ProcessInfo.processInfo.environment["COMMERCE_PYTHON"] != nil)
)
struct DownstreamConsumerTests {
    @Test("Python (confluent-kafka + CloudEvents SDK) parses every message and validates its data against the named schema")
    func pythonConsumer() async throws {
        let broker = try DedicatedBroker()
        try await broker.start()
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrapServers)
        try await withTestDatabase { client, _ in
            let store = PostgresEventStore(client: client, logger: TestEnvironment.logger)
            try await appendCatalogAndOrders(store, products: 3)
            let total = try await readEverything(store).count
            var configuration = EventRelay.Configuration()
            configuration.partitions = 2
            let relay = EventRelay(store: store, configuration: configuration, logger: TestEnvironment.logger) {
                try KafkaProducer(configuration: kafka, logger: TestEnvironment.logger)
            }
            let name = configuration.checkpointName
            try await withServices([relay]) {
                try await waitUntil { (try? await store.checkpoint(of: name)) == Int64(total) }
            }

            let process = Process()
            process.executableURL = URL(fileURLWithPath: ProcessInfo.processInfo.environment["COMMERCE_PYTHON"]!)
            process.arguments = [
                TestEnvironment.repositoryRoot.appendingPathComponent("scripts/cloudevents_consumer.py").path,
                "--brokers", broker.bootstrapServers, "--topics", "commerce.product,commerce.inventory,commerce.order",
                "--schemas", TestEnvironment.repositoryRoot.appendingPathComponent("schemas/events").path,
                "--expect", "\(total)",
            ]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(text.contains("cloudevents consumer: \(total) passed, 0 failed"), "\(text)")
        }
        await broker.stop()
    }
}
