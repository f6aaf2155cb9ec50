/// Events of `$all` from a position on: first the history, then new appends as they become
/// safe to read, with no gap and no duplicate at the switch, because both are the same paged
/// read behind the safe frontier.
///
/// Iterate it in a task; cancel the task to stop. Wake-ups come from this process's appends
/// and from other processes through LISTEN/NOTIFY (see ``PostgresEventStore/runNotifications()``),
/// with a poll every `pollInterval` as the fallback.
///
/// ```swift
/// for try await event in store.subscribe(from: checkpoint, filter: .category("order")) {
///     try await handle(event)
/// }
/// ```
public struct EventSubscription: AsyncSequence, Sendable {
    public typealias Element = RecordedEvent

    let store: PostgresEventStore
    let startPosition: Int64
    let filter: EventFilter
    let batchSize: Int
    let pollInterval: Duration

    public func makeAsyncIterator() -> Iterator {
        Iterator(subscription: self, position: startPosition)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let subscription: EventSubscription
        /// Everything at or below this position has been delivered or does not match.
        var position: Int64
        var buffer: [RecordedEvent] = []
        var index = 0
        var heldBackWait = HeldBackWait()

        public mutating func next() async throws -> RecordedEvent? {
            while index == buffer.count {
                if Task.isCancelled { return nil }
                let store = subscription.store
                let seen = store.appendSignal.generation
                let page = try await store.readAll(after: position, limit: subscription.batchSize, filter: subscription.filter, frontierWait: .zero)
                position = page.nextPosition
                buffer = page.events
                index = 0
                // Wait only when there is nothing new that is safe to read.
                if buffer.isEmpty, page.nextPosition >= page.safePosition {
                    let timeout = heldBackWait.after(heldBack: page.headPosition > page.safePosition, otherwise: subscription.pollInterval)
                    await store.appendSignal.wait(after: seen, timeout: timeout)
                } else {
                    heldBackWait.reset()
                }
            }
            defer { index += 1 }
            return buffer[index]
        }
    }
}

extension PostgresEventStore {
    /// Subscribes to `$all` after `position` (0 = from the beginning).
    public func subscribe(
        from position: Int64, filter: EventFilter = .all, batchSize: Int = 500, pollInterval: Duration = .seconds(1)
    ) -> EventSubscription {
        EventSubscription(store: self, startPosition: position, filter: filter, batchSize: batchSize, pollInterval: pollInterval)
    }
}

extension PostgresEventStore {
    /// A counter that moves on every append this process makes and every NOTIFY it receives;
    /// read it before a read, then ``waitForAppends(after:timeout:)``, to miss no wake-up.
    public var appendGeneration: UInt64 { appendSignal.generation }

    /// Returns when events may have been appended since `generation`, or after `timeout`.
    public func waitForAppends(after generation: UInt64, timeout: Duration) async {
        await appendSignal.wait(after: generation, timeout: timeout)
    }
}
