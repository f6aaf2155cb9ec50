import EventStore
import Foundation
import Synchronization
import Tracing

/// A span of ``W3CTracer``: its ids live in `context.traceParent`; it records its name,
/// attributes, status, events, errors and links until it ends, then hands a ``FinishedSpan`` to
/// the tracer's exporter once (a second `end` does nothing).
public final class W3CSpan: Span {
    public let context: InstrumentationContext
    private let kind: SpanKind
    private let parentSpanID: UInt64?
    private let startNanoseconds: UInt64
    private let exporter: W3CTracer.Exporter
    private let state: Mutex<State>

    private struct State {
        var operationName: String
        var attributes: SpanAttributes = [:]
        var status: SpanStatus?
        var events: [String] = []
        var errors: [String] = []
        var links: [TraceParent] = []
        var ended = false
    }

    init(
        operationName: String, kind: SpanKind, context: InstrumentationContext, parentSpanID: UInt64?,
        startNanoseconds: UInt64, exporter: @escaping W3CTracer.Exporter
    ) {
        self.context = context
        self.kind = kind
        self.parentSpanID = parentSpanID
        self.startNanoseconds = startNanoseconds
        self.exporter = exporter
        state = Mutex(State(operationName: operationName))
    }

    public var operationName: String {
        get { state.withLock { $0.operationName } }
        set { state.withLock { $0.operationName = newValue } }
    }

    public var attributes: SpanAttributes {
        get { state.withLock { $0.attributes } }
        set { state.withLock { $0.attributes = newValue } }
    }

    public var isRecording: Bool { state.withLock { !$0.ended } }

    public func setStatus(_ status: SpanStatus) {
        state.withLock { $0.status = status }
    }

    public func addEvent(_ event: SpanEvent) {
        state.withLock { $0.events.append(event.name) }
    }

    public func recordError<Instant: TracerInstant>(_ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant) {
        let description = String(describing: type(of: error))
        state.withLock { $0.errors.append(description) }
    }

    public func addLink(_ link: SpanLink) {
        guard let linked = link.context.traceParent else { return }
        state.withLock { $0.links.append(linked) }
    }

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        let endNanoseconds = instant().nanosecondsSinceEpoch
        guard let finished = state.withLock({ state -> State? in
            guard !state.ended else { return nil }
            state.ended = true
            return state
        }) else { return }
        let ids = context.traceParent!
        exporter(FinishedSpan(
            operationName: finished.operationName, kind: kind, traceID: ids.traceID, spanID: ids.parentID, parentSpanID: parentSpanID,
            startNanoseconds: startNanoseconds, endNanoseconds: max(endNanoseconds, startNanoseconds),
            attributes: finished.attributes, status: finished.status, events: finished.events, errors: finished.errors, links: finished.links
        ))
    }
}
