import API
import Aggregates
import Application
import ServiceLifecycle
import Workers
import EventStore
import Foundation
import Hummingbird
import Mail
import HummingbirdTesting
import NIOCore
import Payments
import PostgresNIO
import Projections
import Testing
import TestSupport

/// The API on a fresh database, served over real HTTP on a free port. Every request comes from
/// one address, so the per-address limits on sign-ins and registrations are lifted unless a
/// test sets them; the account lockout stays.
///
/// Account e-mails go to the development SMTP server (`SMTP_URL`; read them with ``Mailbox``).
/// Checkout does not wait for a verified address unless `requireVerifiedEmail` says so.
func withAPI(
    reservationLifetime: TimeInterval = 900, authLimits: AuthLimitSettings = APIClient.oneAddressLimits, requireVerifiedEmail: Bool = false,
    webhookAllowPrivateAddresses: Bool = false, corsAllowedOrigins: [String] = [], hstsMaxAge: Int? = nil,
    reviewPolicy: ReviewPolicy = ReviewPolicy(), trustedProxies: TrustedProxies = .none, requestLimits: RequestLimits = RequestLimits(), _ body: @escaping @Sendable (APIClient, PostgresClient) async throws -> Void
) async throws {
    try await withTestDatabase(maximumConnections: 40) { client, _ in
        let app = buildApplication(
            configuration: .init(
                port: 0, tokenSecret: APIClient.secret, bcryptCost: 4, reservationLifetime: reservationLifetime, authLimits: authLimits,
                accountMail: AccountMailSettings(storefrontURL: "https://shop.example.com", requireVerifiedEmail: requireVerifiedEmail),
                webhookAllowPrivateAddresses: webhookAllowPrivateAddresses, corsAllowedOrigins: corsAllowedOrigins, hstsMaxAge: hstsMaxAge,
                reviewPolicy: reviewPolicy, trustedProxies: trustedProxies, requestLimits: requestLimits
            ),
            dependencies: APIDependencies(
                postgres: client, webhookSignature: WebhookSignature(secret: APIClient.webhookSecret), mailer: APIClient.mailer
            ),
            logger: TestEnvironment.logger
        )
        try await app.test(.live) { testClient in
            try await body(APIClient(client: testClient), client)
        }
    }
}

/// Two servers of `configuration` on one fresh database, as two processes of a deployment are:
/// each with its own caches, limits shared only through the database.
func withTwoAPIServers(_ configuration: APIConfiguration, _ body: @escaping @Sendable (APIClient, APIClient, PostgresClient) async throws -> Void) async throws {
    try await withTestDatabase(maximumConnections: 30) { postgres, _ in
        @Sendable func server() -> some ApplicationProtocol {
            buildApplication(
                configuration: configuration,
                dependencies: APIDependencies(postgres: postgres, webhookSignature: WebhookSignature(secret: APIClient.webhookSecret)),
                logger: TestEnvironment.logger
            )
        }
        try await server().test(.live) { first in
            try await server().test(.live) { second in
                try await body(APIClient(client: first), APIClient(client: second), postgres)
            }
        }
    }
}

/// Requests with JSON bodies and bearer tokens, answers as JSON.
struct APIClient: Sendable {
    static let secret = Array("an-api-test-secret-of-32-bytes!!".utf8)
    static let webhookSecret = Array("a-webhook-test-secret-of-32-byte".utf8)
    /// The limits of a test whose many customers all call from 127.0.0.1.
    static let oneAddressLimits = AuthLimitSettings(loginsPerAddress: 1_000_000, registrationsPerAddress: 1_000_000, mailRequestsPerAddress: 1_000_000)
    /// The development SMTP server of scripts/services.
    static let mailer: (any Mailer)? = ProcessInfo.processInfo.environment["SMTP_URL"].flatMap { try? SMTPClient(settings: SMTPSettings(url: $0)) }
    let client: any TestClientProtocol
    /// A connection of this client's own (``onOwnConnection(timeout:_:)``); nil: the test client's.
    var connection: TestClient?

    struct Answer: Sendable {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: [String: any Sendable]
        /// The body as text (a CSV download).
        var text = ""
        /// The body as sent (an image).
        var bytes: [UInt8] = []

        var code: String? { body["code"] as? String }
        subscript(key: String) -> (any Sendable)? { body[key] }
        func string(_ key: String) -> String { body[key] as? String ?? "" }
        func integer(_ key: String) -> Int64 { body[key] as? Int64 ?? -1 }
    }

