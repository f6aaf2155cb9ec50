import EventStore
import Foundation
import Logging
import PostgresNIO

/// `process_failures`: commands a process manager gave that the domain (or the gateway, for
/// good) refused. Each is recorded with its cause in the transaction that moves the process past
/// it, so nothing is retried for ever and nothing is skipped unseen.
public struct ProcessFailures: Sendable {
    public struct Failure: Sendable, Codable, Equatable {
        public let failureId: Int64
        public let process: String
        public let eventId: String?
        public let position: Int64?
        public let stream: String
        public let eventType: String?
        public let command: String
        public let code: String
        public let message: String
        public let failedAt: Date
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public static func record(
        process: String, event: RecordedEvent?, stream: String, command: String, code: String, message: String,
        on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            """
            INSERT INTO process_failures (process, event_id, position, stream_name, event_type, command, code, message)
            VALUES (\(process), \(event?.id), \(event?.position), \(stream), \(event?.type), \(command), \(code), \(String(message.prefix(2000))))
            """,
            logger: logger
        )
    }

    /// The most recent failures first; of one process when named.
    public func list(process: String? = nil, limit: Int = 100) async throws -> [Failure] {
        let rows = try await client.query(
            """
            SELECT failure_id, process, event_id::text, position, stream_name, event_type, command, code, message, failed_at
            FROM process_failures WHERE \(process)::text IS NULL OR process = \(process)
            ORDER BY failure_id DESC LIMIT \(limit)
            """,
            logger: logger
        )
        var failures: [Failure] = []
        for try await (id, process, eventID, position, stream, type, command, code, message, at) in rows.decode(
            (Int64, String, String?, Int64?, String, String?, String, String, String, Date).self
        ) {
            failures.append(Failure(failureId: id, process: process, eventId: eventID, position: position, stream: stream, eventType: type,
                                    command: command, code: code, message: message, failedAt: at))
        }
        return failures
    }

    /// How many refusals each process has recorded (processes with none are absent).
    public func counts() async throws -> [String: Int64] {
        let rows = try await client.query("SELECT process, count(*) FROM process_failures GROUP BY process", logger: logger)
        var counts: [String: Int64] = [:]
        for try await (process, count) in rows.decode((String, Int64).self) { counts[process] = count }
        return counts
    }
}
