import Foundation
import Synchronization

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
        ServersAlive.add(process.processIdentifier)
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
        ServersAlive.remove(process.processIdentifier)
        self.process = nil
    }

    deinit {
        if let process {
            kill(process.processIdentifier, SIGKILL)
            ServersAlive.remove(process.processIdentifier)
        }
    }

    enum ServerError: Error { case didNotStart(String) }
}

/// The servers started and not stopped yet, killed when the test process exits: a test that
/// fails or throws may still hold its server then (its `deinit` never runs), and a broker left
/// behind keeps using CPU, which slowed the next local runs until their tests timed out.
enum ServersAlive {
    private static let running = Mutex<Set<pid_t>>([])
    private static let killedAtExit: Void = {
        atexit {
            for pid in ServersAlive.running.withLock({ $0 }) { kill(pid, SIGKILL) }
        }
    }()

    static func add(_ pid: pid_t) {
        _ = killedAtExit
        running.withLock { _ = $0.insert(pid) }
    }

    static func remove(_ pid: pid_t) {
        running.withLock { _ = $0.remove(pid) }
    }
}
