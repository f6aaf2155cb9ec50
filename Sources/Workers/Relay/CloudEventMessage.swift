import EventStore
import Foundation
import Kafka

/// How a stored event travels on Kafka: the CloudEvents 1.0 Kafka protocol binding, binary
/// mode. Attributes are `ce_*` headers, the value is the event's JSON as stored.
///
/// - topic `commerce.<category>`, key = stream name (one partition per stream: its order holds)
/// - `ce_specversion` 1.0, `ce_id` event id, `ce_type` event type, `ce_source` `/commerce/<category>`,
///   `ce_subject` stream name, `ce_time` recorded time (RFC 3339), `ce_dataschema` the event's
///   JSON Schema, `content-type` application/json
/// - extensions: `ce_schemaversion`, `ce_streamversion`, `ce_position` (global position),
///   `ce_correlationid`, `ce_causationid`, `ce_actor` (when known), `ce_occurredat` (the event's
///   business time, ``BusinessTime``, when it carries one), and `ce_traceparent` (W3C trace
///   context: the correlation id as trace id, the event as span) with the correlation id
///
/// Delivery is at least once: consumers deduplicate by `ce_id`, or by stream and stream version.
public enum CloudEventMessage {
    public static let schemaBaseURL = "https://commerce.dev/schemas/events/"

    /// The prefix of every topic unless configured otherwise (`KAFKA_TOPIC_PREFIX`).
    public static let defaultTopicPrefix = "commerce"

    /// `<prefix>.<category>`: one topic per stream category.
    public static func topic(forCategory category: some StringProtocol, prefix: String = defaultTopicPrefix) -> String {
        "\(prefix).\(category)"
    }

    public static func message(for event: RecordedEvent, topicPrefix: String = defaultTopicPrefix) -> KafkaMessage {
        var headers: [KafkaMessage.Header] = [
            .init("ce_specversion", "1.0"),
            .init("ce_id", event.id.uuidString.lowercased()),
            .init("ce_type", event.type),
            .init("ce_source", "/commerce/\(event.category)"),
            .init("ce_subject", event.stream.rawValue),
            .init("ce_time", RFC3339Time.format(event.recordedAt)),
            .init("ce_dataschema", "\(schemaBaseURL)\(event.type).v\(event.schemaVersion).json"),
            .init("content-type", "application/json"),
            .init("ce_schemaversion", "\(event.schemaVersion)"),
            .init("ce_streamversion", "\(event.version)"),
            .init("ce_position", "\(event.position)"),
        ]
        if let correlation = event.metadata.correlationID {
            headers.append(.init("ce_correlationid", correlation.uuidString.lowercased()))
            // CloudEvents' distributed-tracing extension: the correlation id is the trace id.
            headers.append(.init("ce_traceparent", TraceParent(traceID: correlation, parentID: TraceParent.spanID(of: event.id)).header))
        }
        if let causation = event.metadata.causationID { headers.append(.init("ce_causationid", causation.uuidString.lowercased())) }
        if let actor = event.metadata.actor { headers.append(.init("ce_actor", actor)) }
        if let occurred = event.metadata.extra(BusinessTime.key) { headers.append(.init("ce_occurredat", occurred)) }
        return KafkaMessage(
            topic: topic(forCategory: event.category, prefix: topicPrefix), key: Array(event.stream.rawValue.utf8),
            value: Array(event.data.utf8), headers: headers
        )
    }

    /// Reads a message written by ``message(for:)`` back into the event it carries.
    /// - Returns: nil when a required attribute is missing or malformed.
    public static func event(from message: KafkaMessage) -> RecordedEvent? {
        func header(_ name: String) -> String? { message.header(name)?.stringValue }
        guard let idText = header("ce_id"), let id = UUID(uuidString: idText),
              let type = header("ce_type"), let subject = header("ce_subject"), let stream = try? StreamName(subject),
              let version = header("ce_streamversion").flatMap(Int64.init),
              let position = header("ce_position").flatMap(Int64.init),
              let schemaVersion = header("ce_schemaversion").flatMap(Int32.init),
              let time = header("ce_time").flatMap(RFC3339Time.parse)
        else { return nil }
        var metadata = EventMetadata(
            correlationID: header("ce_correlationid").flatMap(UUID.init(uuidString:)),
            causationID: header("ce_causationid").flatMap(UUID.init(uuidString:)),
            actor: header("ce_actor")
        )
        // Read models count by business time: it must survive the trip.
        if let occurred = header("ce_occurredat") { metadata.extra[BusinessTime.key] = occurred }
        return RecordedEvent(
            position: position, stream: stream, version: version, id: id, type: type, schemaVersion: schemaVersion,
            data: String(decoding: message.value, as: UTF8.self), metadata: metadata, recordedAt: time
        )
    }
}
