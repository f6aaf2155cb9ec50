import EventStore
import Tracing

extension RecordedEvent {
    /// The trace the event belongs to, as the context a worker's span starts from or links to:
    /// its correlation id as trace id and the event itself as the parent span — the same
    /// `traceparent` the relay sends as the message's `ce_traceparent`. None without a
    /// correlation id.
    var traceContext: InstrumentationContext {
        var context = InstrumentationContext.topLevel
        if let correlation = metadata.correlationID {
            context.traceParent = TraceParent(traceID: correlation, parentID: TraceParent.spanID(of: id))
        }
        return context
    }
}

extension Span {
    /// Links a batch's span to the trace of each event in it (a batch serves many traces); not
    /// even the contexts are made when no tracer records.
    func linkTraces(of events: [RecordedEvent]) {
        guard isRecording else { return }
        for event in events { addLink(SpanLink(context: event.traceContext, attributes: [:])) }
    }
}
