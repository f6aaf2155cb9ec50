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
    /// The language of the content (`Content-Language`), a BCP 47 tag.
    public var language: String?
    /// For marketing mail: the one-click unsubscribe URL (RFC 8058), sent as `List-Unsubscribe`
    /// with `List-Unsubscribe-Post`, so that mail clients offer their own button for it.
    public var unsubscribeURL: String?

    public init(
        from: MailAddress, to: MailAddress, subject: String, text: String, html: String, messageID: String, date: Date = Date(),
        language: String? = nil, unsubscribeURL: String? = nil
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.messageID = messageID
        self.date = date
        self.language = language
        self.unsubscribeURL = unsubscribeURL
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
        ]
        if let language { lines.append("Content-Language: \(language)") }
        if let unsubscribeURL {
            lines += ["List-Unsubscribe: <\(unsubscribeURL)>", "List-Unsubscribe-Post: List-Unsubscribe=One-Click"]
        }
        lines += [
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
