import Foundation
import Testing
import Payments
import TestSupport

import Application
@testable import Runtime

@Suite("Configuration from the environment")
struct SettingsTests {
    @Test func defaultsAreUsable() throws {
        let settings = try Settings(environment: [:])
        #expect(settings.port == 8080)
        #expect(settings.databaseURL.database == "commerce")
        #expect(settings.smtp == nil)
        #expect(settings.kafkaPartitions == 6)
        #expect(try Settings(environment: ["KAFKA_PARTITIONS": "1"]).kafkaPartitions == 1)
        #expect(settings.requireVerifiedEmail, "checkout waits for a verified address unless told otherwise")
        #expect(settings.rateLimits == RateLimitSettings(auth: 60, commands: 600, queries: 3000, windowSeconds: 60))
        let mail = try Settings(environment: ["SMTP_URL": "smtp://127.0.0.1:2525", "REQUIRE_VERIFIED_EMAIL": "false", "STOREFRONT_URL": "https://shop.example.com/"])
        #expect(mail.smtp?.port == 2525)
        #expect(!mail.requireVerifiedEmail)
        #expect(mail.storefrontURL == "https://shop.example.com")
    }

    @Test(arguments: [
        (["DATABASE_URL": "postgres//nope"], "DATABASE_URL"),
        (["KAFKA_BROKERS": "localhost"], "KAFKA_BROKERS"),
        (["KAFKA_BROKERS": "a:1,b:x"], "KAFKA_BROKERS"),
        (["KAFKA_PARTITIONS": "0"], "KAFKA_PARTITIONS"),
        (["KAFKA_PARTITIONS": "six"], "KAFKA_PARTITIONS"),
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
        (["REVIEWS_REQUIRE_PURCHASE": "shipped"], "REVIEWS_REQUIRE_PURCHASE"),
        (["REVIEWS_AUTO_APPROVE": "sometimes"], "REVIEWS_AUTO_APPROVE"),
        (["WISHLIST_PRICE_DROP_PERCENT": "0"], "WISHLIST_PRICE_DROP_PERCENT"),
        (["WISHLIST_PRICE_DROP_PERCENT": "half"], "WISHLIST_PRICE_DROP_PERCENT"),
        (["TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal"], "TRUSTED_PROXIES"),
        (["TRUSTED_PROXIES": "10.0.0.0/33"], "TRUSTED_PROXIES"),
        (["RATE_LIMIT_AUTH_PER_MINUTE": "-1"], "RATE_LIMIT_AUTH_PER_MINUTE"),
        (["RATE_LIMIT_COMMANDS_PER_MINUTE": "lots"], "RATE_LIMIT_COMMANDS_PER_MINUTE"),
        (["RATE_LIMIT_QUERIES_PER_MINUTE": "1000001"], "RATE_LIMIT_QUERIES_PER_MINUTE"),
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

@Suite("commerce config and the README's configuration table")
struct ConfigReportTests {
    @Test("the README's configuration table lists exactly the variables commerce config prints, in the same order")
    func readmeTableMatches() throws {
        let readme = try String(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let section = try #require(readme.components(separatedBy: "## Configuration\n").dropFirst().first?.components(separatedBy: "\n## ").first)
        let documented = section.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("| `") else { return nil }
            return line.dropFirst(3).split(separator: "`").first.map(String.init)
        }
        #expect(documented == SettingsReport.variables.map(\.name))
    }

    @Test("commerce config prints every variable with its value and source, secrets and URL passwords redacted; a bad value names its variable")
    func printsTheEffectiveConfiguration() async throws {
        let secret = "a-config-test-secret-that-is-long-enough"
        let outcome = try await CommerceProcess.run(["config"], environment: [
            "DATABASE_URL": "postgres://shop:pa55-w0rd@db.example.com:5432/shop", "JWT_SECRET": secret, "PORT": "9090",
            "SMTP_URL": "smtp://mailer:sm7p-pass@smtp.example.com:587", "WEBHOOK_SECRET": "", "TRUSTED_PROXIES": "10.0.0.0/8",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == SettingsReport.variables.count)
        #expect(lines.contains("PORT=9090  (environment)"))
        #expect(lines.contains("DATABASE_URL=postgres://shop:redacted@db.example.com:5432/shop  (environment)"))
        #expect(lines.contains("SMTP_URL=smtp://mailer:redacted@smtp.example.com:587  (environment)"))
        #expect(lines.contains("JWT_SECRET=[redacted]  (environment)"))
        #expect(lines.contains("WEBHOOK_SECRET=random per process  (default)"))
        #expect(lines.contains("TRUSTED_PROXIES=10.0.0.0/8  (environment)"))
        #expect(lines.contains("RESERVATION_SECONDS=900  (default)") || lines.contains { $0.hasPrefix("RESERVATION_SECONDS=") && $0.hasSuffix("(environment)") })
        for leaked in [secret, "pa55-w0rd", "sm7p-pass"] { #expect(!outcome.stdout.contains(leaked)) }

        let bad = try await CommerceProcess.run(["config"], environment: ["WISHLIST_PRICE_DROP_PERCENT": "95"])
        #expect(bad.status != 0 && bad.stderr.contains("WISHLIST_PRICE_DROP_PERCENT"), "\(bad.stderr)")
    }
}
