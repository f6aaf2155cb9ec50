import Logging
import ServiceLifecycle

/// The loop of the outbox senders: `sendDue` again at once while it finds a full batch (a
/// backlog), after `interval` otherwise; an error is logged and the next look tries again. A
/// graceful shutdown cancels the wait at once; work under way finishes its own transaction or
/// rolls it back, to be done again.
func pollDue(every interval: Duration, batchSize: Int, logger: Logger, label: String, _ sendDue: @escaping @Sendable () async throws -> Int) async throws {
    try await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            var handled = 0
            do {
                handled = try await sendDue()
            } catch {
                if Task.isCancelled { return }
                logger.warning("\(label): \(String(reflecting: error))")
            }
            if handled < batchSize {
                do { try await Task.sleep(for: interval) } catch { return }
            }
        }
    }
}
