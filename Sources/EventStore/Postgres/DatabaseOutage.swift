import _ConnectionPoolModule
import PostgresNIO

/// Tells a database that cannot be reached or went away (an outage: answer 503, retry later)
/// from a statement that failed (a bug or bad data).
public enum DatabaseOutage {
    /// Whether `error` says the server was not there: no connection, a connection closed under
    /// the statement, the server shutting down or starting up (SQLSTATE classes 08 and 57P).
    public static func explains(_ error: any Error) -> Bool {
        switch error {
        case let transaction as PostgresTransactionError:
            return [transaction.beginError, transaction.closureError, transaction.commitError].contains { $0.map(explains) ?? false }
        case let psql as PSQLError:
            if let state = psql.serverInfo?[.sqlState] { return isOutage(sqlState: state) }
            // A connection closed after the server said it terminates it (57P01) comes wrapped.
            return [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed].contains(psql.code)
                || psql.underlying.map(explains) == true
        case is ConnectionClosedError:
            // A statement given up on a connection closed under it (``ClosedConnectionWatch``).
            return true
        case is ConnectionPoolError:
            // No connection could be made for a while (the pool's circuit breaker is open).
            return true
        case let store as EventStoreError:
            return store.code == .unavailable
        default:
            return false
        }
    }

    /// Connection exceptions (08…) and the server shutting down or not ready (57P…).
    public static func isOutage(sqlState: String) -> Bool {
        sqlState.hasPrefix("08") || sqlState.hasPrefix("57P")
    }
}
