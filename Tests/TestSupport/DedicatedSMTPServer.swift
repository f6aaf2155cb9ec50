import Foundation

/// A development SMTP server of a test's own (`scripts/dev_smtp.py`), on a free loopback port
/// with its own directory of messages, that the test may stop (SIGKILL) and start again on the
/// same port: for outages, for tests that send too much mail for the shared server, and with
/// options, for TLS and AUTH.
public final class DedicatedSMTPServer: Sendable {
    private let server: ServerProcess
    public let mailbox: Mailbox
    /// Options of `scripts/dev_smtp.py` (`--starttls CERT KEY`, `--implicit-tls CERT KEY`, `--auth USER:PASSWORD`).
    public let options: [String]
    public var port: Int { server.port }
    public var url: String { "smtp://127.0.0.1:\(port)" }

    public init(options: [String] = []) throws {
        self.options = options
        server = try ServerProcess()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("commerce-smtp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        mailbox = Mailbox(directory: directory)
    }

    public func start() async throws {
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/dev_smtp.py").path
        try await server.start(pythonExecutable, [script, "\(port)", mailbox.directory.path] + options)
    }

    /// Kills the server and waits until it is gone.
    public func stop() {
        server.stop()
    }

    deinit {
        try? FileManager.default.removeItem(at: mailbox.directory)
    }
}
