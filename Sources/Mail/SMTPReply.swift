/// One SMTP reply: its code and its text lines joined.
struct SMTPReply: Sendable, Equatable {
    let code: Int
    let text: String
}
