import Foundation

/// A Tansu broker of a test's own, on a free loopback port, that the test may stop and start
/// again (same port; in-memory storage, so a restart loses topics and messages).
/// The binary comes from `COMMERCE_TANSU_BIN`, which scripts/test exports.
public final class DedicatedBroker: Sendable {
    private let server: ServerProcess
    public var port: Int { server.port }
    public var bootstrapServers: String { "127.0.0.1:\(port)" }

    public init() throws {
        server = try ServerProcess()
    }

    public static var binary: String? { ProcessInfo.processInfo.environment["COMMERCE_TANSU_BIN"] }

    public func start() async throws {
        guard let binary = Self.binary else { throw BrokerError.notConfigured }
        try await server.start(binary, [
            "broker", "--storage-engine", "memory://tansu/",
            "--listener-url", "tcp://127.0.0.1:\(port)", "--advertised-listener-url", "tcp://127.0.0.1:\(port)",
        ])
    }

    /// Kills the broker (SIGKILL, as a crash would), and waits until it is gone.
    public func stop() async {
        server.stop()
    }

    enum BrokerError: Error { case notConfigured }

    public static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}
