import Synchronization

/// One value read from the database and shared by this process's requests (the catalog's words,
/// its category counts): served for up to ``maximumAge``, read again in the background once past
/// half of it, and never read by two callers at once — a caller with no value young enough waits
/// for the read under way instead of starting another (no herd when a busy server starts).
final class SharedRead<Value: Sendable>: Sendable {
    typealias Read = @Sendable () async throws -> Value

    private struct State {
        var value: Value?
        var readAt: ContinuousClock.Instant?
        var reading: Task<Value, any Error>?
    }

    let maximumAge: Duration
    private let read: Read
    /// The clock's reading (a test's own clock in tests).
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(State())

    private enum Next {
        case use(Value)
        case wait(Task<Value, any Error>)
    }

    init(maximumAge: Duration, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }, read: @escaping Read) {
        self.maximumAge = maximumAge
        self.now = now
        self.read = read
    }

    /// The value, read now when `fresh` (a read already under way may predate the caller's write).
    func value(fresh: Bool = false) async throws -> Value {
        let now = now()
        let next: Next = state.withLock { state in
            if !fresh, let value = state.value, let readAt = state.readAt, now - readAt < maximumAge {
                if now - readAt >= maximumAge / 2, state.reading == nil { state.reading = startReading() }
                return .use(value)
            }
            if !fresh, let reading = state.reading { return .wait(reading) }
            let reading = startReading()
            if state.reading == nil { state.reading = reading }
            return .wait(reading)
        }
        switch next {
        case .use(let value): return value
        case .wait(let reading): return try await reading.value
        }
    }

    private func startReading() -> Task<Value, any Error> {
        let started = now()
        return Task {
            do {
                let value = try await read()
                state.withLock { state in
                    // A read that started before the kept one keeps the kept one.
                    if state.readAt.map({ $0 <= started }) ?? true {
                        state.value = value
                        state.readAt = started
                    }
                    state.reading = nil
                }
                return value
            } catch {
                state.withLock { $0.reading = nil }
                throw error
            }
        }
    }
}
