import Aggregates
import Application
import EventStore
import Foundation
import Logging
import Notifications
import PostgresNIO
import Projections

/// Everything held about a signed-in customer, as one JSON document (GDPR art. 15 and 20):
/// the account and profile, the address book, the sessions, the carts (from their streams), the
/// orders (from the order history), personal fields opened, the mail preferences and every mail
/// sent or to be sent to them.
struct CustomerExport: Sendable {
    let profiles: CustomerProfiles
    let addresses: AddressBook
    let sessions: Sessions
    let orders: OrderHistoryReader
    let repository: AggregateRepository
    let client: PostgresClient
    let logger: Logger

    struct Document: Codable, Sendable {
        let exportedAt: Date
        let account: CustomerProfiles.Me
        let addresses: [SavedAddress]
        let sessions: [Sessions.Session]
        let carts: [CartRoutes.CartView]
        let orders: [OrderHistoryReader.Order]
        let notificationPreferences: NotificationRoutes.Preferences
        let mails: [MailDeliveryLog.Entry]
    }

    func callAsFunction(_ principal: Principal) async throws -> Document? {
        guard let account = try await profiles.me(principal.userID) else { return nil }
        var orderList: [OrderHistoryReader.Order] = []
        var cursor: String?
        repeat {
            let page = try await orders.orders(customerID: principal.userID, limit: 100, after: cursor)
            orderList += page.items
            cursor = page.nextCursor
        } while cursor != nil
        return Document(
            exportedAt: Date(), account: account, addresses: try await addresses.list(of: principal.userID),
            sessions: try await sessions.open(of: principal), carts: try await carts(of: principal.userID), orders: orderList,
            notificationPreferences: NotificationRoutes.body(try await NotificationPreferences.read(principal.userID, client: client, logger: logger)),
            mails: try await MailDeliveryLog.list(userID: principal.userID, limit: 10_000, client: client, logger: logger)
        )
    }

    private func carts(of userID: String) async throws -> [CartRoutes.CartView] {
        let ids = try await client.query(
            """
            SELECT data->>'cartId' FROM events
            WHERE event_type = 'CartCreated' AND data->'owner'->>'kind' = 'customer' AND data->'owner'->>'id' = \(userID)
            ORDER BY global_position
            """,
            logger: logger
        ).decode(String.self).collectAll()
        var carts: [CartRoutes.CartView] = []
        for id in ids {
            let cart = try CartID(id)
            let (state, version) = try await repository.load(Aggregates.Cart.self, .of("cart", cart))
            let pricing = state.checkout ?? (try? state.priced(.standard, promotions: .none(at: Date())))
            carts.append(CartRoutes.CartView(id: cart, state: state, pricing: pricing, version: version))
        }
        return carts
    }
}
