import Metrics

/// Kafka errors the clients survive (they retry or move on), counted for `/metrics`.
enum KafkaMetrics {
    /// Messages the broker did not take: a failed enqueue or a failed delivery report.
    static let produceErrors = Counter(label: "commerce_kafka_errors", dimensions: [("client", "producer")])
    /// Errors a consumer poll returned that were not fatal.
    static let consumerErrors = Counter(label: "commerce_kafka_errors", dimensions: [("client", "consumer")])
}