    @discardableResult
    func call(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: String? = nil, headers: HTTPFields = [:]) async throws -> Answer {
        var headers = headers
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await call(method, path, token: token, bytes: json.map { Array($0.utf8) }, headers: headers)
    }

    /// A request with a body of any bytes (an upload), its Content-Type in `headers`.
    @discardableResult
    func call(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, bytes: [UInt8]?, headers: HTTPFields = [:]) async throws -> Answer {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let connection {
            let response = try await connection.execute(TestClient.Request(
                path, method: method, authority: "localhost", headers: headers, body: bytes.map { ByteBuffer(bytes: $0) }
            ))
            return Self.answer(status: response.status, headers: response.headers, body: response.body.map { Data($0.readableBytesView) } ?? Data())
        }
        return try await client.execute(uri: path, method: method, headers: headers, body: bytes.map { ByteBuffer(bytes: $0) }) { response in
            Self.answer(status: response.status, headers: response.headers, body: Data(response.body.readableBytesView))
        }
    }

    static func answer(status: HTTPResponse.Status, headers: HTTPFields, body data: Data) -> Answer {
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return Answer(status: status, headers: headers, body: object.mapValues { SendableJSON.wrap($0) }, text: String(decoding: data, as: UTF8.self), bytes: [UInt8](data))
    }

    @discardableResult
    func call(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, body: [String: Any], headers: HTTPFields = [:]) async throws -> Answer {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        return try await call(method, path, token: token, json: json, headers: headers)
    }

    /// A request for ``concurrently(_:)``.
    struct Call: Sendable {
        let method: HTTPRequest.Method
        let path: String
        let token: String?
        let json: String?

        init(_ method: HTTPRequest.Method, _ path: String, token: String? = nil, body: [String: Any]? = nil) {
            self.method = method
            self.path = path
            self.token = token
            json = body.map { String(decoding: try! JSONSerialization.data(withJSONObject: $0), as: UTF8.self) }
        }
    }

    /// Sends every call at once, each on a connection of its own, so the server handles them
    /// side by side (the test client's one connection would have them answered one after
    /// another). Answers in the order of `calls`.
    func concurrently(_ calls: [Call]) async throws -> [Answer] {
        try await withThrowingTaskGroup(of: (Int, Answer).self) { group in
            for (index, call) in calls.enumerated() {
                group.addTask {
                    try await onOwnConnection { api in (index, try await api.call(call.method, call.path, token: call.token, json: call.json)) }
                }
            }
            var answers = [Answer?](repeating: nil, count: calls.count)
            for try await (index, answer) in group { answers[index] = answer }
            return answers.map { $0! }
        }
    }

    /// `body` with a client whose requests go on a connection of its own, each given `timeout`:
    /// for work done side by side with other clients' (on the shared connection every request
    /// waits for all those sent before it, and its 20 s count from when it was sent).
    func onOwnConnection<Value: Sendable>(timeout: Duration = .seconds(120), _ body: (APIClient) async throws -> Value) async throws -> Value {
        guard let port = client.port else { throw TestClient.Error.connectionNotOpen }
        let own = TestClient(host: "localhost", port: port, configuration: .init(timeout: timeout))
        own.connect()
        var api = self
        api.connection = own
        do {
            let value = try await body(api)
            try? await own.shutdown()
            return value
        } catch {
            try? await own.shutdown()
            throw error
        }
    }

    /// Registers a customer and signs in; returns the access token and user id.
    func register(_ email: String, password: String = "correct horse battery") async throws -> (token: String, userID: String) {
        let answer = try await call(.post, "/auth/register", body: ["email": email, "password": password])
        #expect(answer.status == .accepted, "\(answer.body)")
        let signedIn = try await call(.post, "/auth/login", body: ["email": email, "password": password])
        #expect(signedIn.status == .ok, "\(signedIn.body)")
        return (signedIn.string("accessToken"), signedIn.string("userId"))
    }

    /// An admin: registered, promoted in the database, signed in again.
    func admin(_ postgres: PostgresClient) async throws -> String {
        let (_, userID) = try await register("admin-\(UUID().uuidString.prefix(6))@example.com")
        try await postgres.query("UPDATE users SET role = 'admin' WHERE user_id = \(userID)")
        let email = try await postgres.query("SELECT email FROM users WHERE user_id = \(userID)").decode(String.self).collectAll()[0]
        return try await call(.post, "/auth/login", body: ["email": email, "password": "correct horse battery"]).string("accessToken")
    }

