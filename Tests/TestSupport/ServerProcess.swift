import Foundation

/// A server a test runs as a process of its own, on a loopback port chosen when it is made:
/// started (and waited for until the port accepts connections), killed with SIGKILL as a crash
/// would, and started again on the same port.
public final class ServerProcess: @unchecked Sendable {
    public let port: Int
    // Guarded by being used from one test task at a time.
    private var process: Process?

    public init() throws {
        port = try closedPort()
    }

    public func start(_ executable: String, _ arguments: [String]) async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(20)
        while !DedicatedBroker.accepts(port: port) {
            guard ContinuousClock.now < deadline, process.isRunning else { throw ServerError.didNotStart(executable) }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Kills the server and waits until it is gone.
    public func stop() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    deinit {
        if let process { kill(process.processIdentifier, SIGKILL) }
    }

    enum ServerError: Error { case didNotStart(String) }
}
