import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Payments
import ServiceLifecycle
import TestSupport

/// A merchant's system receiving our webhooks: an HTTP server on a free loopback port that
/// checks each POST's signature with the endpoint's secret, keeps it, and answers as scripted —
/// failing a delivery's first `failures` attempts with a 500, then 200 (or always 500).
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        let deliveryID: String
        let attempt: String
        let eventType: String
        let body: [UInt8]
        let signatureValid: Bool
        let contentType: String
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:] }
    }

    let port: Int
    let secret: String
    let failures: Int
    let received = LockedBox<[Received]>([])
    var url: String { "http://127.0.0.1:\(port)/hook" }

    /// - Parameter failures: attempts of each delivery answered 500 before one is accepted; `.max`: never accepted.
    init(secret: String, failures: Int = 0) throws {
        port = try closedPort()
        self.secret = secret
        self.failures = failures
    }

    var application: some ApplicationProtocol {
        let router = Router()
        let received = received
        let signature = WebhookSignature(secret: Array(secret.utf8))
        let failures = failures
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let bytes = Array(body.readableBytesView)
            let deliveryID = request.headers[HTTPField.Name("Commerce-Delivery-Id")!] ?? ""
            let valid = (try? signature.verify(header: request.headers[HTTPField.Name("Commerce-Signature")!], body: bytes)) != nil
            let earlier = received.withLock { all in
                all.append(Received(
                    deliveryID: deliveryID, attempt: request.headers[HTTPField.Name("Commerce-Delivery-Attempt")!] ?? "",
                    eventType: request.headers[HTTPField.Name("Commerce-Event-Type")!] ?? "", body: bytes, signatureValid: valid,
                    contentType: request.headers[.contentType] ?? ""
                ))
                return all.filter { $0.deliveryID == deliveryID }.count - 1
            }
            return Response(status: earlier < failures ? .internalServerError : .ok)
        }
        router.get("/ready") { _, _ in "ready" }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: TestEnvironment.logger)
    }

    /// Runs the receiver while `body` runs.
    func serving<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withServices([application]) {
            try await waitUntil(timeout: .seconds(20)) { DedicatedBroker.accepts(port: self.port) }
            return try await body()
        }
    }
}
