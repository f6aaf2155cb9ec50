import Aggregates
import EventStore
import Foundation
import Payments

/// Checkout: in one transaction the cart is closed, the order placed, a payment initiated and
/// stock reserved on every SKU's inventory stream (each reservation carrying the order's payment
/// deadline), each append expecting the version it was decided on. When another checkout
/// took stock meanwhile, the whole decision is made again on fresh state; when there is not
/// enough stock, nothing is written and the refusal names the SKU.
///
/// Promotions: the cart is priced with its promotions as loaded now, and every limited
/// promotion and coupon code it uses records the redemption in the same transaction, expecting
/// the version it was decided on — so a code limited to 25 uses is on exactly 25 orders however
/// many checkouts race for it. A code that ran out meanwhile refuses the checkout
/// (``PromotionUnavailable``) and nothing is written.
public struct PlaceOrder: Sendable {
    public struct Contended: Error, Sendable {
        public let attempts: Int
    }

    let repository: AggregateRepository
    let reservationLifetime: TimeInterval
    let promotions: PromotionPricing
    /// Checkouts of this process that share a SKU or a coupon code take turns.
    let gate = StreamGate()
    /// Contention on a popular SKU or coupon (from other processes) makes losers retry; after
    /// this many tries they are told so.
    let attempts = 40

    public init(repository: AggregateRepository, reservationLifetime: TimeInterval, promotions: PromotionPricing) {
        self.repository = repository
        self.reservationLifetime = reservationLifetime
        self.promotions = promotions
    }

