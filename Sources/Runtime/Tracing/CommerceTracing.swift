import Logging
import Synchronization
import Tracing

/// The process's tracer, set once: ``W3CTracer`` with ended spans logged at debug level through
/// the process's logger (so they carry its format and metadata).
public enum CommerceTracing {
    private static let bootstrapped = Mutex(false)

    /// Bootstraps swift-distributed-tracing with ``W3CTracer``; later calls do nothing (the
    /// system takes one instrument per process).
    public static func bootstrap(logger: Logger) {
        bootstrap(W3CTracer(logger: logger))
    }

    /// Bootstraps with the given tracer (tests export to memory); later calls do nothing.
    public static func bootstrap(_ tracer: W3CTracer) {
        let first = bootstrapped.withLock { done in
            defer { done = true }
            return !done
        }
        if first { InstrumentationSystem.bootstrap(tracer) }
    }
}
