import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
@testable import Runtime
import Testing
import TestSupport

/// Logs as JSON lines: one object per entry, secrets redacted, one access line per request.
@Suite("Logs: JSON lines and the access log")
struct LogFormatTests {
    @Test("an entry is one JSON object with time, level, logger, message and metadata; secret-named fields are redacted")
    func jsonLines() throws {
        let lines = LockedBox<[String]>([])
        var logger = Logger(label: "unit") { JSONLogHandler(label: $0, write: { line in lines.withLock { $0.append(line) } }) }
        logger.logLevel = .info
        logger[metadataKey: "request_id"] = "r-1"
        logger.info("signed in", metadata: ["user": "u-1", "password": "hunter2", "refreshToken": "abc", "Authorization": "Bearer x", "cardNumber": "4242"])
        logger.debug("not at this level")
        let written = lines.value
        #expect(written.count == 1 && written[0].hasSuffix("\n") && !written[0].dropLast().contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: String])
        #expect(object["message"] == "signed in" && object["level"] == "info" && object["logger"] == "unit")
        #expect(object["user"] == "u-1" && object["request_id"] == "r-1")
        for key in ["password", "refreshToken", "Authorization", "cardNumber"] { #expect(object[key] == "[redacted]", "\(key)") }
        #expect(!written[0].contains("hunter2") && !written[0].contains("4242"))
        let time = try #require(object["time"])
        #expect(time.hasSuffix("Z") && time.contains("T") && time.contains("."), "RFC 3339 with milliseconds: \(time)")
    }

    @Test("commerce serve with LOG_FORMAT=json: every line of its log is JSON, each request has an access line at info, and no token or password shows")
    func serverLog() async throws {
        try await withTestDatabase { _, url in
            let port = try closedPort()
            let process = try CommerceProcess.server(port: port, database: url, environment: ["LOG_LEVEL": "info", "LOG_FORMAT": "json"])
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            let collected = Task.detached { String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) }
            try await waitUntil(timeout: .seconds(60), interval: .milliseconds(200)) {
                (try? await LockoutAcrossServersTests.post(port, "/health/live", nil).status) == 200
            }
            let password = "a very secret passphrase"
            let credentials = #"{"email":"logs@example.com","password":"\#(password)"}"#
            #expect(try await LockoutAcrossServersTests.post(port, "/auth/register", credentials).status == 202)
            let signedIn = try await LockoutAcrossServersTests.post(port, "/auth/login", credentials)
            let token = try #require((try JSONSerialization.jsonObject(with: Data(signedIn.body.utf8)) as? [String: Any])?["accessToken"] as? String)
            #expect(try await LockoutAcrossServersTests.post(port, "/notifications/unsubscribe?token=secret-in-the-query", nil).status == 422)
            process.terminate()
            process.waitUntilExit()
            let log = await collected.value
            let lines = log.split(separator: "\n")
            #expect(lines.count > 3)
            let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
            #expect(objects.count == lines.count, "every line is a JSON object: \(lines.filter { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) == nil })")
            let access = objects.filter { $0["message"] == "request" }
            #expect(access.contains { $0["path"] == "/auth/login" && $0["status"] == "200" && $0["method"] == "POST" && $0["level"] == "info" && $0["request_id"] != nil })
            #expect(access.contains { $0["path"] == "/notifications/unsubscribe" && $0["status"] == "422" && $0["route"] == "/notifications/unsubscribe" })
            for secret in [password, token, "secret-in-the-query"] { #expect(!log.contains(secret), "the log holds no \(secret.prefix(12))…") }
        }
    }

    @Test("the suite's log check (scripts/check_logs.py) passes clean JSON lines and names every kind of leaked secret")
    func logCheckCatchesSecrets() throws {
        let script = TestEnvironment.repositoryRoot.appendingPathComponent("scripts/check_logs.py").path
        func check(_ lines: [String]) throws -> ExternalProcessResult {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("log-check-\(UUID().uuidString).jsonl")
            try Data(lines.joined(separator: "\n").utf8).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            return try runExternalProcess(pythonExecutable, [script, file.path])
        }
        func line(_ fields: [String: String]) throws -> String {
            let entry = ["time": "2026-12-01T09:00:00.000Z", "level": "info", "logger": "test"].merging(fields) { $1 }
            return String(decoding: try JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys]), as: UTF8.self)
        }
        let clean = try check([
            try line(["message": "request", "path": "/orders/order_1234567890123", "status": "200", "password": "[redacted]", "position": "1796115600"]),
            try line(["message": "checkout placed order 42 for 2 items"]),
        ])
        #expect(clean.status == 0, "\(clean.errors)")
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
        for leaked in [
            try line(["message": "signed in with \(jwt)"]),
            try line(["message": "header", "authorization_header": "[redacted]", "detail": "Bearer abcdefgh12345678"]),
            try line(["message": "created", "refreshToken": "r-123456"]),
            try line(["message": "login failed: password=hunter2hunter2"]),
            try line(["message": "charged card 4242 4242 4242 4242"]),
            "plain text, not JSON",
            try line(["message": "no level"]).replacingOccurrences(of: "\"level\":\"info\",", with: ""),
        ] {
            let result = try check([leaked])
            #expect(result.status != 0, "\(leaked)")
        }
    }
}
