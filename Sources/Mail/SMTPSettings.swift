import Foundation

/// Where mail goes (`SMTP_URL`), how the connection is protected, and how this client signs in.
///
/// - `smtp://host[:port]` (port 25): STARTTLS when the server offers it, plain otherwise.
/// - `smtp://user:password@host[:port]` (port 587): STARTTLS required, then AUTH (PLAIN, or
///   LOGIN when that is all the server offers): credentials never travel in the clear.
/// - `smtps://[user:password@]host[:port]` (port 465): TLS from the first byte.
/// - `?starttls=required` makes STARTTLS a must without credentials; `?ca=/path/ca.pem` trusts
///   that certificate authority (a private one) instead of the system's.
///
/// User name and password are percent-decoded. The server's certificate is always checked,
/// name included.
public struct SMTPSettings: Sendable, Equatable {
    public enum Security: String, Sendable, Equatable {
        /// STARTTLS when offered, else plain (a relay on the same host or network).
        case startTLSWhenOffered
        /// STARTTLS or no mail.
        case startTLSRequired
        /// TLS from the start (port 465).
        case implicitTLS
    }

    /// Printed (in logs, in errors) without the password.
    public struct Credentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
        public var user: String
        public var password: String

        public init(user: String, password: String) {
            self.user = user
            self.password = password
        }

        public var description: String { "\(user) (password hidden)" }
        public var debugDescription: String { description }
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var credentials: Credentials?
    /// A PEM file of the certificate authorities to trust instead of the system's.
    public var trustedCAFile: String?
    /// The name this client gives itself in EHLO.
    public var heloName: String
    /// For the whole conversation of one message.
    public var timeout: Duration

    public init(
        host: String, port: Int, security: Security = .startTLSWhenOffered, credentials: Credentials? = nil, trustedCAFile: String? = nil,
        heloName: String = "commerce.localhost", timeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.credentials = credentials
        self.trustedCAFile = trustedCAFile
        self.heloName = heloName
        self.timeout = timeout
    }

    /// Parses `SMTP_URL` (see the type's documentation).
    /// - Throws: ``MailError/permanent(_:)`` naming what is wrong, never repeating the password.
    public init(url text: String) throws(MailError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme, ["smtp", "smtps"].contains(scheme), let host = url.host, !host.isEmpty else {
            throw .permanent("SMTP_URL must look like smtp://[user:password@]host[:port] or smtps://…")
        }
        guard url.path.isEmpty || url.path == "/" else { throw .permanent("SMTP_URL takes no path") }
        var credentials: Credentials?
        if url.user != nil || url.password != nil {
            guard let user = url.user, !user.isEmpty, let password = url.password, !password.isEmpty else {
                throw .permanent("SMTP_URL: give both a user name and a password, or neither")
            }
            credentials = Credentials(user: user, password: password)
        }
        var security: Security = scheme == "smtps" ? .implicitTLS : (credentials == nil ? .startTLSWhenOffered : .startTLSRequired)
        var caFile: String?
        for item in url.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("starttls", "required"):
                if security == .startTLSWhenOffered { security = .startTLSRequired }
            case ("starttls", "when-offered"):
                guard credentials == nil else { throw .permanent("SMTP_URL: with credentials, STARTTLS is required") }
            case ("ca", let path?) where !path.isEmpty:
                guard FileManager.default.isReadableFile(atPath: path) else { throw .permanent("SMTP_URL: the CA file \(path) cannot be read") }
                caFile = path
            default:
                throw .permanent("SMTP_URL: unknown option \(item.name.debugDescription) (known: starttls=required|when-offered, ca=<file>)")
            }
        }
        let port = url.port ?? (security == .implicitTLS ? 465 : (credentials == nil ? 25 : 587))
        self.init(host: host, port: port, security: security, credentials: credentials, trustedCAFile: caFile)
    }
}
