/// Sends one e-mail. ``SMTPClient`` is the real one; the notifications issue adds channels.
public protocol Mailer: Sendable {
    func send(_ message: MailMessage) async throws(MailError)
}
