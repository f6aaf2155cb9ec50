import Instrumentation

/// Where a W3C trace travels inside a process: the tracer (`W3CTracer`) puts the current span's
/// ``TraceParent`` into the task's `InstrumentationContext`; the API reads its trace id as the
/// events' correlation id, and the workers start their spans from an event's correlation id.
extension InstrumentationContext {
    /// The trace and the current span (as `parentID`: the parent of whatever starts next).
    public var traceParent: TraceParent? {
        get { self[TraceParentKey.self] }
        set { self[TraceParentKey.self] = newValue }
    }
}

private enum TraceParentKey: InstrumentationContextKey {
    typealias Value = TraceParent
    static var nameOverride: String? { "traceparent" }
}
