import EventStore
import Foundation
import Kafka
import Logging
import Aggregates
import Application
import Configuration
import Crypto
import Mail
import Notifications
import Payments
import Workers

/// The process configuration, read from environment variables (documented in the README)
/// through swift-configuration, secrets marked. Every value is checked at start-up, and a bad
/// one names its variable.
public struct Settings: Sendable {
    public var databaseURL: DatabaseURL
    public var kafkaBrokers: String
    /// Topics are `<prefix>.<category>`.
    public var kafkaTopicPrefix: String
    /// Partitions of each topic the relay creates (topics that exist keep theirs).
    public var kafkaPartitions: Int
    public var host: String
    public var port: Int
    public var logLevel: Logger.Level
    /// `LOG_FORMAT`: JSON lines, or swift-log's text; JSON by default when standard error is not a terminal.
    public var logFormat: LogFormat
    public var migrationsDirectory: URL
    /// Where product image files are kept (`IMAGE_DIRECTORY`).
    public var imageDirectory: URL
    /// The language of the content's default texts (`DEFAULT_LOCALE`); other languages are kept beside them.
    public var defaultLocale: String
    /// How long start-up waits for Postgres and Kafka before giving up.
    public var startupTimeout: Duration
    /// Signs access tokens; nil: a random one per process (tokens die with a restart).
    public var tokenSecret: [UInt8]?
    /// Verifies payment webhooks; nil: a random one per process (no webhook verifies).
    public var webhookSecret: [UInt8]?
    public var reservationLifetime: TimeInterval
    /// The payment gateway; nil when `PAYMENT_GATEWAY` is not set (serve refuses to start then).
    public var paymentGateway: String?
    public var cartAbandonAfter: TimeInterval
    /// Whether a cancelled order gives back its promotion uses (`PROMOTION_USES_ON_CANCEL`).
    public var promotionUsesOnCancel: PromotionUsesOnCancel
    /// How long a read model may stay behind the store with no progress before it catches up
    /// from `$all` directly (``ReadModelSafetyNet``).
    public var projectionStaleAfter: Duration
    /// Where account e-mails are sent (`SMTP_URL`); nil: they wait in the outbox.
    public var smtp: SMTPSettings?
    /// The sender of account e-mails (`MAIL_FROM`).
    public var mailFrom: MailAddress
    /// The storefront the e-mails' links open (`STOREFRONT_URL`).
    public var storefrontURL: String
    /// Checkout needs a verified e-mail address (`REQUIRE_VERIFIED_EMAIL`).
    public var requireVerifiedEmail: Bool
    /// This API's public base URL (`PUBLIC_URL`), for links that must reach it (one-click
    /// unsubscribe); by default `http://HOST:PORT`.
    public var publicURL: String
    /// Outbound webhooks may go to loopback and private addresses
    /// (`WEBHOOK_ALLOW_PRIVATE_ADDRESSES`): for development only.
    public var webhookAllowPrivateAddresses: Bool
    /// Origins whose browsers may call the API (`CORS_ALLOWED_ORIGINS`, comma-separated).
    public var corsAllowedOrigins: [String]
    /// `Strict-Transport-Security` max-age (`HSTS_MAX_AGE_SECONDS`), for an API served over TLS.
    public var hstsMaxAge: Int?
    /// How long `commerce serve` keeps answering after SIGTERM or SIGINT, readiness already 503,
    /// before it stops accepting (`SHUTDOWN_DRAIN_SECONDS`, 0 by default).
    public var shutdownDrain: Duration
    /// Who may review and whether clean reviews show at once (`REVIEWS_REQUIRE_PURCHASE`,
    /// `REVIEWS_AUTO_APPROVE`).
    public var reviewPolicy: ReviewPolicy
    /// The least price fall, in percent, that alerts a variant's wishers (`WISHLIST_PRICE_DROP_PERCENT`).
    public var wishlistPriceDropPercent: Int
    /// The proxies whose `X-Forwarded-For` names the client (`TRUSTED_PROXIES`: addresses and
    /// CIDR networks, comma-separated; none by default).
    public var trustedProxies: TrustedProxies
    /// Requests per minute per client address, by route class (`RATE_LIMIT_AUTH_PER_MINUTE`,
    /// `RATE_LIMIT_COMMANDS_PER_MINUTE`, `RATE_LIMIT_QUERIES_PER_MINUTE`; 0 lifts one).
    public var rateLimits: RateLimitSettings
    /// A port of its own for `/metrics` (`METRICS_PORT`; nil: the API's port serves it, and
    /// `commerce worker` serves none).
    public var metricsPort: Int?

