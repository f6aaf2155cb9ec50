import Foundation

/// Where account e-mails go: `SMTP_URL` (`smtp://host:port`) and the sender address.
public struct SMTPSettings: Sendable, Equatable {
    public var host: String
    public var port: Int
    /// The name this client gives itself in EHLO.
    public var heloName: String
    /// For the whole conversation of one message.
    public var timeout: Duration

    public init(host: String, port: Int, heloName: String = "commerce.localhost", timeout: Duration = .seconds(30)) {
        self.host = host
        self.port = port
        self.heloName = heloName
        self.timeout = timeout
    }

    /// Parses `smtp://host[:port]` (port 25 when left out).
    /// - Throws: ``MailError/permanent(_:)`` naming what is wrong: another scheme, credentials
    ///   (no AUTH without TLS yet), a path or query.
    public init(url text: String) throws(MailError) {
        guard let url = URLComponents(string: text), url.scheme == "smtp", let host = url.host, !host.isEmpty else {
            throw .permanent("SMTP_URL must look like smtp://host:port, not \(text.debugDescription)")
        }
        guard url.user == nil, url.password == nil else {
            throw .permanent("SMTP_URL: credentials are not supported yet (no AUTH without STARTTLS); use a relay that trusts this host")
        }
        guard url.path.isEmpty || url.path == "/", url.query == nil else {
            throw .permanent("SMTP_URL takes no path or query: \(text.debugDescription)")
        }
        self.init(host: host, port: url.port ?? 25)
    }
}
