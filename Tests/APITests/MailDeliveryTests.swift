@testable import API
@testable import Notifications
import Foundation
import Mail
import PostgresNIO
import Testing
import TestSupport

/// The SMTP client against the development SMTP server, and the outbox's retries.
@Suite("Mail: messages, the SMTP client and the outbox")
struct MailDeliveryTests {
    let mailbox = Mailbox()

    static func message(to address: String, text: String, subject: String = "Grüße aus Köln — 注文確認") -> MailMessage {
        MailMessage(
            from: MailAddress("shop@commerce.localhost", name: "Commerce Shop"), to: MailAddress(address), subject: subject,
            text: text, html: "<p>\(text)</p>", messageID: "\(UUID().uuidString.lowercased())@commerce.localhost"
        )
    }

    @Test("a message's lines stay under SMTP's limit, its subject is encoded words, and its text survives quoted-printable")
    func rendering() {
        let text = "Zeile eins mit Umlauten: äöü ß.\n.a line that starts with a dot\n" + String(repeating: "long words without end ", count: 20) + "\ntrailing space "
        let rendered = Self.message(to: "x@example.com", text: text).rendered()
        let lines = rendered.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        #expect(rendered.utf8.allSatisfy { $0 < 128 }, "7-bit clean")
        let subject = lines.first { $0.hasPrefix("Subject: ") }!
        #expect(subject.hasPrefix("Subject: =?utf-8?B?"))
        let parsed = Mailbox.parse(rendered)
        #expect(parsed.text == text)
        #expect(parsed.html == "<p>\(text)</p>")
    }

