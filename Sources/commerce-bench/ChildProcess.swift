import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A load generator or a tool run as a process of its own, waited for on a thread of its own
/// that sleeps in the kernel: never on one of the cooperative threads the server under test
/// answers on (there are as many as cores), and never spinning (Foundation's `waitUntilExit`
/// turns a run loop until the child has gone).
enum ChildProcess {
    struct Finished: Sendable {
        let status: Int32
        let output: String
        let errors: String
    }

    static func run(_ executable: URL, _ arguments: [String], environment: [String: String]? = nil) async throws -> Finished {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let pid = process.processIdentifier
        return await withCheckedContinuation { (done: CheckedContinuation<Finished, Never>) in
            Thread.detachNewThread {
                // Output read to its end (the child closes it as it exits), then the little it
                // wrote on standard error, then the exit waited for without reaping (Foundation
                // reaps). Blocking reads and a blocking wait: asleep, not spinning.
                let outputData = output.fileHandleForReading.readDataToEndOfFile()
                let errorData = errors.fileHandleForReading.readDataToEndOfFile()
                var info = siginfo_t()
                while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
                process.waitUntilExit()
                done.resume(returning: Finished(
                    status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
                    errors: String(decoding: errorData, as: UTF8.self)
                ))
            }
        }
    }
}