    /// The gateways this build can talk to.
    public static let gateways = ["sandbox"]

    public static let defaults: [String: String] = [
        "DATABASE_URL": "postgres://commerce@127.0.0.1:5432/commerce",
        "KAFKA_BROKERS": "127.0.0.1:9092",
        "KAFKA_TOPIC_PREFIX": "commerce",
        "KAFKA_PARTITIONS": "\(EventRelay.Configuration().partitions)",
        "HOST": "127.0.0.1",
        "PORT": "8080",
        "LOG_LEVEL": "info",
        "COMMERCE_MIGRATIONS_DIR": "schemas/sql",
        "STARTUP_TIMEOUT_SECONDS": "10",
        "RESERVATION_SECONDS": "900",
        "CART_ABANDON_SECONDS": "86400",
        "PROMOTION_USES_ON_CANCEL": "return",
        "PROJECTION_STALE_SECONDS": "10",
        "MAIL_FROM": "shop@commerce.localhost",
        "STOREFRONT_URL": "http://127.0.0.1:8080",
        "REQUIRE_VERIFIED_EMAIL": "true",
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "false",
        "SHUTDOWN_DRAIN_SECONDS": "0",
        "IMAGE_DIRECTORY": "data/images",
        "DEFAULT_LOCALE": "en",
        "REVIEWS_REQUIRE_PURCHASE": "delivered",
        "REVIEWS_AUTO_APPROVE": "true",
        "WISHLIST_PRICE_DROP_PERCENT": "5",
        "RATE_LIMIT_AUTH_PER_MINUTE": "60",
        "RATE_LIMIT_COMMANDS_PER_MINUTE": "600",
        "RATE_LIMIT_QUERIES_PER_MINUTE": "3000",
    ]

    /// The variables that hold secrets (a URL's password counts): never printed or logged.
    public static let secretVariables: Set<String> = ["DATABASE_URL", "JWT_SECRET", "WEBHOOK_SECRET", "SMTP_URL"]

    /// The swift-configuration key of an environment variable: `DATABASE_URL` is `database.url`.
    static func key(_ variable: String) -> ConfigKey {
        ConfigKey(variable.lowercased().split(separator: "_").map(String.init))
    }

