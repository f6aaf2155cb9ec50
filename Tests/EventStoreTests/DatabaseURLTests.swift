import EventStore
import PostgresNIO
import Testing

@Suite("DATABASE_URL parsing")
struct DatabaseURLTests {
    @Test func parsesAFullURL() throws {
        let url = try DatabaseURL("postgres://app:s%40cret@db.internal:6543/shop?sslmode=require")
        #expect(url == DatabaseURL(host: "db.internal", port: 6543, username: "app", password: "s@cret", database: "shop", tlsMode: .require))
        #expect(url.description == "postgres://app:***@db.internal:6543/shop")
    }

    @Test func defaultsPortAndTLS() throws {
        let url = try DatabaseURL("postgresql://app@localhost/shop")
        #expect(url.port == 5432)
        #expect(url.tlsMode == .disable)
    }

    @Test(arguments: [
        ("not a url", "not a URL"),
        ("mysql://a@b/c", "scheme must be postgres"),
        ("postgres://localhost/shop", "missing user name"),
        ("postgres://app@localhost", "missing or invalid database name"),
        ("postgres://app@localhost:70000/shop", "port"),
        ("postgres://app@localhost/shop?sslmode=always", "sslmode"),
        ("postgres://app@localhost/shop?pool=3", "unsupported query parameter pool"),
    ])
    func rejectsMalformed(input: String, reason: String) {
        let error = #expect(throws: DatabaseURL.ParseError.self) { try DatabaseURL(input) }
        #expect(error?.reason.contains(reason) == true, "\(error?.reason ?? "no error")")
    }

    /// postgres-nio's pool starts a sleeping timer task for each keep-alive and each idle timeout
    /// whenever a connection goes back to it idle (see `clientConfiguration`): a long-running
    /// process's pool must have neither, and a one-shot's none but the idle timeout.
    @Test func poolsStartNoKeepAliveAndLongRunningOnesKeepEveryConnection() throws {
        let url = try DatabaseURL("postgres://app@localhost/shop")
        let server = url.clientConfiguration(maximumConnections: 12, keepingAllOpen: true)
        #expect(server.options.keepAliveBehavior == nil)
        #expect(server.options.minimumConnections == 12 && server.options.maximumConnections == 12)
        let oneShot = url.clientConfiguration()
        #expect(oneShot.options.keepAliveBehavior == nil)
        #expect(oneShot.options.minimumConnections == 0 && oneShot.options.maximumConnections == DatabaseURL.defaultPoolSize)
    }
}
