import Notifications
import Foundation
import Logging
import PostgresNIO

/// Registration through the API. Its answer is the same whether the address is new or taken —
/// the difference goes to the address's mailbox: a verification e-mail for a new account, a
/// "you already have an account" e-mail for a taken one. Both cost one bcrypt hash, so the time
/// taken does not tell either.
struct Registration: Sendable {
    let accounts: Accounts
    let mails: AccountMails
    let logger: Logger

    func register(email: String, password: String) async throws {
        let email = try Accounts.normalized(email)
        try Accounts.checkPassword(password)
        let hash = try await accounts.hashPassword(password)
        try await accounts.client.withWatchedTransaction(logger: logger) { connection in
            if let userID = try await Accounts.insert(email: email, hash: hash, role: .customer, verified: false, on: connection, logger: logger) {
                let token = try await AccountTokens.issue(.verifyEmail, for: userID, on: connection, logger: logger)
                try await MailOutbox.enqueue(mails.verifyEmail(to: email, token: token), kind: .verifyEmail, userID: userID, on: connection, logger: logger)
            } else {
                let holder = try await connection.query("SELECT user_id FROM users WHERE email = \(email)", logger: logger)
                    .decode(String.self).collectAll().first
                try await MailOutbox.enqueue(mails.alreadyRegistered(to: email), kind: .alreadyRegistered, userID: holder, on: connection, logger: logger)
            }
        }
    }
}
