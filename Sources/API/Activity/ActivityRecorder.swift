import Aggregates
import Application
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Records shoppers' views and searches without slowing the answers that cause them: a request
/// only adds to a bounded buffer in memory (no await, no I/O); this service appends the buffer
/// every ``interval`` as one multi-stream append (``ActivityAppends``). When the buffer is full
/// — the database slower than the traffic — further activity is dropped and counted, never
/// waited for; a failed append drops its batch, counted too. Activity is a signal for
/// recommendations, not a record anyone relies on, so losing some under overload is the right
/// trade against slowing the storefront.
public final class ActivityRecorder: Service, Sendable {
    /// Since the process started: events stored, events dropped (buffer full or append
    /// failed), and events waiting for the next append.
    public struct Counts: Sendable, Equatable, Codable {
        public var recorded = 0
        public var dropped = 0
        public var buffered = 0
    }

    private struct State {
        var buffer: [ActivityAppends.Pending] = []
        var counts = Counts()
    }

    let repository: AggregateRepository
    let capacity: Int
    let interval: Duration
    let logger: Logger
    private let state = Mutex(State())

    public init(repository: AggregateRepository, capacity: Int = 10_000, interval: Duration = .milliseconds(100), logger: Logger) {
        self.repository = repository
        self.capacity = capacity
        self.interval = interval
        self.logger = logger
    }

    /// Queues one event; returns at once.
    public func record(_ event: ActivityEvent, at time: Date = Date(), correlationID: UUID? = nil) {
        state.withLock { state in
            if state.buffer.count >= capacity {
                state.counts.dropped += 1
            } else {
                state.buffer.append(.init(event: event, at: time, correlationID: correlationID))
            }
        }
    }

    public var counts: Counts {
        state.withLock { state in
            var counts = state.counts
            counts.buffered = state.buffer.count
            return counts
        }
    }

    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: interval)
            await flush()
        }
        // What came in last is still stored on a graceful stop.
        await flush()
    }

    /// Appends what is buffered now.
    func flush() async {
        let batch = state.withLock { state in
            defer { state.buffer.removeAll(keepingCapacity: true) }
            return state.buffer
        }
        guard !batch.isEmpty else { return }
        do {
            _ = try await repository.append(try ActivityAppends.appends(batch))
            state.withLock { $0.counts.recorded += batch.count }
        } catch {
            state.withLock { $0.counts.dropped += batch.count }
            logger.warning("shopper activity not stored: dropped", metadata: ["events": "\(batch.count)", "error": "\(String(reflecting: error))"])
        }
    }
}
