import Foundation
import Hummingbird
import Logging
import Notifications
import PostgresNIO

/// Outbound webhooks for admins: register an endpoint (its secret is shown once, in the
/// answer), list, read and delete endpoints, read an endpoint's delivery log with every
/// attempt, and send a delivery again.
struct WebhookEndpointRoutes {
    let client: PostgresClient
    let allowPrivateAddresses: Bool
    let logger: Logger

    struct Registration: Codable, Sendable {
        let url: String
        let eventTypes: [String]
        let secret: String?
        let description: String?
    }

    struct Created: Codable, Sendable {
        let endpoint: WebhookEndpoint
        /// The signing secret: shown here only.
        let secret: String
    }

    struct EndpointList: Codable, Sendable {
        let endpoints: [WebhookEndpoint]
    }

    struct DeliveryList: Codable, Sendable {
        let deliveries: [WebhookDelivery]
    }

    func addRoutes(admin: RouterGroup<CommerceRequestContext>) {
        admin.post("webhooks") { request, context -> EditedResponse<JSONBody<Created>> in
            let body = try await StrictJSON.decode(Registration.self, from: request, context: context)
            let draft: WebhookEndpoint.Draft
            do {
                draft = try WebhookEndpoint.Draft(url: body.url, eventTypes: body.eventTypes, secret: body.secret, description: body.description)
                    .validated(allowPrivateAddresses: allowPrivateAddresses)
            } catch let error as WebhookEndpoint.Invalid {
                throw Problem.unprocessable("invalid_webhook_endpoint", "\(error.field): \(error.message)", field: error.field)
            }
            let (endpoint, secret) = try await WebhookEndpoints.create(draft, client: client, logger: logger)
            return EditedResponse(status: .created, response: JSONBody(Created(endpoint: endpoint, secret: secret)))
        }
        admin.get("webhooks") { _, _ -> JSONBody<EndpointList> in
            JSONBody(EndpointList(endpoints: try await WebhookEndpoints.active(client: client, logger: logger)))
        }
        admin.get("webhooks/:endpointId") { _, context -> JSONBody<WebhookEndpoint> in
            JSONBody(try await endpoint(context))
        }
        admin.delete("webhooks/:endpointId") { _, context -> Response in
            let id = try endpointID(context)
            guard try await WebhookEndpoints.delete(id, client: client, logger: logger) else { throw Self.endpointNotFound }
            return Response(status: .noContent)
        }
        admin.get("webhooks/:endpointId/deliveries") { request, context -> JSONBody<DeliveryList> in
            let endpoint = try await endpoint(context)
            let query = request.uri.queryParameters
            var status: WebhookDelivery.Status?
            if let text = query["status"] {
                guard let parsed = WebhookDelivery.Status(rawValue: String(text)) else {
                    throw Problem.badRequest("invalid_parameter", "status must be pending, delivered or dead", field: "status")
                }
                status = parsed
            }
            return JSONBody(DeliveryList(deliveries: try await WebhookDeliveries.log(
                endpoint: endpoint.id, status: status, limit: try QueryParameters.limit(query["limit"]), client: client, logger: logger
            )))
        }
        admin.post("webhooks/:endpointId/deliveries/:deliveryId/retry") { _, context -> EditedResponse<JSONBody<WebhookDelivery>> in
            let endpoint = try endpointID(context)
            guard let delivery = UUID(uuidString: try context.parameters.require("deliveryId")) else { throw Self.deliveryNotFound }
            guard let redelivered = try await WebhookDeliveries.redeliver(delivery, endpoint: endpoint, client: client, logger: logger) else {
                throw Self.deliveryNotFound
            }
            return EditedResponse(status: .accepted, response: JSONBody(redelivered))
        }
    }

    static let endpointNotFound = Problem(.notFound, "webhook_endpoint_not_found", "no such webhook endpoint")
    static let deliveryNotFound = Problem(.notFound, "webhook_delivery_not_found", "this endpoint has no such delivery, or the endpoint was deleted")

    private func endpointID(_ context: CommerceRequestContext) throws -> UUID {
        guard let id = UUID(uuidString: try context.parameters.require("endpointId")) else { throw Self.endpointNotFound }
        return id
    }

    private func endpoint(_ context: CommerceRequestContext) async throws -> WebhookEndpoint {
        guard let endpoint = try await WebhookEndpoints.find(try endpointID(context), client: client, logger: logger) else { throw Self.endpointNotFound }
        return endpoint
    }
}
