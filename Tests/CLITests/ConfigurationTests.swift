import Foundation
import Testing
import Payments
import TestSupport

@testable import Runtime

@Suite("Configuration from the environment")
struct SettingsTests {
    @Test func defaultsAreUsable() throws {
        let settings = try Settings(environment: [:])
        #expect(settings.port == 8080)
        #expect(settings.databaseURL.database == "commerce")
        #expect(settings.smtp == nil)
        #expect(settings.requireVerifiedEmail, "checkout waits for a verified address unless told otherwise")
        let mail = try Settings(environment: ["SMTP_URL": "smtp://127.0.0.1:2525", "REQUIRE_VERIFIED_EMAIL": "false", "STOREFRONT_URL": "https://shop.example.com/"])
        #expect(mail.smtp?.port == 2525)
        #expect(!mail.requireVerifiedEmail)
        #expect(mail.storefrontURL == "https://shop.example.com")
    }

    @Test(arguments: [
        (["DATABASE_URL": "postgres//nope"], "DATABASE_URL"),
        (["KAFKA_BROKERS": "localhost"], "KAFKA_BROKERS"),
        (["KAFKA_BROKERS": "a:1,b:x"], "KAFKA_BROKERS"),
        (["PORT": "eighty"], "PORT"),
        (["PORT": "0"], "PORT"),
        (["LOG_LEVEL": "loud"], "LOG_LEVEL"),
        (["STARTUP_TIMEOUT_SECONDS": "-1"], "STARTUP_TIMEOUT_SECONDS"),
        (["PAYMENT_GATEWAY": "acme-pay"], "PAYMENT_GATEWAY"),
        (["CART_ABANDON_SECONDS": "0"], "CART_ABANDON_SECONDS"),
        (["SMTP_URL": "mail.example.com:25"], "SMTP_URL"),
        (["SMTP_URL": "smtp://user@mail.example.com"], "SMTP_URL"),
        (["PUBLIC_URL": "ftp://api.example.com"], "PUBLIC_URL"),
        (["WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "maybe"], "WEBHOOK_ALLOW_PRIVATE_ADDRESSES"),
        (["CORS_ALLOWED_ORIGINS": "https://shop.example.com,shop.example.org"], "CORS_ALLOWED_ORIGINS"),
        (["CORS_ALLOWED_ORIGINS": "https://shop.example.com/path"], "CORS_ALLOWED_ORIGINS"),
        (["HSTS_MAX_AGE_SECONDS": "a year"], "HSTS_MAX_AGE_SECONDS"),
        (["SHUTDOWN_DRAIN_SECONDS": "soon"], "SHUTDOWN_DRAIN_SECONDS"),
        (["SHUTDOWN_DRAIN_SECONDS": "600"], "SHUTDOWN_DRAIN_SECONDS"),
        (["MAIL_FROM": "Commerce Shop"], "MAIL_FROM"),
        (["STOREFRONT_URL": "shop.example.com"], "STOREFRONT_URL"),
        (["REQUIRE_VERIFIED_EMAIL": "maybe"], "REQUIRE_VERIFIED_EMAIL"),
    ])
    func badValueNamesItsVariable(environment: [String: String], variable: String) {
        let error = #expect(throws: ConfigurationError.self) { try Settings(environment: environment) }
        #expect(error?.variable == variable)
        #expect(error?.description.hasPrefix("\(variable): ") == true)
    }
}

/// Runs the built `commerce` executable, as an operator would.
extension SettingsTests {
    @Test("no payment gateway unless one is chosen: the sandbox is never a silent default")
    func gatewayMustBeChosen() throws {
        let unset = try Settings(environment: [:])
        let error = #expect(throws: ConfigurationError.self) { try unset.gateway() }
        #expect(error?.variable == "PAYMENT_GATEWAY")
        #expect(try Settings(environment: ["PAYMENT_GATEWAY": "sandbox"]).gateway() is SandboxGateway)
    }
}

@Suite("commerce executable with bad configuration")
struct ExecutableConfigurationTests {
    typealias Outcome = CommerceProcess.Outcome

    func run(_ arguments: [String], environment: [String: String], limit: Duration = .seconds(60)) async throws -> Outcome {
        try await CommerceProcess.run(arguments, environment: environment, limit: limit)
    }

    func errorLines(_ outcome: Outcome) -> [Substring] {
        outcome.stderr.split(separator: "\n").filter { !$0.isEmpty }
    }

    @Test("a malformed DATABASE_URL: one line naming it, non-zero exit")
    func malformedDatabaseURL() async throws {
        let outcome = try await run(["serve"], environment: ["DATABASE_URL": "postgres://:5432"])
        #expect(outcome.status != 0)
        let lines = errorLines(outcome)
        #expect(lines.count == 1, "\(outcome.stderr)")
        #expect(lines.first?.contains("DATABASE_URL") == true)
    }

    @Test("an unreachable broker: one line naming KAFKA_BROKERS, non-zero exit, no hang")
    func unreachableBroker() async throws {
        let outcome = try await run(
            ["serve"],
            environment: [
                "DATABASE_URL": TestEnvironment.databaseURL.urlString,
                "KAFKA_BROKERS": "127.0.0.1:\(try closedPort())",
                "STARTUP_TIMEOUT_SECONDS": "2",
                "PORT": "\(try closedPort())",
                "LOG_LEVEL": "critical",
                "PAYMENT_GATEWAY": "sandbox",
            ]
        )
        #expect(outcome.status != 0)
        let lines = errorLines(outcome)
        #expect(lines.count == 1, "\(outcome.stderr)")
        #expect(lines.first?.contains("KAFKA_BROKERS") == true, "\(outcome.stderr)")
    }

    @Test("serve without PAYMENT_GATEWAY refuses to start, naming it: production never approves cards by accident")
    func serveNeedsAGateway() async throws {
        var environment = ["DATABASE_URL": TestEnvironment.databaseURL.urlString, "PORT": "\(try closedPort())", "LOG_LEVEL": "critical"]
        environment["PAYMENT_GATEWAY"] = ""
        let outcome = try await run(["serve"], environment: environment)
        #expect(outcome.status != 0)
        let lines = errorLines(outcome)
        #expect(lines.count == 1, "\(outcome.stderr)")
        #expect(lines.first?.contains("PAYMENT_GATEWAY") == true)
        let worker = try await run(["worker", "--processes"], environment: environment)
        #expect(worker.status != 0)
        #expect(errorLines(worker).first?.contains("PAYMENT_GATEWAY") == true)
    }

    @Test("an unreachable Postgres: one line naming DATABASE_URL, non-zero exit, no hang")
    func unreachablePostgres() async throws {
        var url = TestEnvironment.databaseURL
        url.port = try closedPort()
        let outcome = try await run(
            ["migrate"],
            environment: ["DATABASE_URL": url.urlString, "STARTUP_TIMEOUT_SECONDS": "2", "LOG_LEVEL": "critical"]
        )
        #expect(outcome.status != 0)
        let lines = errorLines(outcome)
        #expect(lines.count == 1, "\(outcome.stderr)")
        #expect(lines.first?.contains("DATABASE_URL") == true)
    }
}
