import Synchronization

/// The delivery reports of a batch of messages enqueued together
/// (``KafkaProducer/enqueue(_:)``), awaited when the caller is ready for them: it may enqueue
/// its next batch first, which Kafka orders after this one in each partition.
public final class KafkaDeliveries: Sendable {
    private struct State {
        var results: [Result<KafkaDeliveryReport, KafkaError>?]
        var remaining: Int
        var completedAt: ContinuousClock.Instant?
        /// Everyone awaiting ``results()`` before the last report: each is resumed.
        var waiters: [CheckedContinuation<[Result<KafkaDeliveryReport, KafkaError>], Never>] = []
    }

    private let state: Mutex<State>

    init(count: Int) {
        state = Mutex(State(results: Array(repeating: nil, count: count), remaining: count, completedAt: count == 0 ? .now : nil))
    }

    /// When the last report arrived (nil before): a caller that awaits ``results()`` later
    /// than that still learns when the broker was done.
    public var completedAt: ContinuousClock.Instant? { state.withLock { $0.completedAt } }

    /// One result per message, in the order enqueued, once every report has arrived.
    public func results() async -> [Result<KafkaDeliveryReport, KafkaError>] {
        await withCheckedContinuation { continuation in
            let ready: [Result<KafkaDeliveryReport, KafkaError>]? = state.withLock { state in
                guard state.remaining > 0 else { return state.results.map { $0! } }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    func deliver(_ result: Result<KafkaDeliveryReport, KafkaError>, at index: Int) {
        let resume: ([CheckedContinuation<[Result<KafkaDeliveryReport, KafkaError>], Never>], [Result<KafkaDeliveryReport, KafkaError>])? = state.withLock { state in
            state.results[index] = result
            state.remaining -= 1
            guard state.remaining == 0 else { return nil }
            state.completedAt = .now
            defer { state.waiters = [] }
            return (state.waiters, state.results.map { $0! })
        }
        if let (waiters, results) = resume {
            for waiter in waiters { waiter.resume(returning: results) }
        }
    }
}
