import Foundation
import Testing
import TestSupport

/// `commerce worker --exit-with-parent <pid>`, the way the test runs start workers: when the process
/// that started it dies (a crashed test run), the worker exits too instead of running on with no
/// one to stop it. A worker started without the flag, beside it, shows that the exit is the
/// flag's doing and not the parent's death as such.
@Suite("A worker whose parent dies", .enabled(if: TestEnvironment.commerceExecutable != nil))
struct OrphanedWorkerTests {
    @Test("with --exit-with-parent it exits; without, it runs on")
    func exitsWithItsParent() async throws {
        try await withTestDatabase { _, database in
            let executable = try #require(TestEnvironment.commerceExecutable)
            // A shell starts both workers and waits; killing the shell orphans them.
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/sh")
            shell.arguments = [
                "-c", #""$0" worker --exit-with-parent $$ --processes >/dev/null 2>&1 & echo $!; "$0" worker --processes >/dev/null 2>&1 & echo $!; wait"#,
                executable.path,
            ]
            shell.environment = ProcessInfo.processInfo.environment.merging(
                ["DATABASE_URL": database.urlString, "PAYMENT_GATEWAY": "sandbox", "LOG_LEVEL": "warning"]
            ) { $1 }
            let output = Pipe()
            shell.standardOutput = output
            try shell.run()
            var printed = ""
            while printed.split(separator: "\n").count < 2 {
                let chunk = output.fileHandleForReading.availableData
                guard !chunk.isEmpty else { break }
                printed += String(decoding: chunk, as: UTF8.self)
            }
            let workers = printed.split(separator: "\n").compactMap { pid_t($0) }
            try #require(workers.count == 2, "the shell printed \(printed.debugDescription)")
            let (flagged, unflagged) = (workers[0], workers[1])
            defer { kill(unflagged, SIGKILL) }

            #expect(Self.isRunning(flagged) && Self.isRunning(unflagged))

            kill(shell.processIdentifier, SIGKILL)
            try await waitUntil { !Self.isRunning(shell.processIdentifier) }
            try await waitUntil(timeout: .seconds(20), interval: .milliseconds(100)) { !Self.isRunning(flagged) }
            #expect(!Self.isRunning(flagged))
            #expect(Self.isRunning(unflagged))
        }
    }

    /// Whether `pid` is a live process: it exists and is not a zombie waiting to be reaped
    /// (an orphan's new parent may never reap it in a container).
    static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].drop { $0 == " " }.first
        return state != "Z" && state != "X"
    }
}
