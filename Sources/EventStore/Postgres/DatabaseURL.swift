import Foundation
import PostgresNIO

/// A PostgreSQL connection URL: `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]`.
///
/// Parsing is strict so that a typo in `DATABASE_URL` fails at start-up with a precise reason
/// instead of surfacing later as a connection error.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tlsMode: TLSMode

    public init(host: String, port: Int = 5432, username: String, password: String? = nil, database: String, tlsMode: TLSMode = .disable) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.tlsMode = tlsMode
    }

    /// Parses a URL string.
    /// - Throws: ``ParseError`` saying which part is wrong.
    public init(_ string: String) throws(ParseError) {
        guard let components = URLComponents(string: string), let scheme = components.scheme else {
            throw ParseError("not a URL (expected postgres://user@host:port/database)")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw ParseError("scheme must be postgres:// or postgresql://, not \(scheme)://")
        }
        guard let host = components.host, !host.isEmpty else { throw ParseError("missing host") }
        guard let user = components.user, !user.isEmpty else { throw ParseError("missing user name") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else { throw ParseError("missing or invalid database name in the path") }
        if let port = components.port, !(1...65535).contains(port) { throw ParseError("port \(port) is out of range") }

        var tlsMode = TLSMode.disable
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw ParseError("sslmode must be disable, prefer or require, not \(item.value ?? "empty")")
                }
                tlsMode = mode
            default:
                throw ParseError("unsupported query parameter \(item.name)")
            }
        }
        self.init(
            host: host, port: components.port ?? 5432,
            username: user.removingPercentEncoding ?? user,
            password: components.password.map { $0.removingPercentEncoding ?? $0 },
            database: database, tlsMode: tlsMode
        )
    }

    /// The same server, another database (tests create one database each).
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// The pool size of a process's client, unless it asks for another.
    public static let defaultPoolSize = 20

    /// This process's connections name it in `pg_stat_activity.application_name`, so that
    /// `/metrics` can count its pool's connections in use.
    public static let applicationName = "commerce-\(ProcessInfo.processInfo.processIdentifier)"

    /// A configuration for postgres-nio's `PostgresClient`. A long-running process (the server,
    /// the workers) keeps all its connections open (`keepingAllOpen`); one-shot commands and
    /// tests open them as needed and close them after a minute idle.
    ///
    /// postgres-nio's pool starts two timers each time a connection goes back to it idle — the
    /// keep-alive ping and, for a connection above the minimum, the idle timeout — and cancels
    /// them when the connection is leased again: under load, once per statement. Each timer is a
    /// task sleeping 30 or 60 s. Under the HTTP bench's add-to-cart load they held the server at
    /// ~270 MiB (179 MiB without the keep-alive, 63 MiB without either: cancelled sleeps are not
    /// given back before their deadline) and cost a fifth of its throughput. So no pool keeps
    /// connections alive with pings (a connection that closed is noticed by
    /// ``ClosedConnectionWatch``, and a request's deadline bounds any other wait), and a process
    /// that keeps all its connections has none above the minimum: no timer at all.
    public func clientConfiguration(maximumConnections: Int = DatabaseURL.defaultPoolSize, keepingAllOpen: Bool = false) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS
        switch tlsMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(.makeClientConfiguration())
        case .require: tls = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls
        )
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = keepingAllOpen ? maximumConnections : 0
        configuration.options.keepAliveBehavior = nil
        configuration.options.connectTimeout = .seconds(5)
        // Our statements are short and run often; JIT compilation pays off only for long
        // analytical scans. Above its cost threshold — which a report over a year of day ranges
        // reaches on the planner's row estimates alone — PostgreSQL spends tens of
        // milliseconds compiling a query that then runs in ten.
        configuration.options.additionalStartupParameters = [("jit", "off"), ("application_name", Self.applicationName)]
        return configuration
    }

    /// A configuration for one `PostgresConnection` of its own, outside any pool.
    public func connectionConfiguration(connectTimeout: Duration = .seconds(2)) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch tlsMode {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try .init(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try .init(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .milliseconds(Int64(connectTimeout.components.seconds * 1000 + connectTimeout.components.attoseconds / 1_000_000_000_000_000))
        return configuration
    }

    /// The URL as a string, password included (for handing to another process).
    public var urlString: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = username
        components.password = password
        components.host = host
        components.port = port
        components.path = "/" + database
        if tlsMode != .disable { components.queryItems = [URLQueryItem(name: "sslmode", value: tlsMode.rawValue)] }
        return components.string!
    }

    /// The URL with the password hidden, safe for logs and error messages.
    public var description: String {
        "postgres://\(username)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
    }

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let reason: String
        init(_ reason: String) { self.reason = reason }
        public var description: String { reason }
    }
}
