import EventStore
import Foundation
import Testing

/// Polls `condition` every `interval` until it holds; records an issue (and returns) when
/// `timeout` passes first. A costly condition wants a longer interval: tests share two cores.
public func waitUntil(timeout: Duration = .seconds(30), interval: Duration = .milliseconds(20), _ condition: @escaping @Sendable () async -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while !(await condition()) {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within \(timeout)")
            return
        }
        try await Task.sleep(for: interval)
    }
}

/// All of `$all` that is safe to read now.
public func readEverything(_ store: PostgresEventStore, filter: EventFilter = .all) async throws -> [RecordedEvent] {
    var events: [RecordedEvent] = []
    var position: Int64 = 0
    while true {
        let page = try await store.readAll(after: position, limit: 1000, filter: filter)
        events += page.events
        if page.nextPosition == position { return events }
        position = page.nextPosition
    }
}

extension TestEnvironment {
    /// The built `commerce` executable: beside the test bundle, or in .build/debug.
    public static var commerceExecutable: URL? {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("commerce"),
            repositoryRoot.appendingPathComponent(".build/debug/commerce"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}

/// `commerce worker <flags>` as a process of its own, with the test's environment plus
/// `environment`, its output discarded or appended to `log`: for tests that kill workers and
/// start them again.
public func startCommerceWorker(_ flags: [String], environment: [String: String], log: URL? = nil) throws -> Process {
    let process = Process()
    process.executableURL = TestEnvironment.commerceExecutable
    // A test run that crashes must not leave its workers running.
    process.arguments = ["worker", "--exit-with-parent", "\(ProcessInfo.processInfo.processIdentifier)"] + flags
    process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    var logHandle: FileHandle?
    if let log {
        // Opened for appending: workers running side by side each write at the file's end,
        // never over each other's lines.
        let descriptor = open(log.path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: log.path]) }
        logHandle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }
    process.standardOutput = logHandle ?? FileHandle.nullDevice
    process.standardError = logHandle ?? FileHandle.nullDevice
    try process.run()
    // The child has its own copy of the descriptor now.
    try logHandle?.close()
    return process
}
