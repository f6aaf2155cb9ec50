import Foundation

/// A development SMTP server of a test's own (`scripts/dev_smtp.py`), on a free loopback port
/// with its own directory of messages, that the test may stop (SIGKILL) and start again on the
/// same port: for outages, and for tests that send too much mail for the shared server.
public final class DedicatedSMTPServer: @unchecked Sendable {
    public let port: Int
    public let mailbox: Mailbox
    /// Options of `scripts/dev_smtp.py` (`--starttls CERT KEY`, `--implicit-tls CERT KEY`, `--auth USER:PASSWORD`).
    public let options: [String]
    public var url: String { "smtp://127.0.0.1:\(port)" }
    // Guarded by being used from one test task at a time.
    private var process: Process?

    public init(options: [String] = []) throws {
        self.options = options
        port = try closedPort()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("commerce-smtp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        mailbox = Mailbox(directory: directory)
    }

    public func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pythonExecutable)
        process.arguments = [TestEnvironment.repositoryRoot.appendingPathComponent("scripts/dev_smtp.py").path, "\(port)", mailbox.directory.path] + options
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(20)
        while !DedicatedBroker.accepts(port: port) {
            guard ContinuousClock.now < deadline, process.isRunning else { throw ServerError.didNotStart }
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
        try? FileManager.default.removeItem(at: mailbox.directory)
    }

    enum ServerError: Error { case didNotStart }
}
