import API
import Foundation
import Hummingbird
import Payments
import PostgresNIO
import Testing
import TestSupport

@Suite("OpenAPI document")
struct OpenAPITests {
    @Test("the document lists exactly the routes the server has, and is what /openapi.json serves")
    func routesMatchTheDocument() async throws {
        let postgres = PostgresClient(configuration: TestEnvironment.databaseURL.clientConfiguration(), backgroundLogger: TestEnvironment.logger)
        let router = buildRouter(
            configuration: .init(tokenSecret: APIClient.secret),
            dependencies: APIDependencies(postgres: postgres, webhookSignature: WebhookSignature(secret: APIClient.webhookSecret)),
            logger: TestEnvironment.logger
        )
        // Hummingbird prints captures as {name} or :name; the document uses {name}.
        let served = Set(router.routes.map { route in
            let path = "\(route.path)".split(separator: "/").map { part in
                part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }.joined(separator: "/")
            return "\(route.method.rawValue) /\(path)".replacingOccurrences(of: "//", with: "/")
        })

        let yaml = try String(contentsOf: TestEnvironment.repositoryRoot.appendingPathComponent("schemas/openapi.yaml"), encoding: .utf8)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(try await servedDocument(router).utf8)) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        var documented = Set<String>()
        for (path, operations) in paths {
            for method in operations.keys where ["get", "post", "put", "patch", "delete"].contains(method) {
                documented.insert("\(method.uppercased()) \(path)")
            }
        }
        #expect(served.subtracting(documented).sorted() == [], "routes missing from schemas/openapi.yaml")
        #expect(documented.subtracting(served).sorted() == [], "documented routes the server does not have")
        #expect(yaml.contains("openapi: 3.1.0"))
        #expect(served.count > 30 && served.contains("POST /carts/{cartId}/checkout"), "\(served.sorted())")
    }

    /// The document as `/openapi.json` answers it.
    func servedDocument(_ router: Router<CommerceRequestContext>) async throws -> String {
        let app = Application(router: router)
        return try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                return String(buffer: response.body)
            }
        }
    }
}
