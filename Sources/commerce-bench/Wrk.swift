import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

/// wrk, the HTTP load generator (Debian's package): run to its end, its summary read.
enum Wrk {
    struct Result {
        var requestsPerSecond = 0.0
        var p50 = 0.0
        var p99 = 0.0
        var non2xx = 0
    }

    /// Runs `wrk --latency` with `arguments` (a process of its own, waited for off the server's
    /// threads: ``ChildProcess``); the rate, the median and 99th percentile in ms, and the
    /// non-2xx count.
    static func run(_ arguments: [String]) async throws -> Result {
        let finished = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/wrk"), ["--latency"] + arguments)
        var result = Result()
        for line in finished.output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if line.hasPrefix("Requests/sec:"), let value = fields.last.flatMap({ Double($0) }) { result.requestsPerSecond = value }
            if line.contains("Non-2xx or 3xx responses:"), let value = fields.last.flatMap({ Int($0) }) { result.non2xx = value }
            if fields.count == 2, fields[0] == "50%" { result.p50 = milliseconds(fields[1]) }
            if fields.count == 2, fields[0] == "99%" { result.p99 = milliseconds(fields[1]) }
        }
        return result
    }

    private static func milliseconds(_ text: Substring) -> Double {
        for (suffix, factor) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(suffix) {
            return (Double(text.dropLast(suffix.count)) ?? 0) * factor
        }
        return 0
    }

    /// Waits until a server on the port answers its liveness check.
    static func waitForServer(port: Int) async throws {
        for _ in 0..<100 {
            let probe = try await ChildProcess.run(URL(fileURLWithPath: "/usr/bin/curl"), ["-sf", "-o", "/dev/null", "http://127.0.0.1:\(port)/health/live"])
            if probe.status == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("the server did not start on port \(port)")
    }
}

/// Runs `app` while `body` loads it, then stops it gracefully: cancelling a server with
/// connections still queued (wrk's, at 32 at once) can trap in NIO's channel teardown.
func whileServing(_ app: some Service, port: Int, logger: Logger, _ body: () async throws -> Void) async throws {
    let group = ServiceGroup(services: [app], gracefulShutdownSignals: [], logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            try await Wrk.waitForServer(port: port)
            try await body()
        } catch {
            await group.triggerGracefulShutdown()
            throw error
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
    }
}
