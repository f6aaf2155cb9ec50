import Foundation
import NIOCore
import NIOPosix

/// Sends messages over SMTP (RFC 5321): greeting, EHLO (HELO for servers without ESMTP),
/// MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT — one connection per message.
///
/// Plain SMTP to a relay the deployment trusts, as the development server is; STARTTLS and
/// AUTH belong to the notifications issue's mail channel.
public struct SMTPClient: Mailer {
    public let settings: SMTPSettings

    public init(settings: SMTPSettings) {
        self.settings = settings
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
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(Int64(settings.timeout.components.seconds)))
            .connect(host: settings.host, port: settings.port) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
        try await channel.executeThenClose { inbound, outbound in
            var replies = SMTPReplyReader(inbound.makeAsyncIterator())
            func expect(_ codes: Set<Int>, after command: String?) async throws -> SMTPReply {
                if let command { try await outbound.write(ByteBuffer(string: command + "\r\n")) }
                let reply = try await replies.next()
                guard codes.contains(reply.code) else {
                    let what = command.map { String($0.prefix(while: { $0 != ":" && $0 != " " })) } ?? "greeting"
                    throw reply.code >= 500
                        ? MailError.permanent("SMTP \(what): \(reply.code) \(reply.text)")
                        : MailError.transient("SMTP \(what): \(reply.code) \(reply.text)")
                }
                return reply
            }
            _ = try await expect([220], after: nil)
            do {
                _ = try await expect([250], after: "EHLO \(settings.heloName)")
            } catch MailError.permanent {
                _ = try await expect([250], after: "HELO \(settings.heloName)")
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

    static func isPlain(_ address: String) -> Bool {
        !address.isEmpty && address.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && $0 != "<" && $0 != ">" }
    }

    /// A line starting with "." gets another, so that no line of the message reads as the end
    /// of the data (RFC 5321 §4.5.2).
    static func dotStuffed(_ rendered: String) -> String {
        rendered.replacingOccurrences(of: "\r\n.", with: "\r\n..").replacing(/^\./, with: "..")
    }
}
