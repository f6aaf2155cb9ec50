import Aggregates
import Crypto
import Notifications
import Application
import EventStore
import Foundation
import Hummingbird
import Logging
import Mail
import Payments
import Projections
import PostgresNIO
import Prometheus
import ServiceLifecycle

/// Where the HTTP server listens.
public struct APIConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Signs access tokens (HMAC-SHA256); at least 32 bytes.
    public var tokenSecret: [UInt8]
    /// Seconds an access token is valid for.
    public var accessTokenLifetime: TimeInterval
    /// bcrypt's work factor for new passwords (each step doubles the work).
    public var bcryptCost: UInt8
    /// How long checkout's stock reservations hold before an unpaid order releases them.
    public var reservationLifetime: TimeInterval
    /// Sign-in and registration limits per client address, and account lockout.
    public var authLimits: AuthLimitSettings
    /// Account e-mails (sender, links) and whether checkout needs a verified address.
    public var accountMail: AccountMailSettings
    /// Outbound webhook endpoints may be loopback or private addresses (development only).
    public var webhookAllowPrivateAddresses = false
    /// Origins whose browsers may call the API (CORS).
    public var corsAllowedOrigins: [String] = []
    /// `Strict-Transport-Security` max-age, when served behind TLS.
    public var hstsMaxAge: Int?
    /// Who may review, and whether clean reviews show at once.
    public var reviewPolicy: ReviewPolicy
    /// The proxies whose `X-Forwarded-For` names the client (none by default).
    public var trustedProxies: TrustedProxies
    /// Requests per client address and route class (none by default here; `commerce serve`
    /// sets its own from `RATE_LIMIT_*`).
    public var rateLimits: RateLimitSettings
    /// Body sizes and time limits per route class.
    public var requestLimits: RequestLimits
    /// Whether the API's port serves `/metrics` (false when `METRICS_PORT` gives it a port of its own).
    public var metricsOnAPIPort: Bool
    /// The language of the content's default texts (`DEFAULT_LOCALE` for `commerce serve`).
    public var defaultLocale = "en"
    /// Where product image files are kept (`IMAGE_DIRECTORY` for `commerce serve`; a directory
    /// of its own under the temporary directory by default).
    public var imageStorage: any ImageStorage = DirectoryImageStorage(
        directory: FileManager.default.temporaryDirectory.appendingPathComponent("commerce-images-\(ProcessInfo.processInfo.processIdentifier)")
    )

    public init(
        host: String = "127.0.0.1", port: Int = 8080, tokenSecret: [UInt8], accessTokenLifetime: TimeInterval = 900,
        bcryptCost: UInt8 = 11, reservationLifetime: TimeInterval = 900, authLimits: AuthLimitSettings = AuthLimitSettings(),
        accountMail: AccountMailSettings = AccountMailSettings(), webhookAllowPrivateAddresses: Bool = false,
        corsAllowedOrigins: [String] = [], hstsMaxAge: Int? = nil, reviewPolicy: ReviewPolicy = ReviewPolicy(),
        trustedProxies: TrustedProxies = .none, rateLimits: RateLimitSettings = .unlimited, requestLimits: RequestLimits = RequestLimits(),
        metricsOnAPIPort: Bool = true
    ) {
        self.metricsOnAPIPort = metricsOnAPIPort
        self.requestLimits = requestLimits
        self.reviewPolicy = reviewPolicy
        self.trustedProxies = trustedProxies
        self.rateLimits = rateLimits
        self.webhookAllowPrivateAddresses = webhookAllowPrivateAddresses
        self.corsAllowedOrigins = corsAllowedOrigins
        self.hstsMaxAge = hstsMaxAge
        self.authLimits = authLimits
        self.accountMail = accountMail
        self.host = host
        self.port = port
        self.tokenSecret = tokenSecret
        self.accessTokenLifetime = accessTokenLifetime
        self.bcryptCost = bcryptCost
        self.reservationLifetime = reservationLifetime
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
    public var paymentGateway: any PaymentGateway
    /// Verifies the gateway's webhooks.
    public var webhookSignature: WebhookSignature
    /// Watches PostgreSQL from a connection of its own: while it is down requests get 503 at
    /// once (nil: requests wait for the pool). Run it among `services`.
    public var databaseAvailability: DatabaseAvailability?
    /// Delivers the account e-mails of the outbox (nil: they wait in `mail_outbox` until a
    /// server with a mailer runs).
    public var mailer: (any Mailer)?
    /// While it drains after a shutdown signal, `/health/ready` answers 503 `draining` (nil:
    /// never). The caller runs it after the application (see ``ShutdownDrain``).
    public var shutdownDrain: ShutdownDrain?
    /// What `/metrics` prints: the registry swift-metrics was bootstrapped onto (the CLI's), or
    /// one of its own showing only the figures read from the database.
    public var metrics: PrometheusCollectorRegistry
    /// The relay's checkpoint, for the relay's position and lag on `/metrics`.
    public var relayCheckpoint: String
    /// The most connections `postgres` opens, for `/metrics`.
    public var poolSize: Int

    public init(
        postgres: PostgresClient,
        readinessChecks: [ReadinessCheck] = [],
        services: [any Service] = [],
        startupChecks: [@Sendable () async throws -> Void] = [],
        paymentGateway: any PaymentGateway = SandboxGateway(),
        webhookSignature: WebhookSignature,
        databaseAvailability: DatabaseAvailability? = nil,
        mailer: (any Mailer)? = nil,
        shutdownDrain: ShutdownDrain? = nil,
        metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        relayCheckpoint: String = "kafka-relay",
        poolSize: Int = DatabaseURL.defaultPoolSize
    ) {
        self.poolSize = poolSize
        self.metrics = metrics
        self.relayCheckpoint = relayCheckpoint
        self.shutdownDrain = shutdownDrain
        self.mailer = mailer
        self.databaseAvailability = databaseAvailability
        self.paymentGateway = paymentGateway
        self.webhookSignature = webhookSignature
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
    var services = dependencies.services + [AuthHousekeeping(client: dependencies.postgres, limits: configuration.authLimits, logger: logger)]
    if let mailer = dependencies.mailer {
        services.append(MailOutboxSender(client: dependencies.postgres, mailer: mailer, logger: logger))
    } else {
        logger.warning("no mailer (SMTP_URL): account e-mails wait in mail_outbox until a server with one runs")
    }
    let (router, activity) = buildRouterAndActivity(configuration: configuration, dependencies: dependencies, logger: logger)
    services.append(activity)
    var app = Application(
        router: DatabaseOutageRouter(
            base: router,
            availability: dependencies.databaseAvailability
        ),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "commerce"),
        services: services,
        logger: logger
    )
    for check in dependencies.startupChecks {
        app.beforeServerStarts(perform: check)
    }
    return app
}