    /// - Throws: ``ConfigurationError`` naming the first variable with a bad value.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) {
        // Read through swift-configuration: the secrets are marked as such, so that whatever
        // reports the reads (an access reporter, `commerce config`) redacts them.
        let config = ConfigReader(provider: EnvironmentVariablesProvider(
            environmentVariables: environment, secretsSpecifier: .specific(Self.secretVariables)
        ))
        /// The variable's value; nil when it is not set or empty.
        func setting(_ name: String) -> String? {
            config.string(forKey: Self.key(name), isSecret: Self.secretVariables.contains(name)).flatMap { $0.isEmpty ? nil : $0 }
        }
        /// The variable's value, or its default.
        func value(_ name: String) -> String {
            setting(name) ?? Self.defaults[name]!
        }
        do {
            databaseURL = try DatabaseURL(value("DATABASE_URL"))
        } catch {
            throw ConfigurationError(variable: "DATABASE_URL", reason: error.reason)
        }
        kafkaBrokers = value("KAFKA_BROKERS")
        if let problem = KafkaConfiguration.problem(withBrokerList: kafkaBrokers) {
            throw ConfigurationError(variable: "KAFKA_BROKERS", reason: problem)
        }
        kafkaTopicPrefix = value("KAFKA_TOPIC_PREFIX")
        guard kafkaTopicPrefix.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }), kafkaTopicPrefix.count <= 100 else {
            throw ConfigurationError(variable: "KAFKA_TOPIC_PREFIX", reason: "may hold only letters, digits, '.', '_' and '-' (at most 100)")
        }
        guard let partitions = Int(value("KAFKA_PARTITIONS")), (1...1000).contains(partitions) else {
            throw ConfigurationError(variable: "KAFKA_PARTITIONS", reason: "must be a whole number from 1 to 1000")
        }
        kafkaPartitions = partitions
        host = value("HOST")
        guard let port = Int(value("PORT")), (1...65535).contains(port) else {
            throw ConfigurationError(variable: "PORT", reason: "\"\(value("PORT"))\" is not a port number (1-65535)")
        }
        self.port = port
        guard let level = Logger.Level(rawValue: value("LOG_LEVEL").lowercased()) else {
            throw ConfigurationError(variable: "LOG_LEVEL", reason: "must be one of trace, debug, info, notice, warning, error, critical")
        }
        logLevel = level
        switch setting("LOG_FORMAT")?.lowercased() {
        case nil, "": logFormat = isatty(STDERR_FILENO) == 0 ? .json : .text
        case "json": logFormat = .json
        case "text": logFormat = .text
        default: throw ConfigurationError(variable: "LOG_FORMAT", reason: "must be json or text")
        }
        migrationsDirectory = URL(fileURLWithPath: value("COMMERCE_MIGRATIONS_DIR"))
        imageDirectory = URL(fileURLWithPath: value("IMAGE_DIRECTORY"))
        guard LocaleTag.isValid(value("DEFAULT_LOCALE")) else {
            throw ConfigurationError(variable: "DEFAULT_LOCALE", reason: "must be a language tag such as en or de-CH")
        }
        defaultLocale = value("DEFAULT_LOCALE")
        guard let seconds = Int(value("STARTUP_TIMEOUT_SECONDS")), seconds > 0 else {
            throw ConfigurationError(variable: "STARTUP_TIMEOUT_SECONDS", reason: "must be a positive whole number of seconds")
        }
        startupTimeout = .seconds(seconds)
        if let secret = setting("JWT_SECRET") {
            guard secret.utf8.count >= 32 else { throw ConfigurationError(variable: "JWT_SECRET", reason: "must be at least 32 bytes") }
            tokenSecret = Array(secret.utf8)
        }
        if let secret = setting("WEBHOOK_SECRET") {
            guard secret.utf8.count >= 32 else { throw ConfigurationError(variable: "WEBHOOK_SECRET", reason: "must be at least 32 bytes") }
            webhookSecret = Array(secret.utf8)
        }
        guard let reservation = Int(value("RESERVATION_SECONDS")), reservation > 0 else {
            throw ConfigurationError(variable: "RESERVATION_SECONDS", reason: "must be a positive whole number of seconds")
        }
        reservationLifetime = TimeInterval(reservation)
        if let gateway = setting("PAYMENT_GATEWAY") {
            guard Self.gateways.contains(gateway) else {
                throw ConfigurationError(variable: "PAYMENT_GATEWAY", reason: "must be one of \(Self.gateways.joined(separator: ", ")), not \"\(gateway)\"")
            }
            paymentGateway = gateway
        }
        guard let abandon = Int(value("CART_ABANDON_SECONDS")), abandon > 0 else {
            throw ConfigurationError(variable: "CART_ABANDON_SECONDS", reason: "must be a positive whole number of seconds")
        }
        cartAbandonAfter = TimeInterval(abandon)
        guard let uses = PromotionUsesOnCancel(rawValue: value("PROMOTION_USES_ON_CANCEL")) else {
            throw ConfigurationError(variable: "PROMOTION_USES_ON_CANCEL", reason: "must be return or keep")
        }
        promotionUsesOnCancel = uses
        guard let stale = Int(value("PROJECTION_STALE_SECONDS")), stale > 0 else {
            throw ConfigurationError(variable: "PROJECTION_STALE_SECONDS", reason: "must be a positive whole number of seconds")
        }
        projectionStaleAfter = .seconds(stale)
        if let url = setting("SMTP_URL") {
            do {
                smtp = try SMTPSettings(url: url)
            } catch {
                throw ConfigurationError(variable: "SMTP_URL", reason: error.description)
            }
        }
        let from = value("MAIL_FROM")
        guard Self.isAddress(from) else {
            throw ConfigurationError(variable: "MAIL_FROM", reason: "must be an e-mail address such as shop@example.com")
        }
        mailFrom = MailAddress(from, name: "Commerce")
        storefrontURL = value("STOREFRONT_URL").trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard let storefront = URLComponents(string: storefrontURL), ["http", "https"].contains(storefront.scheme ?? ""), storefront.host != nil else {
            throw ConfigurationError(variable: "STOREFRONT_URL", reason: "must be an http(s) URL such as https://shop.example.com")
        }
        requireVerifiedEmail = try Self.flag(value("REQUIRE_VERIFIED_EMAIL"), variable: "REQUIRE_VERIFIED_EMAIL")
        let publicURLText = setting("PUBLIC_URL") ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        publicURL = publicURLText.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard let publicComponents = URLComponents(string: publicURL), ["http", "https"].contains(publicComponents.scheme ?? ""), publicComponents.host != nil else {
            throw ConfigurationError(variable: "PUBLIC_URL", reason: "must be an http(s) URL such as https://api.example.com")
        }
        webhookAllowPrivateAddresses = try Self.flag(value("WEBHOOK_ALLOW_PRIVATE_ADDRESSES"), variable: "WEBHOOK_ALLOW_PRIVATE_ADDRESSES")
        corsAllowedOrigins = []
        for item in (setting("CORS_ALLOWED_ORIGINS") ?? "").split(separator: ",") {
            let origin = item.trimmingCharacters(in: .whitespaces)
            guard let url = URLComponents(string: origin), ["http", "https"].contains(url.scheme ?? ""), url.host?.isEmpty == false,
                  url.path.isEmpty, url.query == nil, url.user == nil else {
                throw ConfigurationError(variable: "CORS_ALLOWED_ORIGINS", reason: "takes origins such as https://shop.example.com, comma-separated, not \(origin.debugDescription)")
            }
            corsAllowedOrigins.append(origin)
        }
        guard let drainSeconds = Int(value("SHUTDOWN_DRAIN_SECONDS")), (0...300).contains(drainSeconds) else {
            throw ConfigurationError(variable: "SHUTDOWN_DRAIN_SECONDS", reason: "must be a whole number of seconds, 0 to 300")
        }
        shutdownDrain = .seconds(drainSeconds)
        guard let purchase = ReviewPolicy.Purchase(rawValue: value("REVIEWS_REQUIRE_PURCHASE")) else {
            throw ConfigurationError(variable: "REVIEWS_REQUIRE_PURCHASE", reason: "must be delivered, paid or none")
        }
        reviewPolicy = ReviewPolicy(purchase: purchase, autoApprove: try Self.flag(value("REVIEWS_AUTO_APPROVE"), variable: "REVIEWS_AUTO_APPROVE"))
        guard let dropPercent = Int(value("WISHLIST_PRICE_DROP_PERCENT")), (1...90).contains(dropPercent) else {
            throw ConfigurationError(variable: "WISHLIST_PRICE_DROP_PERCENT", reason: "must be a whole number of percent, 1 to 90")
        }
        wishlistPriceDropPercent = dropPercent
        do {
            trustedProxies = try TrustedProxies(setting("TRUSTED_PROXIES") ?? "")
        } catch {
            throw ConfigurationError(variable: "TRUSTED_PROXIES", reason: "\"\(error.entry)\" is no address or CIDR network (10.0.0.0/8, fd00::/8)")
        }
        func perMinute(_ name: String) throws(ConfigurationError) -> Int {
            guard let limit = Int(value(name)), (0...1_000_000).contains(limit) else {
                throw ConfigurationError(variable: name, reason: "must be a whole number of requests per minute, 0 (no limit) to 1000000")
            }
            return limit
        }
        rateLimits = RateLimitSettings(
            auth: try perMinute("RATE_LIMIT_AUTH_PER_MINUTE"), commands: try perMinute("RATE_LIMIT_COMMANDS_PER_MINUTE"),
            queries: try perMinute("RATE_LIMIT_QUERIES_PER_MINUTE")
        )
        if let text = setting("METRICS_PORT") {
            guard let metricsPort = Int(text), (1...65535).contains(metricsPort), metricsPort != port else {
                throw ConfigurationError(variable: "METRICS_PORT", reason: "\"\(text)\" is not a port number (1-65535) other than PORT's")
            }
            self.metricsPort = metricsPort
        }
        if let text = setting("HSTS_MAX_AGE_SECONDS") {
            guard let seconds = Int(text), seconds >= 0 else {
                throw ConfigurationError(variable: "HSTS_MAX_AGE_SECONDS", reason: "must be a whole number of seconds")
            }
            hstsMaxAge = seconds
        }
    }

    private static func flag(_ text: String, variable: String) throws(ConfigurationError) -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes": true
        case "false", "0", "no": false
        default: throw ConfigurationError(variable: variable, reason: "must be true or false")
        }
    }

    private static func isAddress(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !text.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" })
    }

    /// The configured gateway. Production must not approve cards by accident: without
    /// `PAYMENT_GATEWAY` nothing that takes payments starts.
    public func gateway() throws(ConfigurationError) -> any PaymentGateway {
        switch paymentGateway {
        case "sandbox": return SandboxGateway()
        default:
            throw ConfigurationError(variable: "PAYMENT_GATEWAY", reason: "is not set: choose the payment gateway (\(Self.gateways.joined(separator: ", ")); the sandbox approves test cards and takes no money)")
        }
    }

    public enum LogFormat: String, Sendable {
        case json, text
    }

    public func makeLogger(label: String = "commerce") -> Logger {
        var logger = switch logFormat {
        case .json: Logger(label: label) { JSONLogHandler(label: $0) }
        case .text: Logger(label: label)
        }
        logger.logLevel = logLevel
        return logger
    }

    public var safetyNetConfiguration: ReadModelSafetyNet.Configuration {
        var configuration = ReadModelSafetyNet.Configuration()
        configuration.staleAfter = projectionStaleAfter
        return configuration
    }

    public func processConfiguration() throws(ConfigurationError) -> LifecycleWorkers.Configuration {
        var configuration = LifecycleWorkers.Configuration(gateway: try gateway())
        configuration.cartAbandonAfter = cartAbandonAfter
        configuration.promotionUsesOnCancel = promotionUsesOnCancel
        configuration.wishlistPriceDropPercent = wishlistPriceDropPercent
        return configuration
    }

    /// The notifier's configuration. - Parameters:
    ///   - tokenSecret: the secret unsubscribe links are signed with (the API checks them with the same).
    ///   - sendsMail: whether this process also sends the mail outbox (a `worker`; `serve` sends it itself).
    public func notifierConfiguration(tokenSecret: [UInt8], sendsMail: Bool) -> Notifier.Configuration {
        var configuration = Notifier.Configuration(
            planner: NotificationPlanner.Settings(
                mails: OrderMails(from: mailFrom, storefrontURL: storefrontURL), publicURL: publicURL, unsubscribeKey: SymmetricKey(data: tokenSecret)
            ),
            mailer: sendsMail ? smtp.map(SMTPClient.init(settings:)) : nil
        )
        configuration.webhooks.http.allowPrivateAddresses = webhookAllowPrivateAddresses
        return configuration
    }

    public var kafkaConfiguration: KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: kafkaBrokers)
    }
}

/// A configuration value that cannot be used; printed as one line naming the variable.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let variable: String
    public let reason: String

    public init(variable: String, reason: String) {
        self.variable = variable
        self.reason = reason
    }

    public var description: String { "\(variable): \(reason)" }
}
