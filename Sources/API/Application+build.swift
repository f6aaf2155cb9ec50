import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// Where the HTTP server listens.
public struct APIConfiguration: Sendable {
    public var host: String
    public var port: Int

    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }
}

/// What the HTTP application is built from. The CLI and the tests build it the same way.
public struct APIDependencies: Sendable {
    public var postgres: PostgresClient
    /// Checks for `/health/ready` besides Postgres (the CLI adds Kafka).
    public var readinessChecks: [ReadinessCheck]
    /// Long-running parts that live and die with the server (the Postgres client, workers…).
    public var services: [any Service]
    /// Run after the services start and before the server accepts connections; a throw stops start-up.
    public var startupChecks: [@Sendable () async throws -> Void]

    public init(
        postgres: PostgresClient,
        readinessChecks: [ReadinessCheck] = [],
        services: [any Service] = [],
        startupChecks: [@Sendable () async throws -> Void] = []
    ) {
        self.postgres = postgres
        self.readinessChecks = readinessChecks
        self.services = services
        self.startupChecks = startupChecks
    }
}

/// Builds the HTTP application: routes, middleware and the services it runs.
public func buildApplication(
    configuration: APIConfiguration,
    dependencies: APIDependencies,
    logger: Logger
) -> some ApplicationProtocol {
    let router = Router()
    router.add(middleware: LogRequestsMiddleware(.debug))
    HealthController(
        checks: [.postgres(dependencies.postgres)] + dependencies.readinessChecks,
        timeout: .seconds(3)
    ).addRoutes(to: router)

    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "commerce"),
        services: dependencies.services,
        logger: logger
    )
    for check in dependencies.startupChecks {
        app.beforeServerStarts(perform: check)
    }
    return app
}
