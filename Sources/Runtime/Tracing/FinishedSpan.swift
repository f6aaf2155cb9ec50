import EventStore
import Foundation
import Logging
import Tracing

/// What a span was, once it ended: what ``W3CTracer`` hands its exporter.
public struct FinishedSpan: Sendable {
    public let operationName: String
    public let kind: SpanKind
    public let traceID: UUID
    public let spanID: UInt64
    /// The span it continues: another of ours, or the caller's (its `traceparent`).
    public let parentSpanID: UInt64?
    public let startNanoseconds: UInt64
    public let endNanoseconds: UInt64
    public let attributes: SpanAttributes
    public let status: SpanStatus?
    /// Names of the events recorded on it.
    public let events: [String]
    /// Type names of the errors recorded on it (never their text, which may hold input).
    public let errors: [String]
    public let links: [TraceParent]

    public var duration: Duration { .nanoseconds(Int64(endNanoseconds - startNanoseconds)) }

    /// One line (debug unless told): `span <name>` with the ids, kind, duration, status and attributes.
    public func log(to logger: Logger, level: Logger.Level = .debug) {
        logger.log(level: level, "span \(operationName)", metadata: metadata)
    }

    private var metadata: Logger.Metadata {
        var metadata: Logger.Metadata = [
            "trace_id": "\(TraceParent.hex(traceID))",
            "span_id": "\(Self.hex(spanID))",
            "span_kind": "\(kind)",
            "duration_ms": "\(Double(endNanoseconds - startNanoseconds) / 1_000_000)",
        ]
        if let parentSpanID { metadata["parent_span_id"] = "\(Self.hex(parentSpanID))" }
        if let status { metadata["status"] = "\(status.code)" }
        if !errors.isEmpty { metadata["errors"] = .array(errors.map { "\($0)" }) }
        if !links.isEmpty { metadata["links"] = .array(links.map { "\($0.header)" }) }
        var fields: Logger.Metadata = [:]
        attributes.forEach { name, value in fields[name] = "\(Self.text(of: value))" }
        if !fields.isEmpty { metadata["attributes"] = .dictionary(fields) }
        return metadata
    }

    /// An attribute's value as text (nil without it): `201`, `true`, `/carts/{cartId}`, `[a, b]`.
    public func attribute(_ name: String) -> String? {
        attributes.get(name).map(Self.text(of:))
    }

    static func text(of value: SpanAttribute) -> String {
        switch value {
        case .string(let text): text
        case .int32(let number): "\(number)"
        case .int64(let number): "\(number)"
        case .double(let number): "\(number)"
        case .bool(let flag): "\(flag)"
        case .stringConvertible(let value): value.description
        case .stringArray(let texts): "[\(texts.joined(separator: ", "))]"
        case .int32Array(let numbers): "\(numbers)"
        case .int64Array(let numbers): "\(numbers)"
        case .doubleArray(let numbers): "\(numbers)"
        case .boolArray(let flags): "\(flags)"
        case .stringConvertibleArray(let values): "[\(values.map(\.description).joined(separator: ", "))]"
        default: "\(value)"
        }
    }

    /// A span id as 16 lower-case hex digits.
    public static func hex(_ spanID: UInt64) -> String {
        let digits = String(spanID, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
