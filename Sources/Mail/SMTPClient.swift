import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Sends messages over SMTP (RFC 5321): greeting, EHLO (HELO for servers without ESMTP),
/// STARTTLS (RFC 3207) when offered or required, or TLS from the start, AUTH PLAIN or LOGIN
/// (RFC 4954) when configured — only once the connection is encrypted — then MAIL FROM,
/// RCPT TO, DATA with dot-stuffing, QUIT: one connection per message. See ``SMTPSettings``.
public struct SMTPClient: Mailer {
    public let settings: SMTPSettings
    private let tls: Result<NIOSSLContext, any Error>

    public init(settings: SMTPSettings) {
        self.settings = settings
        tls = Result {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let file = settings.trustedCAFile { configuration.trustRoots = .file(file) }
            return try NIOSSLContext(configuration: configuration)
        }
    }

    public func send(_ message: MailMessage) async throws(MailError) {
        do {
            // One deadline for the whole conversation: a server that stops answering is given up on.
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await deliver(message) }
                group.addTask {
                    try await Task.sleep(for: settings.timeout)
                    throw MailError.transient("SMTP \(settings.host):\(settings.port): no answer within \(settings.timeout)")
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        } catch let error as MailError {
            throw error
        } catch {
            // Connection refused, reset, timed out: worth trying again later.
            throw MailError.transient("SMTP \(settings.host):\(settings.port): \(error)")
        }
    }

    private func deliver(_ message: MailMessage) async throws {
        // An address with a line break or angle brackets would end the command or the header it
        // stands in and start another: such a message is refused, never sent.
        for address in [message.from.address, message.to.address] where !Self.isPlain(address) {
            throw MailError.permanent("SMTP: \(address.debugDescription) is not an address this client sends to")
        }
        let implicitTLS = settings.security == .implicitTLS ? try tls.get() : nil
        let serverName = Self.isIPAddress(settings.host) ? nil : settings.host
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(Int64(settings.timeout.components.seconds)))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let implicitTLS { try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: implicitTLS, serverHostname: serverName)) }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        try await channel.executeThenClose { inbound, outbound in
            var replies = SMTPReplyReader(inbound.makeAsyncIterator())
            /// - Parameter label: what errors call the command (never the command itself, which may be a password).
            func expect(_ codes: Set<Int>, after command: String?, label: String? = nil, failure: ((SMTPReply) -> MailError)? = nil) async throws -> SMTPReply {
                if let command { try await outbound.write(ByteBuffer(string: command + "\r\n")) }
                let reply = try await replies.next()
                guard codes.contains(reply.code) else {
                    if let failure { throw failure(reply) }
                    let what = label ?? command.map { String($0.prefix(while: { $0 != ":" && $0 != " " })) } ?? "greeting"
                    throw reply.code >= 500
                        ? MailError.permanent("SMTP \(what): \(reply.code) \(reply.text)")
                        : MailError.transient("SMTP \(what): \(reply.code) \(reply.text)")
                }
                return reply
            }
            func hello() async throws -> SMTPReply {
                do {
                    return try await expect([250], after: "EHLO \(settings.heloName)")
                } catch MailError.permanent {
                    return try await expect([250], after: "HELO \(settings.heloName)")
                }
            }
            _ = try await expect([220], after: nil)
            var capabilities = try await hello()
            var encrypted = implicitTLS != nil
            if !encrypted, settings.security == .startTLSRequired || capabilities.extensions.contains("STARTTLS") {
                guard capabilities.extensions.contains("STARTTLS") else {
                    // A configuration to fix, not a refusal of this mail: it waits until then.
                    throw MailError.transient("SMTP \(settings.host): the server offers no STARTTLS, which this configuration requires (it offers \(capabilities.extensions.joined(separator: ", ")))")
                }
                _ = try await expect([220], after: "STARTTLS")
                let context = try tls.get()
                let underlying = channel.channel
                try await underlying.eventLoop.submit {
                    try underlying.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: serverName), position: .first)
                }.get()
                encrypted = true
                // RFC 3207: everything learnt before TLS is forgotten; ask again.
                capabilities = try await expect([250], after: "EHLO \(settings.heloName)")
            }
            if let credentials = settings.credentials {
                guard encrypted else { throw MailError.transient("SMTP \(settings.host): credentials are sent only over TLS") }
                // A refused sign-in is the configuration's fault: mails wait until it is fixed.
                let refused: (SMTPReply) -> MailError = { MailError.transient("SMTP AUTH: \($0.code) \($0.text)") }
                let mechanisms = capabilities.authMechanisms
                if mechanisms.contains("PLAIN") || !mechanisms.contains("LOGIN") {
                    let token = Data(([0] + Array(credentials.user.utf8) + [0] + Array(credentials.password.utf8))).base64EncodedString()
                    _ = try await expect([235], after: "AUTH PLAIN \(token)", label: "AUTH PLAIN", failure: refused)
                } else {
                    _ = try await expect([334], after: "AUTH LOGIN", label: "AUTH LOGIN", failure: refused)
                    _ = try await expect([334], after: Data(credentials.user.utf8).base64EncodedString(), label: "AUTH LOGIN user", failure: refused)
                    _ = try await expect([235], after: Data(credentials.password.utf8).base64EncodedString(), label: "AUTH LOGIN password", failure: refused)
                }
            }
            _ = try await expect([250], after: "MAIL FROM:<\(message.from.address)>")
            _ = try await expect([250, 251], after: "RCPT TO:<\(message.to.address)>")
            _ = try await expect([354], after: "DATA")
            try await outbound.write(ByteBuffer(string: Self.dotStuffed(message.rendered()) + ".\r\n"))
            _ = try await expect([250], after: nil)
            // The message is accepted; a failing QUIT changes nothing.
            _ = try? await expect([221], after: "QUIT")
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    static func isPlain(_ address: String) -> Bool {
        !address.isEmpty && address.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && $0 != "<" && $0 != ">" }
    }

    /// A line starting with "." gets another, so that no line of the message reads as the end
    /// of the data (RFC 5321 §4.5.2).
    static func dotStuffed(_ rendered: String) -> String {
        rendered.replacingOccurrences(of: "\r\n.", with: "\r\n..").replacing(/^\./, with: "..")
    }
}
