/// One SMTP reply: its code and its text lines.
struct SMTPReply: Sendable, Equatable {
    let code: Int
    let lines: [String]

    var text: String { lines.joined(separator: " ") }

    /// The extensions an EHLO reply announces (every line after the greeting), upper-cased:
    /// `STARTTLS`, `AUTH PLAIN LOGIN`, `SIZE 10240000`…
    var extensions: [String] { lines.dropFirst().map { $0.uppercased() } }

    /// The AUTH mechanisms an EHLO reply offers.
    var authMechanisms: Set<String> {
        Set(extensions.filter { $0.hasPrefix("AUTH ") || $0.hasPrefix("AUTH=") }.flatMap { $0.dropFirst(5).split(separator: " ").map(String.init) })
    }
}
