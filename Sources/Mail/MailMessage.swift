import Foundation

/// An e-mail as sent: one recipient, a subject, and the same content as plain text and as HTML
/// (multipart/alternative, so every client shows one of them). ``rendered()`` gives the RFC 5322
/// message, UTF-8 throughout, bodies quoted-printable so that no line exceeds SMTP's limit.
public struct MailMessage: Sendable, Equatable, Codable {
    public var from: MailAddress
    public var to: MailAddress
    public var subject: String
    public var text: String
    public var html: String
    /// Without angle brackets; unique per message, so a receiver can tell a resend of the same
    /// message from a new one.
    public var messageID: String
    public var date: Date

    public init(from: MailAddress, to: MailAddress, subject: String, text: String, html: String, messageID: String, date: Date = Date()) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageID = messageID
        self.date = date
    }

    /// The message with CRLF line ends, ready for SMTP's DATA.
    public func rendered() -> String {
        let boundary = "=_commerce_" + String(messageID.utf8.reduce(into: UInt64(14_695_981_039_346_656_037)) { $0 = ($0 ^ UInt64($1)) &* 1_099_511_628_211 }, radix: 36)
        var lines = [
            "From: \(from.header)",
            "To: \(to.header)",
            "Subject: \(MailHeader.encodedWords(subject))",
            "Date: \(MailHeader.date(date))",
            "Message-ID: <\(messageID)>",
            "MIME-Version: 1.0",
            "Content-Type: multipart/alternative; boundary=\"\(boundary)\"",
            "",
        ]
        for (type, body) in [("text/plain", text), ("text/html", html)] {
            lines += [
                "--\(boundary)",
                "Content-Type: \(type); charset=utf-8",
                "Content-Transfer-Encoding: quoted-printable",
                "",
                QuotedPrintable.encode(body),
            ]
        }
        lines.append("--\(boundary)--")
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