    @Test("the SMTP client delivers to the development server, dot-stuffing lines that start with a dot")
    func delivers() async throws {
        let settings = try SMTPSettings(url: try #require(ProcessInfo.processInfo.environment["SMTP_URL"]))
        let address = "smtp-\(UUID().uuidString.prefix(8).lowercased())@mail.example"
        let message = Self.message(to: address, text: ".\n..two dots\nend")
        try await SMTPClient(settings: settings).send(message)
        let received = try await mailbox.waitForMessages(to: address)
        #expect(received.count == 1)
        #expect(received[0].text == ".\n..two dots\nend")
        #expect(received[0].messageID == "<\(message.messageID)>")
        #expect(received[0].headers["x-envelope-from"] == "shop@commerce.localhost")
    }

    @Test("a server that cannot be reached is a failure for now, not a refusal; SMTP_URL is checked")
    func unreachable() async throws {
        let port = try closedPort()
        do {
            try await SMTPClient(settings: SMTPSettings(host: "127.0.0.1", port: port, timeout: .seconds(5))).send(Self.message(to: "x@example.com", text: "x"))
            Issue.record("sent to a closed port")
        } catch {
            #expect(!error.isPermanent)
        }
        for bad in ["http://mail.example.com", "smtp://user@mail.example.com", "smtp://", "smtp://mail.example.com/path", "smtp://mail.example.com?tls=maybe",
                    "smtp://u:p@mail.example.com?starttls=when-offered", "smtp://mail.example.com?ca=/nonexistent/ca.pem"] {
            #expect(throws: MailError.self) { try SMTPSettings(url: bad) }
        }
        #expect(try SMTPSettings(url: "smtp://mail.example.com") == SMTPSettings(host: "mail.example.com", port: 25))
        let submission = try SMTPSettings(url: "smtp://shop%40example.com:p%3Ass@mail.example.com")
        #expect(submission.port == 587 && submission.security == .startTLSRequired && submission.credentials == .init(user: "shop@example.com", password: "p:ss"))
        #expect(!String(describing: submission).contains("p:ss") && !String(reflecting: submission).contains("p:ss"), "settings print without the password")
        #expect(try SMTPSettings(url: "smtps://u:p@mail.example.com").port == 465)
        #expect(try SMTPSettings(url: "smtp://mail.example.com?starttls=required").security == .startTLSRequired)
        do {
            _ = try SMTPSettings(url: "smtp://user:hunter2-secret@mail.example.com?bogus=1")
        } catch {
            #expect(!error.description.contains("hunter2"), "an error never repeats the password")
        }
        // A line break in an address would start a command of its own: refused before connecting.
        let injected = Self.message(to: "x@example.com>\r\nRCPT TO:<y@example.com", text: "x")
        let nowhere = SMTPClient(settings: SMTPSettings(host: "127.0.0.1", port: try closedPort()))
        do {
            try await nowhere.send(injected)
            Issue.record("sent")
        } catch {
            #expect(error.isPermanent)
        }
    }

    @Test("the outbox retries a mail the server could not take, with backoff, and sends it once the server answers; a sent mail keeps no message")
    func outboxRetries() async throws {
        try await withTestDatabase { postgres, _ in
            let address = "outbox-\(UUID().uuidString.prefix(8).lowercased())@mail.example"
            let message = Self.message(to: address, text: "hello")
            let json = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
            try await postgres.query("INSERT INTO mail_outbox (mail_id, kind, recipient, message) VALUES (\(UUID()), 'verify_email', \(address), \(json))")
            var configuration = MailOutboxSender.Configuration()
            configuration.firstRetryAfter = 60
            let down = MailOutboxSender(
                client: postgres, mailer: SMTPClient(settings: SMTPSettings(host: "127.0.0.1", port: try closedPort(), timeout: .seconds(5))),
                configuration: configuration, logger: TestEnvironment.logger
            )
            #expect(try await down.sendDue() == 1)
            let (attempts, status, error, wait) = try await postgres.query(
                "SELECT attempts, status, last_error, extract(epoch FROM next_attempt_at - now())::float8 FROM mail_outbox"
            ).decode((Int, String, String?, Double).self).collectAll()[0]
            #expect(attempts == 1 && status == "pending" && error != nil)
            #expect(wait > 25 && wait <= 60, "retried after the first backoff, with jitter: \(wait)")
            #expect(try await down.sendDue() == 0, "not due yet")

            try await postgres.query("UPDATE mail_outbox SET next_attempt_at = now()")
            let up = MailOutboxSender(
                client: postgres, mailer: SMTPClient(settings: try SMTPSettings(url: try #require(ProcessInfo.processInfo.environment["SMTP_URL"]))),
                logger: TestEnvironment.logger
            )
            #expect(try await up.sendDue() == 1)
            let received = try await mailbox.waitForMessages(to: address)
            #expect(received.map(\.messageID) == ["<\(message.messageID)>"])
            let row = try await postgres.query("SELECT attempts, status, message IS NULL, sent_at IS NOT NULL FROM mail_outbox").decode((Int, String, Bool, Bool).self).collectAll()[0]
            #expect(row.0 == 2 && row.1 == "sent" && row.2 && row.3)
            #expect(try await up.sendDue() == 0)
        }
    }

    @Test("the SMTP server down for 30 s: every mail waiting in the outbox arrives once it is back, each once")
    func smtpOutage() async throws {
        try await withTestDatabase { postgres, _ in
            let server = try DedicatedSMTPServer()
            try await server.start()
            let userID = "outage-user"
            try await postgres.query("INSERT INTO users (user_id, email, password_hash, role) VALUES (\(userID), 'outage@mail.example', 'x', 'customer')")
            var configuration = MailOutboxSender.Configuration()
            configuration.pollInterval = .milliseconds(100)
            configuration.firstRetryAfter = 1
            configuration.longestRetryAfter = 4
            // A slow answer from a loaded development server must not count as a failure (it
            // would send the mail again): the outage is what is tested, not the timeout.
            let sender = MailOutboxSender(
                client: postgres, mailer: SMTPClient(settings: SMTPSettings(host: "127.0.0.1", port: server.port, timeout: .seconds(30))),
                configuration: configuration, logger: TestEnvironment.logger
            )
            server.stop()
            let messages = (0..<10).map { Self.message(to: "outage-\($0)@mail.example", text: "mail \($0)", subject: "Outage \($0)") }
            try await withServices([sender]) {
                for (index, message) in messages.enumerated() {
                    _ = try await postgres.withConnection { connection in
                        try await MailOutbox.enqueue(message, kind: .orderPlaced, userID: userID, deliveryKey: "outage-\(index)", eventID: UUID(), on: connection, logger: TestEnvironment.logger)
                    }
                }
                // The outage itself is what is tested: 30 s of refused connections.
                try await Task.sleep(for: .seconds(30))
                // Every mail was tried and retried during the outage (a loaded machine may still be
                // on some second attempt as the 30 s end: the outage goes on until they are done).
                try await waitUntil(timeout: .seconds(30)) {
                    (try? await postgres.query("SELECT count(*)::int FROM mail_outbox WHERE status = 'pending' AND attempts >= 2")
                        .decode(Int.self).collectAll()[0]) == 10
                }
                try await server.start()
                try await waitUntil(timeout: .seconds(90)) { server.mailbox.all().count >= 10 }
                try await waitUntil(timeout: .seconds(60)) {
                    (try? await postgres.query("SELECT count(*)::int FROM mail_outbox WHERE status = 'sent'").decode(Int.self).collectAll()[0]) == 10
                }
            }
            let received = server.mailbox.all()
            #expect(received.count == 10)
            #expect(Set(received.map(\.messageID)) == Set(messages.map { "<\($0.messageID)>" }), "each mail arrived, once")
        }
    }

    /// A certificate for `localhost` (and 127.0.0.1), made with openssl for the test.
    static func certificate() throws -> (certificate: String, key: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("commerce-tls-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let made = try runExternalProcess("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate, "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ])
        guard made.status == 0 else { throw MailError.permanent("openssl: \(made.errors)") }
        return (certificate, key)
    }

    @Test("STARTTLS and AUTH: a server that requires both gets the mail over TLS after sign-in; a wrong password, an untrusted certificate and a server without STARTTLS when it is required are failures for now")
    func startTLSAndAuth() async throws {
        let (certificate, key) = try Self.certificate()
        let server = try DedicatedSMTPServer(options: ["--starttls", certificate, key, "--auth", "shop:s3cret pass"])
        try await server.start()
        defer { server.stop() }
        let address = "tls-\(UUID().uuidString.prefix(8).lowercased())@mail.example"
        let client = SMTPClient(settings: try SMTPSettings(url: "smtp://shop:s3cret%20pass@localhost:\(server.port)?ca=\(certificate)"))
        try await client.send(Self.message(to: address, text: "over TLS"))
        let received = try await server.mailbox.waitForMessages(to: address)
        #expect(received.count == 1 && received[0].text.contains("over TLS"))

        let wrong = SMTPClient(settings: try SMTPSettings(url: "smtp://shop:wrong@localhost:\(server.port)?ca=\(certificate)"))
        do {
            try await wrong.send(Self.message(to: address, text: "x"))
            Issue.record("sent with a wrong password")
        } catch {
            #expect(!error.isPermanent && error.description.contains("AUTH"), "\(error)")
        }
        // The system's roots do not know the test's certificate: no mail, no credentials sent.
        let untrusted = SMTPClient(settings: try SMTPSettings(url: "smtp://shop:s3cret%20pass@localhost:\(server.port)"))
        do {
            try await untrusted.send(Self.message(to: address, text: "x"))
            Issue.record("sent to an untrusted server")
        } catch {
            #expect(!error.isPermanent)
        }
        // Without credentials the server still demands STARTTLS first; the client takes it when offered.
        let noAuth = SMTPClient(settings: try SMTPSettings(url: "smtp://localhost:\(server.port)?ca=\(certificate)"))
        do {
            try await noAuth.send(Self.message(to: address, text: "x"))
            Issue.record("the server accepted mail without sign-in")
        } catch {
            #expect(error.description.contains("530") || error.description.contains("AUTH") || error.description.contains("MAIL"), "\(error)")
        }
        #expect(server.mailbox.messages(to: address).count == 1)

        // The shared development server offers no STARTTLS: a configuration that requires it sends nothing.
        let plainURL = try #require(ProcessInfo.processInfo.environment["SMTP_URL"])
        let required = SMTPClient(settings: try SMTPSettings(url: plainURL + "?starttls=required"))
        do {
            try await required.send(Self.message(to: address, text: "x"))
            Issue.record("sent in the clear")
        } catch {
            #expect(!error.isPermanent && error.description.contains("STARTTLS"))
        }
    }

    @Test("TLS from the first byte (smtps) with AUTH LOGIN, where the server offers no PLAIN, delivers")
    func implicitTLS() async throws {
        let (certificate, key) = try Self.certificate()
        let server = try DedicatedSMTPServer(options: ["--implicit-tls", certificate, key, "--auth", "shop:secret", "--login-only"])
        try await server.start()
        defer { server.stop() }
        let address = "smtps-\(UUID().uuidString.prefix(8).lowercased())@mail.example"
        let client = SMTPClient(settings: try SMTPSettings(url: "smtps://shop:secret@localhost:\(server.port)?ca=\(certificate)"))
        try await client.send(Self.message(to: address, text: "implicit"))
        #expect(try await server.mailbox.waitForMessages(to: address).count == 1)
    }
}