    /// - Throws: ``ApplicationError`` not found (not the requester's cart), ``VersionConflict``
    ///   (the cart moved past `ifMatch`), ``DomainError`` (empty cart, no stock…), ``Contended``.
    public func callAsFunction(cart cartID: CartID, by requester: Requester, method: PaymentMethodToken, ifMatch: Int64?, metadata: EventMetadata) async throws -> CommandResult {
        let orderID = try OrderID(RandomIdentifier.hex(prefix: "order_"))
        var attempt = 0
        // The first attempt reserves on the stock states this process cached (see
        // `AggregateRepository.execute`); after a conflict every stream is read.
        var stockFromCache = true
        while true {
            attempt += 1
            do {
                // The cart as loaded to find the streams is the one the first attempt decides on
                // (its append expects that version); a later attempt loads it again.
                let cart = try await repository.load(Cart.self, .of("cart", cartID))
                return try await gate.withKeys(Self.contendedStreams(cart.state)) {
                    try await attemptOnce(cartID: cartID, orderID: orderID, requester: requester, method: method, ifMatch: ifMatch, metadata: metadata,
                                          loaded: cart, stockFromCache: stockFromCache)
                }
            } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
                // The cart itself moved under a pinned version: the client must look again.
                if ifMatch != nil, error.stream == .of("cart", cartID) { throw error }
                guard attempt < attempts else { throw Contended(attempts: attempts) }
                // A cached stock state that was behind is no contention: read, and go again at once.
                let cachedStockWasBehind = stockFromCache && error.stream?.category == "inventory"
                stockFromCache = false
                if !cachedStockWasBehind { try await Task.sleep(for: .milliseconds(Int.random(in: 1...(5 * attempt)))) }
            }
        }
    }

    /// The streams other checkouts of this cart's contents would write too: its SKUs' inventory
    /// and its coupon codes.
    private static func contendedStreams(_ cart: Cart.State) -> Set<String> {
        Set(cart.lines.map { StreamName.of("inventory", $0.sku).rawValue } + cart.couponCodes.map { StreamName.of("coupon", $0).rawValue })
    }

    private func attemptOnce(
        cartID: CartID, orderID: OrderID, requester: Requester, method: PaymentMethodToken, ifMatch: Int64?, metadata: EventMetadata,
        loaded: (state: Cart.State, version: Int64), stockFromCache: Bool
    ) async throws -> CommandResult {
        let now = Date()
        let context = DecisionContext(now: now)
        let expiresAt = now.addingTimeInterval(reservationLifetime)
        let cartStream = StreamName.of("cart", cartID)
        let (cart, cartVersion) = loaded
        guard cart.id != nil, requester.owns(cart.owner) else { throw ApplicationError.notFound("cart \(cartID)") }
        if let ifMatch, ifMatch != cartVersion {
            throw VersionConflict(stream: cartStream.rawValue, currentVersion: cartVersion, expectedVersion: ifMatch)
        }
        let offers = try await promotions.load(for: cart, now: now)
        if let exhausted = try cart.priced(.standard, promotions: offers.context).coupons.first(where: { $0.refusal?.isExhaustion == true }),
           let promotionID = exhausted.promotionId {
            throw PromotionUnavailable(promotionId: promotionID, code: exhausted.code, refusal: exhausted.refusal!)
        }
        let cartEvents = try Cart.decide(.checkOut(orderId: orderID, pricing: .standard, promotions: offers.context), cart, context)
        guard let checkout = cartEvents.compactMap({ if case .checkedOut(let event) = $0 { event } else { nil } }).first else {
            throw DomainError(.cartClosed, "cart \(cartID) cannot be checked out")
        }
        let orderEvents = try Order.decide(.place(id: orderID, checkout: checkout), Order.initialState, context)
        let paymentID = OrderPayments.paymentID(for: orderID)
        let paymentEvents = try Payment.decide(.initiate(id: paymentID, orderId: orderID, amount: checkout.totals.total, method: method.value),
                                               Payment.initialState, context)
        var appends = [
            StreamAppend(stream: cartStream, expectedVersion: .exact(cartVersion), events: cartEvents.map { AggregateRepository.newEvent($0, metadata) }),
            StreamAppend(stream: .of("order", orderID), expectedVersion: .noStream, events: orderEvents.map { AggregateRepository.newEvent($0, metadata) }),
            StreamAppend(stream: .of("payment", paymentID), expectedVersion: .noStream, events: paymentEvents.map { AggregateRepository.newEvent($0, metadata) }),
        ]
        appends += try redemptions(of: checkout, offers: offers, orderID: orderID, context: context, metadata: metadata)
        // One reservation per SKU (lines are per SKU already), in a stable order.
        var reservations: [(stream: StreamName, decidedOn: Inventory.State, index: Int)] = []
        for line in checkout.lines.sorted(by: { $0.sku < $1.sku }) {
            let stream = StreamName.of("inventory", line.sku)
            let reserve = Inventory.Command.reserve(sku: line.sku, orderId: orderID, quantity: line.quantity, expiresAt: expiresAt)
            let (stock, version, reserved) = try await decide(reserve, on: stream, stockFromCache: stockFromCache, context: context)
            reservations.append((stream, stock, appends.count))
            appends.append(StreamAppend(stream: stream, expectedVersion: .exact(version), events: reserved.map { AggregateRepository.newEvent($0, metadata) }))
        }
        // The shared append path: concurrent checkouts commit together (group commit).
        let results = try await repository.append(appends)
        for reservation in reservations {
            repository.remember(Inventory.self, reservation.stream, decidedOn: reservation.decidedOn, appended: appends[reservation.index].events,
                                version: results[reservation.index].lastVersion)
        }
        let order = results[1]
        // The order's position: what a client waits for to see the order in its history.
        return CommandResult(stream: order.stream.rawValue, version: order.lastVersion, position: order.lastPosition, id: orderID.rawValue)
    }

    /// A reservation decided on the stream's stock state: this process's cached one when
    /// `stockFromCache` and it has one, else (and for a refusal: not enough stock) as read.
    private func decide(_ reserve: Inventory.Command, on stream: StreamName, stockFromCache: Bool, context: DecisionContext)
        async throws -> (state: Inventory.State, version: Int64, events: [Inventory.Event]) {
        // A refusal on the cached state is not dropped: it is decided again below, on the stream.
        if stockFromCache, let (state, version) = repository.cached(Inventory.self, stream), let events = try? Inventory.decide(reserve, state, context) {
            return (state, version, events)
        }
        let (state, version) = try await repository.load(Inventory.self, stream)
        return (state, version, try Inventory.decide(reserve, state, context))
    }

    /// The uses the order takes of limited promotions and codes, each expecting the version the
    /// price was decided on.
    private func redemptions(of checkout: CartCheckedOut, offers: PromotionPricing.Loaded, orderID: OrderID, context: DecisionContext,
                             metadata: EventMetadata) throws -> [StreamAppend] {
        var customerID: CustomerID?
        if case .customer(let id) = checkout.owner { customerID = id }
        var promotionsByID: [PromotionID: Promotion.State] = [:]
        for promotion in offers.context.automatic + offers.context.coupons.values.compactMap(\.promotion) {
            if let id = promotion.id { promotionsByID[id] = promotion }
        }
        var appends: [StreamAppend] = []
        for discount in checkout.discounts {
            func refused(_ error: DomainError) -> any Error {
                guard error.code == .promotionUsedUp else { return error }
                return PromotionUnavailable(promotionId: discount.promotionId, code: discount.code, refusal: .usedUp)
            }
            if let promotion = promotionsByID[discount.promotionId], promotion.definition?.isLimited == true {
                let stream = StreamName.of("promotion", discount.promotionId)
                do {
                    let events = try Promotion.decide(.redeem(orderId: orderID, customerId: customerID), promotion, context)
                    appends.append(StreamAppend(stream: stream, expectedVersion: .exact(offers.versions[stream] ?? -1),
                                                events: events.map { AggregateRepository.newEvent($0, metadata) }))
                } catch { throw refused(error) }
            }
            if let code = discount.code, let coupon = offers.context.coupons[code]?.coupon, coupon.isLimited {
                let stream = StreamName.of("coupon", code)
                do {
                    let events = try Coupon.decide(.redeem(orderId: orderID, customerId: customerID), coupon, context)
                    appends.append(StreamAppend(stream: stream, expectedVersion: .exact(offers.versions[stream] ?? -1),
                                                events: events.map { AggregateRepository.newEvent($0, metadata) }))
                } catch { throw refused(error) }
            }
        }
        return appends
    }
}
