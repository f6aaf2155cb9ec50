import NIOConcurrencyHelpers
import PostgresNIO

extension PostgresConnection {
    /// Opens a connection with `connect`, giving up after `timeout` without waiting for the
    /// attempt (``abandoningAfter(_:_:)``: a server that does not answer may not answer its
    /// cancellation either). A connection that arrives after its attempt was given up is closed
    /// by whichever side comes second, so none is left open, nor dropped unclosed (which a debug
    /// build's `PostgresConnection` deinit treats as a fatal error). A failed close leaves
    /// nothing to do, and it is not awaited by the caller's side: a server that would not answer
    /// the connect may not answer the close either.
    public static func connect(
        abandoningAfter timeout: Duration, _ connect: @escaping @Sendable () async throws -> PostgresConnection
    ) async throws -> PostgresConnection {
        let attempt = NIOLockedValueBox<(connection: PostgresConnection?, abandoned: Bool)>((nil, false))
        do {
            return try await abandoningAfter(timeout) {
                let opened = try await connect()
                let abandoned = attempt.withLockedValue { attempt in
                    attempt.connection = opened
                    return attempt.abandoned
                }
                if abandoned { try? await opened.close() }
                return opened
            }
        } catch {
            let late = attempt.withLockedValue { attempt in
                attempt.abandoned = true
                return attempt.connection
            }
            if let late { Task { try? await late.close() } }
            throw error
        }
    }
}
