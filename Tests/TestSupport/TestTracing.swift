import EventStore
import Foundation
import Runtime
import Synchronization

/// The test process's tracer: the production ``W3CTracer``, whose ended spans are logged at
/// info (so the suite's log check sees what spans hold) and kept in memory for the traces a
/// test watches (with the batch spans that link to them).
public enum TestTracing {
    private static let kept = Mutex<[UUID: [FinishedSpan]]>([:])

    /// Bootstraps the tracer once per process; `withTestDatabase` calls it.
    public static func bootstrap() {
        CommerceTracing.bootstrap(W3CTracer { span in
            span.log(to: TestEnvironment.logger, level: .info)
            kept.withLock { kept in
                // A batch's span begins a trace of its own and links to its events' traces.
                for trace in Set([span.traceID] + span.links.map(\.traceID)) { kept[trace]?.append(span) }
            }
        })
    }

    /// Keeps the spans of `traceID` that end from now on.
    public static func watch(_ traceID: UUID) {
        bootstrap()
        kept.withLock { kept in kept[traceID] = kept[traceID] ?? [] }
    }

    /// The spans of a watched trace, or linked to it, that ended so far.
    public static func spans(of traceID: UUID) -> [FinishedSpan] {
        kept.withLock { $0[traceID] ?? [] }
    }
}
