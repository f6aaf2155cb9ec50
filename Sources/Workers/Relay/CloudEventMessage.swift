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
///   business time, ``BusinessTime``, when it carries one)
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
            .init("ce_time", formatTime(event.recordedAt)),
            .init("ce_dataschema", "\(schemaBaseURL)\(event.type).v\(event.schemaVersion).json"),
            .init("content-type", "application/json"),
            .init("ce_schemaversion", "\(event.schemaVersion)"),
            .init("ce_streamversion", "\(event.version)"),
            .init("ce_position", "\(event.position)"),
        ]
        if let correlation = event.metadata.correlationID { headers.append(.init("ce_correlationid", correlation.uuidString.lowercased())) }
        if let causation = event.metadata.causationID { headers.append(.init("ce_causationid", causation.uuidString.lowercased())) }
        if let actor = event.metadata.actor { headers.append(.init("ce_actor", actor)) }
        if let occurred = event.metadata.extra[BusinessTime.key] { headers.append(.init("ce_occurredat", occurred)) }
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
              let time = header("ce_time").flatMap(parseTime)
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

    /// 2000-01-01T00:00:00Z, PostgreSQL's (and postgres-nio's) epoch for timestamps.
    static let postgresEpoch = Date(timeIntervalSince1970: 946_684_800)
    static let postgresEpochMicros: Int64 = 946_684_800_000_000

    /// RFC 3339 in UTC with microseconds, the precision PostgreSQL records: the whole
    /// microseconds postgres-nio would store for `date`.
    static func formatTime(_ date: Date) -> String {
        let unixMicros = Int64(date.timeIntervalSince(postgresEpoch) * 1_000_000) + postgresEpochMicros
        var seconds = time_t(unixMicros / 1_000_000)
        var fraction = unixMicros % 1_000_000
        if fraction < 0 {
            fraction += 1_000_000
            seconds -= 1
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                      parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, Int(fraction))
    }

    /// Reads `YYYY-MM-DDTHH:MM:SS[.fraction]Z` into the same `Date` postgres-nio decodes for that
    /// microsecond. Parsed by hand: it runs for every consumed message, and a date formatter is
    /// costly to create.
    static func parseTime(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z"),
              bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":") else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int32(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var micros: Int64 = 0
        let fraction = bytes[19..<(bytes.count - 1)]
        if !fraction.isEmpty {
            let digits = fraction.dropFirst()
            guard fraction.first == UInt8(ascii: "."), (1...9).contains(digits.count),
                  let value = number(digits.startIndex..<(digits.startIndex + min(6, digits.count))) else { return nil }
            micros = Int64(value)
            for _ in 0..<(6 - min(6, digits.count)) { micros *= 10 }
        }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        let unixSeconds = Int64(timegm(&parts))
        let sinceEpoch = unixSeconds * 1_000_000 - postgresEpochMicros + micros
        return Date(timeInterval: Double(sinceEpoch) / 1_000_000, since: postgresEpoch)
    }
}