/// Every route and middleware; `router.routes` lists the routes (the OpenAPI test compares them
/// with the document).
public func buildRouter(configuration: APIConfiguration, dependencies: APIDependencies, logger: Logger) -> Router<CommerceRequestContext> {
    // Its activity recorder is not run: only an application built by `buildApplication` stores activity.
    buildRouterAndActivity(configuration: configuration, dependencies: dependencies, logger: logger).router
}

/// The router, and the recorder of shopper activity its routes feed, which the application
/// runs among its services.
func buildRouterAndActivity(
    configuration: APIConfiguration, dependencies: APIDependencies, logger: Logger
) -> (router: Router<CommerceRequestContext>, activity: ActivityRecorder) {
    let router = Router(context: CommerceRequestContext.self)
    let routeTable = RouteTable()
    // Outermost: the request's span (W3C `traceparent` continued, or a new trace) is the
    // context of everything below, down to the events' correlation id. `token` may be a
    // one-time secret in a link: never in a span.
    router.add(middleware: TracingMiddleware(recordingHeaders: [], redactingQueryParameters: ["token"]))
    router.add(middleware: TrustedProxyMiddleware(proxies: configuration.trustedProxies))
    router.add(middleware: HTTPEdgeMiddleware(
        settings: .init(corsAllowedOrigins: Set(configuration.corsAllowedOrigins), hstsMaxAge: configuration.hstsMaxAge), routes: routeTable
    ))
    // Outside the problem middleware: it counts every answer with the status the client got.
    router.add(middleware: HTTPMetricsMiddleware())
    router.add(middleware: ProblemMiddleware())
    router.add(middleware: RequestLimitsMiddleware(limits: configuration.requestLimits))
    if configuration.rateLimits != .unlimited {
        router.add(middleware: RateLimitMiddleware(limiter: RateLimiter(settings: configuration.rateLimits, client: dependencies.postgres, logger: logger)))
    }
    let tokens = AccessTokens(secret: configuration.tokenSecret, lifetime: configuration.accessTokenLifetime)
    router.add(middleware: AuthenticationMiddleware(tokens: tokens))
    // Idempotency-Key applies to commands, after the caller is known to be allowed: admin
    // routes, routes for signed-in customers, and the carts guests use too. Never to /auth/…,
    // whose answers hold tokens that must not be stored.
    let idempotency = IdempotencyMiddleware(client: dependencies.postgres)
    HealthRoutes(
        checks: [.postgres(dependencies.postgres, availability: dependencies.databaseAvailability)] + dependencies.readinessChecks,
        timeout: .seconds(3), drain: dependencies.shutdownDrain
    ).addRoutes(to: router)
    let store = PostgresEventStore(client: dependencies.postgres, logger: logger)
    // One vault for the process: an erasure through it shows at once in every reader here.
    let personalData = PersonalDataProtection(store: store)
    let repository = AggregateRepository(store: store, personalData: personalData)
    let gateway = dependencies.paymentGateway
    let readYourWrites = ReadYourWrites(progress: ReadModelProgress(client: dependencies.postgres, logger: logger))
    let admin = router.group("admin").add(middleware: AdminMiddleware()).add(middleware: idempotency)
    let members = router.group().add(middleware: SignedInMiddleware()).add(middleware: idempotency)
    let shoppers = router.group().add(middleware: ShopperCredentialsMiddleware()).add(middleware: idempotency)
    let accounts = Accounts(client: dependencies.postgres, tokens: tokens, bcryptCost: configuration.bcryptCost, logger: logger)
    let limits = AuthLimits(client: dependencies.postgres, settings: configuration.authLimits, logger: logger)
    let mails = AccountMails(settings: configuration.accountMail)
    let signedIn = router.group().add(middleware: SignedInMiddleware())
    let sessions = Sessions(client: dependencies.postgres, logger: logger)
    let verification = EmailVerification(client: dependencies.postgres, mails: mails, limits: limits, logger: logger)
    AuthRoutes(accounts: accounts, registration: Registration(accounts: accounts, mails: mails, logger: logger), limits: limits).addRoutes(to: router)
    AccountEmailRoutes(verification: verification, reset: PasswordReset(accounts: accounts, mails: mails, limits: limits, logger: logger))
        .addRoutes(public: router, signedIn: signedIn)
    SessionRoutes(accounts: accounts, sessions: sessions, limits: limits).addRoutes(signedIn: signedIn)
    let orderHistory = OrderHistoryReader(client: dependencies.postgres, logger: logger, vault: personalData.vault)
    let profiles = CustomerProfiles(client: dependencies.postgres, vault: personalData.vault, logger: logger)
    let addressBook = AddressBook(client: dependencies.postgres, vault: personalData.vault, logger: logger)
    let erase = EraseCustomerData(store: store, protection: personalData)
    CustomerRoutes(
        accounts: accounts, limits: limits, profiles: profiles, addresses: addressBook,
        export: CustomerExport(
            profiles: profiles, addresses: addressBook, sessions: sessions, orders: orderHistory, repository: repository, client: dependencies.postgres, logger: logger
        ),
        erase: erase
    ).addRoutes(members: members, signedIn: signedIn)
    ProductImageRoutes(repository: repository, storage: configuration.imageStorage).addRoutes(admin: admin, public: router)
    InventoryRoutes(repository: repository).addRoutes(admin: admin)
    ExchangeRateRoutes(repository: repository).addRoutes(admin: admin)
    let promotionsReader = PromotionsReader(client: dependencies.postgres, logger: logger)
    let promotionPricing = PromotionPricing(repository: repository, directory: ReadModelPromotionDirectory(reader: promotionsReader))
    CartRoutes(repository: repository, addressBook: addressBook, promotions: promotionPricing).addRoutes(shoppers: shoppers, members: members)
    CheckoutRoutes(
        placeOrder: PlaceOrder(repository: repository, reservationLifetime: configuration.reservationLifetime, promotions: promotionPricing), gateway: gateway,
        verification: configuration.accountMail.requireVerifiedEmail ? verification : nil
    ).addRoutes(members: members)
    OrderRoutes(orders: OrderCommand(repository: repository)).addRoutes(members: members, admin: admin)
    PaymentRoutes(operations: RequestPaymentOperation(
        repository: repository, complete: CompletePaymentOperation(repository: repository, gateway: gateway, logger: logger)
    )).addRoutes(admin: admin)
    WebhookRoutes(apply: ApplyGatewayWebhook(repository: repository), signature: dependencies.webhookSignature).addRoutes(to: router)
    let catalog = CatalogReader(client: dependencies.postgres, logger: logger)
    ProductRoutes(
        repository: repository, placement: ProductPlacement(repository: repository),
        setSEO: SetProductSEO(repository: repository) { slug, product in try await catalog.slugHolder(slug, except: product.rawValue) }
    ).addRoutes(admin: admin)
    SpecificationRoutes(repository: repository).addRoutes(admin: admin)
    CategoryRoutes(
        repository: repository, delete: DeleteCategory(repository: repository) { try await catalog.productCount(inCategory: $0.rawValue) },
        catalog: catalog, readYourWrites: readYourWrites, defaultLocale: configuration.defaultLocale
    ).addRoutes(public: router, admin: admin)
    CatalogFileRoutes(
        importer: CatalogImport(repository: repository) { skus in try await catalog.variants(skus: skus).mapValues(\.productId) },
        exporter: CatalogExport(repository: repository)
    ).addRoutes(admin: admin)
    let activity = ActivityRecorder(repository: repository, logger: logger)
    CatalogQueryRoutes(
        catalog: catalog, activity: activity, readYourWrites: readYourWrites, defaultLocale: configuration.defaultLocale,
        digester: SearchDigester(client: dependencies.postgres, logger: logger)
    ).addRoutes(to: router)
    RecommendationRoutes(
        reader: RecommendationsReader(
            client: dependencies.postgres, logger: logger, trendHalfLife: RecommendationsReader.configuredTrendHalfLife()
        ),
        activity: activity, catalog: catalog, readYourWrites: readYourWrites
    ).addRoutes(to: router, signedIn: signedIn, admin: admin)
    OrderQueryRoutes(orders: orderHistory, readYourWrites: readYourWrites).addRoutes(to: router)
    CustomerAdminRoutes(accounts: CustomerAccounts(client: dependencies.postgres, logger: logger), orders: orderHistory).addRoutes(admin: admin)
    let analytics = AnalyticsReader(client: dependencies.postgres, logger: logger)
    AnalyticsRoutes(reader: analytics, readYourWrites: readYourWrites).addRoutes(admin: admin)
    SearchAnalyticsRoutes(
        reader: SearchAnalyticsReader(client: dependencies.postgres, logger: logger), analytics: analytics, vault: repository.personalData.vault,
        readYourWrites: readYourWrites
    ).addRoutes(admin: admin)
    PromotionRoutes(repository: repository, reader: promotionsReader, analytics: analytics).addRoutes(admin: admin)
    ReviewRoutes(
        repository: repository,
        submit: SubmitReview(repository: repository, policy: configuration.reviewPolicy) { customer, product, statuses in
            try await orderHistory.purchase(of: product.rawValue, by: customer.rawValue, statuses: statuses.map(\.rawValue)).map { try OrderID($0) }
        },
        policy: configuration.reviewPolicy, reader: ReviewsReader(client: dependencies.postgres, logger: logger), readYourWrites: readYourWrites
    ).addRoutes(public: router, members: members, admin: admin)
    WishlistRoutes(
        repository: repository, add: AddToWishlist(repository: repository), move: MoveWishlistItemToCart(repository: repository),
        shares: WishlistShares(repository: repository), catalog: catalog
    ).addRoutes(public: router, members: members, signedIn: signedIn)
    DashboardRoutes(
        accounts: accounts, limits: limits, sessions: AccessTokens(secret: configuration.tokenSecret, lifetime: 8 * 3600, issuer: "commerce-dashboard"),
        reader: analytics, postgres: dependencies.postgres, logger: logger
    ).addRoutes(to: router)
    ProcessRoutes(failures: ProcessFailures(client: dependencies.postgres, logger: logger)).addRoutes(admin: admin)
    StreamRoutes(history: StreamHistory(store: store, personalData: personalData)).addRoutes(admin: admin)
    ErasureRoutes(erase: erase).addRoutes(admin: admin)
    // Unsubscribe links are signed with the token secret; the notifier signs them with the same.
    NotificationRoutes(client: dependencies.postgres, unsubscribeKey: SymmetricKey(data: configuration.tokenSecret), logger: logger)
        .addRoutes(public: router, members: members, signedIn: signedIn, admin: admin)
    WebhookEndpointRoutes(client: dependencies.postgres, allowPrivateAddresses: configuration.webhookAllowPrivateAddresses, logger: logger).addRoutes(admin: admin)
    if configuration.metricsOnAPIPort {
        MetricsRoutes(registry: dependencies.metrics, store: store, relayCheckpoint: dependencies.relayCheckpoint, poolSize: dependencies.poolSize, logger: logger)
            .addRoutes(to: router)
    }
    router.get("/openapi.json") { _, _ in
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(string: OpenAPIDocument.json)))
    }
    routeTable.load(router.routes.map { (path: "\($0.path)", method: $0.method) })
    return (router, activity)
}