    /// A published product with one SKU priced in EUR, and `stock` units received.
    func product(admin: String, id: String, sku: String, price: Int, stock: Int) async throws {
        #expect(try await call(.post, "/admin/products", token: admin, body: ["productId": id, "name": "Product \(id)", "description": "A test product", "categoryPath": ["Test"]]).status == .created)
        #expect(try await call(.post, "/admin/products/\(id)/variants", token: admin, body: ["sku": sku, "attributes": ["size": "M"]]).status == .ok)
        #expect(try await call(.put, "/admin/products/\(id)/prices", token: admin, body: ["sku": sku, "amount": price, "currency": "EUR"]).status == .ok)
        #expect(try await call(.post, "/admin/products/\(id)/publish", token: admin).status == .ok)
        if stock > 0 {
            #expect(try await call(.post, "/admin/inventory/\(sku)/receive", token: admin, body: ["quantity": stock]).status == .ok)
        }
    }

    /// A cart with `quantity` of the SKU, an address in Germany and standard shipping; returns its id.
    func readyCart(token: String, product: String, sku: String, quantity: Int = 1) async throws -> String {
        let cart = try await call(.post, "/carts", token: token, body: ["currency": "EUR"]).string("id")
        #expect(try await call(.post, "/carts/\(cart)/lines", token: token, body: ["productId": product, "sku": sku, "quantity": quantity]).status == .ok)
        #expect(try await call(.put, "/carts/\(cart)/shipping-address", token: token,
                               body: ["name": "Ada", "line1": "1 Main St", "city": "Berlin", "postalCode": "10115", "country": "DE"]).status == .ok)
        #expect(try await call(.put, "/carts/\(cart)/shipping-method", token: token, body: ["method": "standard"]).status == .ok)
        return cart
    }
}

/// JSON values as Sendable (Foundation's Any is not).
enum SendableJSON {
    static func wrap(_ value: Any) -> any Sendable {
        switch value {
        case let number as NSNumber: Double(number.int64Value) == number.doubleValue ? number.int64Value : number.doubleValue
        case let string as String: string
        case let array as [Any]: array.map(wrap)
        case let object as [String: Any]: object.mapValues(wrap)
        default: "\(value)"
        }
    }
}

/// Every process manager of the order lifecycle, acting quickly (the sandbox gateway).
func lifecycleWorkers(_ postgres: PostgresClient, expiryInterval: Duration = .milliseconds(100)) -> [any Service] {
    var configuration = LifecycleWorkers.Configuration(gateway: SandboxGateway())
    configuration.expiryInterval = expiryInterval
    configuration.gatewayAttempts = 2
    return LifecycleWorkers.services(store: PostgresEventStore(client: postgres, logger: TestEnvironment.logger), configuration: configuration, logger: TestEnvironment.logger)
}

/// Aggregate states straight from their streams (the write side, not a read model).
struct Streams: Sendable {
    let repository: AggregateRepository

    init(_ postgres: PostgresClient) {
        // No cache: each read folds the stream as stored.
        repository = AggregateRepository(store: PostgresEventStore(client: postgres, logger: TestEnvironment.logger), cacheCapacity: 1)
    }

    func stock(_ sku: String) async throws -> Inventory.State {
        try await repository.load(Inventory.self, .of("inventory", try SKU(sku))).state
    }

    func payment(ofOrder order: String) async throws -> Payment.State {
        try await repository.load(Payment.self, .of("payment", OrderPayments.paymentID(for: try OrderID(order)))).state
    }

    func order(_ order: String) async throws -> Order.State {
        try await repository.load(Order.self, .of("order", try OrderID(order))).state
    }
}

/// Applies every stored event to the read models, as the projector would from Kafka.
func project(_ postgres: PostgresClient) async throws {
    let store = PostgresEventStore(client: postgres, logger: TestEnvironment.logger)
    let events = try await readEverything(store)
    _ = try await postgres.withTransaction(logger: TestEnvironment.logger) { connection in
        try await ProjectionApplier.apply(events, to: WorkerSet.projections, on: connection, logger: TestEnvironment.logger)
    }
}

/// A JSON boolean as ``SendableJSON`` gives it (JSONSerialization reads it as the number 1 or 0).
func flag(_ value: (any Sendable)?) -> Bool? { (value as? Int64).map { $0 != 0 } }

/// A JSON number as a Double, whether it was written whole (5.0 reads as 5) or not.
func number(_ value: (any Sendable)?) -> Double? { (value as? Double) ?? (value as? Int64).map(Double.init) }
