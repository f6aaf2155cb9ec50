// swift-tools-version:6.1
import PackageDescription

/// What `commerce` and `commerce-bench` both build on.
let executableDependencies: [Target.Dependency] = [
    "Aggregates", "Application", "EventStore", "Kafka", "Mail", "Notifications", "Payments", "Projections", "Workers", "API", "Runtime",
    .product(name: "ArgumentParser", package: "swift-argument-parser"),
    .product(name: "Hummingbird", package: "hummingbird"),
    .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
    .product(name: "Prometheus", package: "swift-prometheus"),
]

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "commerce",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "commerce", targets: ["commerce"]),
        .executable(name: "commerce-bench", targets: ["commerce-bench"]),
        .library(name: "Aggregates", targets: ["Aggregates"]),
        .library(name: "EventStore", targets: ["EventStore"]),
        .library(name: "Kafka", targets: ["Kafka"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // Already a dependency of postgres-nio; used directly for the events' hash chain.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // Only its bcrypt module (C, no further dependencies), for customer passwords.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
        // Already a dependency of hummingbird and postgres-nio; used directly by the SMTP client.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        // Already a dependency of postgres-nio; used directly for https webhooks.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // Already a dependency of hummingbird: counters and timers where the work happens.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        // The Prometheus text format for /metrics (on swift-metrics and swift-atomics).
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Already a dependency of hummingbird: reads the settings from the environment, secrets marked.
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        // Already a dependency of hummingbird: W3C trace context through requests, events and workers.
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.1.0"),
    ],
    targets: [
        // Pure domain: no I/O, Foundation only.
        .target(name: "Aggregates", swiftSettings: swiftSettings),

        .target(
            name: "EventStore",
            dependencies: [
                .product(name: "PostgresNIO", package: "postgres-nio"),
                // postgres-nio's pool (built with it anyway): its error type tells an outage.
                .product(name: "_ConnectionPoolModule", package: "postgres-nio"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),

        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(
            name: "Kafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),

        .target(name: "Projections", dependencies: ["EventStore", "Aggregates"], swiftSettings: swiftSettings),

        // Every use case as a named type (load, decide, append with expected versions), and the
        // SQL of the write side's own tables: called by the API routes, the workers and the CLI.
        .target(
            name: "Application",
            dependencies: [
                "Aggregates", "EventStore", "Payments",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),

        // The payment gateway port, its sandbox, and webhook signatures: used by the API and the checkout process.
        .target(
            name: "Payments",
            dependencies: ["Aggregates", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "Workers",
            dependencies: [
                "Aggregates", "Application", "EventStore", "Kafka", "Mail", "Notifications", "Projections", "Payments",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),

        // E-mail: messages (MIME, quoted-printable) and an SMTP client on swift-nio (STARTTLS, AUTH).
        .target(
            name: "Mail",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),

        // What is sent to customers and merchants' systems: the mail outbox and its sender, the
        // mails' templates and preferences, outbound webhooks (endpoints, deliveries, the signed
        // POST behind an SSRF guard). The notifier worker decides what to send from events.
        .target(
            name: "Notifications",
            dependencies: [
                "Aggregates", "EventStore", "Mail", "Payments",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // Built already for postgres-nio's TLS.
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),

        .target(
            name: "API",
            dependencies: [
                "Aggregates", "Application", "EventStore", "Projections", "Payments", "Mail", "Notifications",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),

        // What the executables share: the configuration from the environment and start-up checks.
        .target(
            name: "Runtime",
            dependencies: [
                "Application", "EventStore", "Kafka", "Mail", "Notifications", "Payments", "Workers",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),

        .executableTarget(
            name: "commerce",
            dependencies: executableDependencies,
            swiftSettings: swiftSettings
        ),

        // The benchmarks, out of the production binary.
        .executableTarget(
            name: "commerce-bench",
            dependencies: executableDependencies + [.product(name: "HummingbirdBcrypt", package: "hummingbird-auth")],
            swiftSettings: swiftSettings
        ),

        // Shared by the integration test targets: where the real services are, fresh databases.
        .target(
            name: "TestSupport",
            dependencies: [
                "EventStore", "Kafka", "Projections", "Workers", "Runtime",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/TestSupport",
            swiftSettings: swiftSettings
        ),

        .testTarget(
            name: "AggregatesTests",
            dependencies: [
                "Aggregates",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "EventStoreTests", dependencies: ["EventStore", "TestSupport", .product(name: "Crypto", package: "swift-crypto")], swiftSettings: swiftSettings),
        .testTarget(
            name: "NotificationsTests",
            dependencies: ["Notifications", "Mail", "Aggregates", .product(name: "Crypto", package: "swift-crypto"), .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka", "TestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "APITests",
            dependencies: [
                "API", "Aggregates", "EventStore", "Kafka", "Mail", "Notifications", "Payments", "Projections", "Workers", "Runtime", "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "WorkersTests",
            dependencies: [
                "Workers", "Application", "EventStore", "Kafka", "Aggregates", "Payments", "Projections", "TestSupport",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "commerce", "Runtime", "Payments", "TestSupport", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
