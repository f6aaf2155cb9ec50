import EventStore
import Foundation
import Logging
import Mail
import PostgresNIO
import ServiceLifecycle

/// Delivers the outbox's due mails (``MailOutbox``): a few at a time, each row locked while it
/// is sent so that several servers never send one mail twice. A failure for now (the SMTP
/// server down, a 4xx) is retried with exponential backoff and jitter up to `giveUpAfter`; a
/// refusal (5xx) ends the mail as failed at once. Either way the row records it, and a sent or
/// failed mail's message is wiped (it may hold a token).
///
/// A crash after the server accepted a mail and before the row says so sends it again on
/// restart, with the same Message-ID: at least once, and recognisably the same mail.
public struct MailOutboxSender: Service {
    public struct Configuration: Sendable {
        /// How often the outbox is looked at when it had nothing due (one indexed read).
        public var pollInterval: Duration = .milliseconds(500)
        public var firstRetryAfter: TimeInterval = 2
        public var longestRetryAfter: TimeInterval = 600
        public var giveUpAfter: TimeInterval = 24 * 3600
        public var batchSize = 10

        public init() {}
    }

    let client: PostgresClient
    let mailer: any Mailer
    let configuration: Configuration
    let logger: Logger

    public init(client: PostgresClient, mailer: any Mailer, configuration: Configuration = Configuration(), logger: Logger) {
        self.client = client
        self.mailer = mailer
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        try await pollDue(every: configuration.pollInterval, batchSize: configuration.batchSize, logger: logger, label: "mail outbox") { try await sendDue() }
    }

    /// Sends what is due now; returns how many mails it handled.
    @discardableResult
    func sendDue() async throws -> Int {
        // Most looks find nothing: one read answers that, without a transaction or row locks.
        let anyDue = try await client.query(
            "SELECT EXISTS (SELECT 1 FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= now())", logger: logger
        ).decode(Bool.self).collectAll().first ?? false
        guard anyDue else { return 0 }
        return try await client.withWatchedTransaction(logger: logger) { connection in
            let due = try await connection.query(
                """
                SELECT mail_id, message, attempts, created_at FROM mail_outbox
                WHERE status = 'pending' AND next_attempt_at <= now()
                ORDER BY next_attempt_at LIMIT \(configuration.batchSize) FOR UPDATE SKIP LOCKED
                """,
                logger: logger
            ).decode((UUID, String?, Int, Date).self).collectAll()
            for (id, json, attempts, createdAt) in due {
                let outcome: MailError?
                if let json, let message = try? JSONDecoder().decode(MailMessage.self, from: Data(json.utf8)) {
                    do {
                        try await mailer.send(message)
                        outcome = nil
                    } catch let error as MailError {
                        outcome = error
                    } catch {
                        outcome = .transient("\(error)")
                    }
                } else {
                    outcome = .permanent("the stored message cannot be read")
                }
                try await record(id, outcome: outcome, attempts: attempts + 1, createdAt: createdAt, on: connection)
            }
            return due.count
        }
    }

    private func record(_ id: UUID, outcome: MailError?, attempts: Int, createdAt: Date, on connection: PostgresConnection) async throws {
        guard let outcome else {
            try await connection.query(
                "UPDATE mail_outbox SET status = 'sent', attempts = \(attempts), sent_at = now(), message = NULL, last_error = NULL WHERE mail_id = \(id)",
                logger: logger
            )
            return
        }
        let retryAfter = min(configuration.longestRetryAfter, configuration.firstRetryAfter * pow(2, Double(attempts - 1))) * Double.random(in: 0.5...1)
        let next = Date().addingTimeInterval(retryAfter)
        if outcome.isPermanent || next.timeIntervalSince(createdAt) > configuration.giveUpAfter {
            logger.error("mail \(id) given up after \(attempts) attempt(s): \(outcome)")
            try await connection.query(
                "UPDATE mail_outbox SET status = 'failed', attempts = \(attempts), message = NULL, last_error = \(outcome.description) WHERE mail_id = \(id)",
                logger: logger
            )
        } else {
            logger.warning("mail \(id) not sent (attempt \(attempts)), retried in \(Int(retryAfter)) s: \(outcome)")
            try await connection.query(
                "UPDATE mail_outbox SET attempts = \(attempts), next_attempt_at = \(next), last_error = \(outcome.description) WHERE mail_id = \(id)",
                logger: logger
            )
        }
    }
}
