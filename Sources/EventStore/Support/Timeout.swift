import NIOConcurrencyHelpers

/// Thrown by ``withTimeout(_:operation:)`` when the operation did not finish in time.
public struct TimeoutError: Error, CustomStringConvertible {
    public let timeout: Duration
    public var description: String { "no answer within \(timeout)" }
}

/// Runs `operation`, cancelling it and throwing ``TimeoutError`` when it takes longer than `timeout`.
@discardableResult
public func withTimeout<T: Sendable>(
    _ timeout: Duration,
    operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TimeoutError(timeout: timeout)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

/// Runs `operation` in a task of its own and returns its result, or throws ``TimeoutError`` after
/// `timeout` — cancelling the operation then without waiting for it. ``withTimeout(_:operation:)``
/// must wait for an operation that ignores cancellation (a statement sent to a server as it shuts
/// down can wait for ever); this one leaves it behind.
@discardableResult
public func abandoningAfter<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await abandoning(operation) {
        do { try await Task.sleep(for: timeout) } catch { return nil }
        return TimeoutError(timeout: timeout)
    }
}

/// Runs `operation` in a task of its own and returns its result — unless `interruption` returns
/// an error first: that error is thrown at once and the operation cancelled without waiting for
/// it (it may ignore cancellation). `interruption` runs beside the operation and is cancelled when
/// the operation ends first; it returns nil when cancelled.
public func abandoning<T: Sendable>(
    _ operation: @escaping @Sendable () async throws -> T, when interruption: @escaping @Sendable () async -> (any Error)?
) async throws -> T {
    let pending = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(nil)
    let finish: @Sendable (Result<T, any Error>) -> Void = { result in
        pending.withLockedValue { continuation -> CheckedContinuation<T, any Error>? in
            defer { continuation = nil }
            return continuation
        }?.resume(with: result)
    }
    let work = Task { try await operation() }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            pending.withLockedValue { $0 = continuation }
            let watcher = Task {
                guard let error = await interruption(), !Task.isCancelled else { return }
                work.cancel()
                finish(.failure(error))
            }
            Task {
                let result = await work.result
                watcher.cancel()
                finish(result)
            }
        }
    } onCancel: {
        work.cancel()
    }
}
