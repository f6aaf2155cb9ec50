import Aggregates
import Commands
import EventStore
import Foundation
import Payments

/// Checkout: in one transaction the cart is closed, the order placed and stock reserved on
/// every SKU's inventory stream, each append expecting the version it was decided on. When
/// another checkout took stock meanwhile, the whole decision is made again on fresh state;
/// when there is not enough stock, nothing is written and the customer gets 409
/// `inventory.insufficient_stock` naming the SKU. The card is exchanged for a gateway token
/// and a payment is initiated in the same transaction; the checkout process authorizes it.
struct Checkout {
    let repository: AggregateRepository
    let reservationLifetime: TimeInterval
    let method: PaymentMethodToken
    /// Contention on a popular SKU makes losers retry; after this many tries they are told so.
    let attempts = 30

    func run(cartID: CartID, customer: Principal, ifMatch: Int64?, metadata: EventMetadata) async throws -> CommandResult {
        let orderID = try OrderID("order_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await attemptOnce(cartID: cartID, orderID: orderID, customer: customer, ifMatch: ifMatch, metadata: metadata)
            } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
                // The cart itself moved under a pinned version: the client must look again.
                if ifMatch != nil, error.stream == .of("cart", cartID) { throw error }
                guard attempt < attempts else {
                    throw Problem(.conflict, "checkout_contended", "stock changed under this checkout \(attempts) times; try again")
                }
                try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt))))
            }
        }
    }

    private func attemptOnce(cartID: CartID, orderID: OrderID, customer: Principal, ifMatch: Int64?, metadata: EventMetadata) async throws -> CommandResult {
        let now = Date()
        let context = DecisionContext(now: now)
        let cartStream = StreamName.of("cart", cartID)
        let (cart, cartVersion) = try await repository.load(Cart.self, cartStream)
        guard cart.id != nil, CommandController.owns(customer, cart.owner) else { throw Problem.notFound("cart \(cartID)") }
        if let ifMatch, ifMatch != cartVersion {
            throw VersionConflict(stream: cartStream.rawValue, currentVersion: cartVersion, expectedVersion: ifMatch)
        }
        let cartEvents = try Cart.decide(.checkOut(orderId: orderID, pricing: .standard), cart, context)
        guard let checkout = cartEvents.compactMap({ if case .checkedOut(let event) = $0 { event } else { nil } }).first else {
            throw Problem(.conflict, "cart.closed", "cart \(cartID) cannot be checked out")
        }
        let orderEvents = try Order.decide(.place(id: orderID, checkout: checkout), Order.initialState, context)
        let paymentID = try PaymentID(orderID.rawValue.replacingOccurrences(of: "order_", with: "pay_"))
        let paymentEvents = try Payment.decide(.initiate(id: paymentID, orderId: orderID, amount: checkout.totals.total, method: method.value),
                                               Payment.initialState, context)
        var appends = [
            StreamAppend(stream: cartStream, expectedVersion: .exact(cartVersion), events: cartEvents.map { AggregateRepository.newEvent($0, metadata) }),
            StreamAppend(stream: .of("order", orderID), expectedVersion: .noStream, events: orderEvents.map { AggregateRepository.newEvent($0, metadata) }),
            StreamAppend(stream: .of("payment", paymentID), expectedVersion: .noStream, events: paymentEvents.map { AggregateRepository.newEvent($0, metadata) }),
        ]
        // One reservation per SKU (lines are per SKU already), in a stable order.
        for line in checkout.lines.sorted(by: { $0.sku < $1.sku }) {
            let stream = StreamName.of("inventory", line.sku)
            let (stock, version) = try await repository.load(Inventory.self, stream)
            let reserved = try Inventory.decide(.reserve(sku: line.sku, orderId: orderID, quantity: line.quantity,
                                                         expiresAt: now.addingTimeInterval(reservationLifetime)), stock, context)
            appends.append(StreamAppend(stream: stream, expectedVersion: .exact(version), events: reserved.map { AggregateRepository.newEvent($0, metadata) }))
        }
        let results = try await repository.store.append(appends)
        let order = results[1]
        // The order's position: what a client waits for to see the order in its history.
        return CommandResult(stream: order.stream.rawValue, version: order.lastVersion, position: order.lastPosition, id: orderID.rawValue)
    }
}
