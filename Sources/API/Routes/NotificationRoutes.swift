import Crypto
import Foundation
import Hummingbird
import Logging
import Notifications
import PostgresNIO

/// Mail for customers and admins: the admins' delivery log, a customer's preferences (language,
/// marketing opt-ins), and the unsubscribe link marketing mails carry — a GET that only says
/// what the link would do (mail scanners open links), and the one-click POST of RFC 8058.
struct NotificationRoutes {
    let client: PostgresClient
    let unsubscribeKey: SymmetricKey
    let logger: Logger

    struct DeliveryList: Codable, Sendable {
        let deliveries: [MailDeliveryLog.Entry]
    }

    struct Preferences: Codable, Sendable {
        let locale: String
        let marketing: [String]
    }

    struct Unsubscription: Codable, Sendable {
        let kind: String
        let unsubscribed: Bool
    }

    func addRoutes(public router: Router<CommerceRequestContext>, members: RouterGroup<CommerceRequestContext>, signedIn: RouterGroup<CommerceRequestContext>, admin: RouterGroup<CommerceRequestContext>) {
        admin.get("notifications/deliveries") { request, _ -> JSONBody<DeliveryList> in
            let query = request.uri.queryParameters
            let status = try QueryParameters.text(query["status"], "status", maxLength: 20)
            if let status, !MailDeliveryLog.statuses.contains(status) {
                throw Problem.badRequest("invalid_parameter", "status must be one of \(MailDeliveryLog.statuses.joined(separator: ", "))", field: "status")
            }
            var kind: NotificationKind?
            if let text = query["kind"] {
                guard let parsed = NotificationKind(rawValue: String(text)) else {
                    throw Problem.badRequest("invalid_parameter", "kind must be one of \(NotificationKind.allCases.map(\.rawValue).joined(separator: ", "))", field: "kind")
                }
                kind = parsed
            }
            var eventID: UUID?
            if let text = query["eventId"] {
                guard let parsed = UUID(uuidString: String(text)) else { throw Problem.badRequest("invalid_parameter", "eventId must be a UUID", field: "eventId") }
                eventID = parsed
            }
            return JSONBody(DeliveryList(deliveries: try await MailDeliveryLog.list(
                status: status, kind: kind, eventID: eventID, limit: try QueryParameters.limit(query["limit"]), client: client, logger: logger
            )))
        }
        signedIn.get("/customers/me/notification-preferences") { _, context -> JSONBody<Preferences> in
            JSONBody(Self.body(try await NotificationPreferences.read(try context.requirePrincipal().userID, client: client, logger: logger)))
        }
        members.put("/customers/me/notification-preferences") { request, context -> JSONBody<Preferences> in
            let userID = try context.requirePrincipal().userID
            let body = try await StrictJSON.decode(Preferences.self, from: request, context: context)
            guard let locale = MailLocale(rawValue: body.locale) else {
                throw Problem.badRequest("invalid_preferences", "locale must be one of \(MailLocale.allCases.map(\.rawValue).joined(separator: ", "))", field: "locale")
            }
            var kinds: Set<NotificationKind> = []
            for name in body.marketing {
                guard let kind = NotificationKind(rawValue: name), kind.isMarketing else {
                    throw Problem.badRequest("invalid_preferences", "marketing lists opt-in kinds: \(NotificationKind.marketing.map(\.rawValue).joined(separator: ", ")); transactional mail is always sent", field: "marketing")
                }
                kinds.insert(kind)
            }
            let preferences = NotificationPreferences(locale: locale, marketing: kinds)
            try await NotificationPreferences.save(preferences, for: userID, client: client, logger: logger)
            return JSONBody(Self.body(preferences))
        }
        router.get("/notifications/unsubscribe") { request, _ -> JSONBody<Unsubscription> in
            let token = try token(request)
            return JSONBody(Unsubscription(kind: token.kind.rawValue, unsubscribed: false))
        }
        router.post("/notifications/unsubscribe") { request, _ -> JSONBody<Unsubscription> in
            let token = try token(request)
            guard try await NotificationPreferences.unsubscribe(token.userID, from: token.kind, client: client, logger: logger) else {
                throw Problem(.notFound, "account_not_found", "the account this link was sent to no longer exists")
            }
            return JSONBody(Unsubscription(kind: token.kind.rawValue, unsubscribed: true))
        }
    }

    private func token(_ request: Request) throws -> UnsubscribeToken {
        guard let text = request.uri.queryParameters["token"] else {
            throw Problem.badRequest("invalid_unsubscribe_token", "the link's token is missing", field: "token")
        }
        guard let token = UnsubscribeToken(verifying: String(text), with: unsubscribeKey) else {
            throw Problem.unprocessable("invalid_unsubscribe_token", "the link's token is altered", field: "token")
        }
        return token
    }

    static func body(_ preferences: NotificationPreferences) -> Preferences {
        Preferences(locale: preferences.locale.rawValue, marketing: preferences.marketing.map(\.rawValue).sorted())
    }
}
