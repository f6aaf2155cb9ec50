import EventStore
import Foundation

extension CloudEventMessage {
    /// The event as a CloudEvent in structured JSON mode (`application/cloudevents+json`), for
    /// receivers that get events over HTTP (outbound webhooks): the same attributes and
    /// extensions as the Kafka headers of ``message(for:topicPrefix:)``, the event's JSON as `data`.
    public static func structuredJSON(for event: RecordedEvent) -> String {
        var attributes: [(String, String)] = [
            ("specversion", "1.0"),
            ("id", event.id.uuidString.lowercased()),
            ("type", event.type),
            ("source", "/commerce/\(event.category)"),
            ("subject", event.stream.rawValue),
            ("time", RFC3339Time.format(event.recordedAt)),
            ("datacontenttype", "application/json"),
            ("dataschema", "\(schemaBaseURL)\(event.type).v\(event.schemaVersion).json"),
            ("schemaversion", "\(event.schemaVersion)"),
            ("streamversion", "\(event.version)"),
            ("position", "\(event.position)"),
        ]
        if let correlation = event.metadata.correlationID {
            attributes.append(("correlationid", correlation.uuidString.lowercased()))
            attributes.append(("traceparent", TraceParent(traceID: correlation, parentID: TraceParent.spanID(of: event.id)).header))
        }
        if let causation = event.metadata.causationID { attributes.append(("causationid", causation.uuidString.lowercased())) }
        if let actor = event.metadata.actor { attributes.append(("actor", actor)) }
        if let occurred = event.metadata.extra(BusinessTime.key) { attributes.append(("occurredat", occurred)) }
        // The stored data is JSON already: it goes in as it is, not as a string.
        let fields = attributes.map { "\(jsonString($0.0)):\(jsonString($0.1))" } + ["\"data\":\(event.data)"]
        return "{" + fields.joined(separator: ",") + "}"
    }

    private static func jsonString(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}
