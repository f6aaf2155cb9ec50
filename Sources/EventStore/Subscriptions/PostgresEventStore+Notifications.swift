import PostgresNIO

extension PostgresEventStore {
    /// The channel on which appends are announced to other processes.
    static let notificationChannel = "commerce_events"

    /// Carries wake-ups across processes until cancelled: LISTENs for other processes' appends
    /// and wakes this process's subscriptions, and NOTIFYs others after this process's appends.
    /// Only its own appends are announced, and its own NOTIFYs (which its listener hears too)
    /// are ignored by their payload: announcing what it heard would have two processes, or one
    /// alone, wake each other every few milliseconds for ever.
    ///
    /// The NOTIFY is sent outside the appending transactions, at most once per `coalescing`
    /// window: a NOTIFY inside each append would take Postgres' notification lock at every
    /// commit and serialise all writers. Run it as a service beside the store; subscriptions
    /// still work without it, by polling.
    public func runNotifications(coalescing: Duration = .milliseconds(5)) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.forwardRemoteNotifications() }
            group.addTask { try await self.announceLocalAppends(coalescing: coalescing) }
            try await group.next()
            group.cancelAll()
        }
    }

    private func forwardRemoteNotifications() async throws {
        while !Task.isCancelled {
            do {
                try await client.withWatchedConnection { connection in
                    try await connection.listen(on: Self.notificationChannel) { notifications in
                        for try await notification in notifications where notification.payload != self.notificationToken {
                            self.appendSignal.signal()
                        }
                    }
                }
            } catch where !Task.isCancelled {
                logger.warning("LISTEN connection lost; subscriptions poll until it is back", metadata: ["error": "\(error)"])
                try await Task.sleep(for: .seconds(1))
            }
        }
    }

    private func announceLocalAppends(coalescing: Duration) async throws {
        var announced = localAppendSignal.generation
        while !Task.isCancelled {
            await localAppendSignal.wait(after: announced, timeout: .seconds(60))
            let current = localAppendSignal.generation
            guard current != announced else { continue }
            announced = current
            do {
                try await client.query("SELECT pg_notify(\(Self.notificationChannel), \(notificationToken))", logger: logger)
            } catch {
                logger.debug("NOTIFY failed; other processes fall back to polling", metadata: ["error": "\(error)"])
            }
            try await Task.sleep(for: coalescing)
        }
    }
}
