import Foundation

/// The effective configuration as `commerce config` prints it: every variable the README's
/// configuration table lists, with the value this process would use and where it came from;
/// secrets (and the passwords inside URLs) redacted.
public enum SettingsReport {
    public struct Variable: Sendable {
        public let name: String
        /// Printed as `[redacted]` (a URL keeps everything but its password).
        public let secret: Bool
        /// What applies when the variable is not set, in words when it is not one value.
        public let fallback: String

        init(_ name: String, fallback: String? = nil) {
            self.name = name
            secret = Settings.secretVariables.contains(name)
            self.fallback = fallback ?? Settings.defaults[name] ?? "(not set)"
        }
    }

    /// Every variable, in the README table's order.
    public static let variables: [Variable] = [
        Variable("DATABASE_URL"), Variable("KAFKA_BROKERS"), Variable("KAFKA_TOPIC_PREFIX"), Variable("KAFKA_PARTITIONS"), Variable("HOST"), Variable("PORT"), Variable("METRICS_PORT", fallback: "(not set: /metrics on PORT; workers serve none)"),
        Variable("LOG_LEVEL"), Variable("LOG_FORMAT", fallback: "json when standard error is not a terminal, else text"),
        Variable("COMMERCE_MIGRATIONS_DIR"), Variable("STARTUP_TIMEOUT_SECONDS"), Variable("JWT_SECRET", fallback: "random per process"),
        Variable("RESERVATION_SECONDS"), Variable("WEBHOOK_SECRET", fallback: "random per process"),
        Variable("PAYMENT_GATEWAY", fallback: "(not set: serve and worker --processes refuse to start)"), Variable("PROMOTION_USES_ON_CANCEL"),
        Variable("RECOMMENDATIONS_TREND_HALF_LIFE_HOURS", fallback: "72"), Variable("CART_ABANDON_SECONDS"), Variable("PROJECTION_STALE_SECONDS"),
        Variable("SMTP_URL", fallback: "(not set: mail waits in the outbox)"), Variable("MAIL_FROM"), Variable("STOREFRONT_URL"),
        Variable("PUBLIC_URL", fallback: "http://HOST:PORT"), Variable("CORS_ALLOWED_ORIGINS"), Variable("HSTS_MAX_AGE_SECONDS"),
        Variable("TRUSTED_PROXIES"), Variable("RATE_LIMIT_AUTH_PER_MINUTE"), Variable("RATE_LIMIT_COMMANDS_PER_MINUTE"),
        Variable("RATE_LIMIT_QUERIES_PER_MINUTE"), Variable("REVIEWS_REQUIRE_PURCHASE"), Variable("REVIEWS_AUTO_APPROVE"), Variable("WISHLIST_PRICE_DROP_PERCENT"),
        Variable("SHUTDOWN_DRAIN_SECONDS"), Variable("IMAGE_DIRECTORY"), Variable("DEFAULT_LOCALE"), Variable("WEBHOOK_ALLOW_PRIVATE_ADDRESSES"), Variable("REQUIRE_VERIFIED_EMAIL"),
    ]

    /// One line per variable: `NAME=value  (environment|default)`. Checks the values first, as
    /// start-up does.
    /// - Throws: ``ConfigurationError`` for a bad value.
    public static func lines(environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigurationError) -> [String] {
        _ = try Settings(environment: environment)
        return variables.map { variable in
            if let value = environment[variable.name], !value.isEmpty {
                return "\(variable.name)=\(variable.secret ? redacted(value) : value)  (environment)"
            }
            return "\(variable.name)=\(variable.fallback)  (default)"
        }
    }

    /// A secret's printable form: a URL without its password, anything else not at all.
    static func redacted(_ value: String) -> String {
        guard var url = URLComponents(string: value), url.scheme != nil, url.host != nil else { return "[redacted]" }
        if url.password != nil { url.password = "redacted" }
        return url.string ?? "[redacted]"
    }
}
