import EventStore
import Foundation
import Logging
import Tracing

/// The process's tracer: W3C Trace Context (`traceparent`, `tracestate` passed through) for
/// swift-distributed-tracing, so Hummingbird's tracing middleware, the API and the workers
/// share one trace per request.
///
/// - `extract` reads an incoming `traceparent` into the context (a malformed one is ignored:
///   the trace starts again, as W3C says);
/// - `startSpan` continues the context's trace with a new span id, or starts a new trace with
///   a random id; the span's context holds the new ``TraceParent``, which the API reads as the
///   events' correlation id;
/// - `inject` writes the current span as `traceparent`;
/// - every ended span goes to `exporter`: by default a debug-level log line (``FinishedSpan``),
///   so `LOG_LEVEL=debug` shows each request's and each worker's spans with their trace id.
///   Another exporter (an OTLP client) takes its place without touching the code that traces.
public struct W3CTracer: Tracer {
    public typealias Exporter = @Sendable (FinishedSpan) -> Void

    private let exporter: Exporter

    public init(exporter: @escaping Exporter) {
        self.exporter = exporter
    }

    /// Ended spans logged at debug level.
    public init(logger: Logger) {
        self.init { span in span.log(to: logger) }
    }

    public func extract<Carrier, Extract: Extractor>(_ carrier: Carrier, into context: inout InstrumentationContext, using extractor: Extract)
    where Extract.Carrier == Carrier {
        guard let parent = extractor.extract(key: "traceparent", from: carrier).flatMap(TraceParent.init(header:)) else { return }
        context.traceParent = parent
        context[TraceStateKey.self] = extractor.extract(key: "tracestate", from: carrier)
    }

    public func inject<Carrier, Inject: Injector>(_ context: InstrumentationContext, into carrier: inout Carrier, using injector: Inject)
    where Inject.Carrier == Carrier {
        guard let current = context.traceParent else { return }
        injector.inject(current.header, forKey: "traceparent", into: &carrier)
        if let state = context[TraceStateKey.self] { injector.inject(state, forKey: "tracestate", into: &carrier) }
    }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String, context: @autoclosure () -> InstrumentationContext, ofKind kind: SpanKind,
        at instant: @autoclosure () -> Instant, function: String, file fileID: String, line: UInt
    ) -> W3CSpan {
        var context = context()
        let parent = context.traceParent
        context.traceParent = TraceParent(
            traceID: parent?.traceID ?? RandomIdentifier.uuid(), parentID: UInt64.random(in: 1...UInt64.max), sampled: parent?.sampled ?? true
        )
        return W3CSpan(
            operationName: operationName, kind: kind, context: context, parentSpanID: parent?.parentID,
            startNanoseconds: instant().nanosecondsSinceEpoch, exporter: exporter
        )
    }

    public func forceFlush() {}
}

/// The caller's `tracestate`, passed on unchanged (we add no entry of our own).
private enum TraceStateKey: InstrumentationContextKey {
    typealias Value = String
}
