import Foundation

/// Stock of one SKU (one stream per SKU): received and adjusted stock, reservations for orders
/// with an expiry, and their release or commitment when the order ships.
///
/// Invariants: stock on hand is never negative; available stock (on hand − reserved) is never
/// negative unless backorder is allowed for the SKU.
public enum Inventory: Decider {
    public struct Reservation: Sendable, Equatable, Encodable {
        public var quantity: Int
        public var expiresAt: Date
    }

    public struct State: Sendable, Equatable, Encodable {
        public var sku: SKU?
        public var onHand = 0
        public var reservations: [OrderID: Reservation] = [:]
        public var lowStockThreshold: Int?
        public var backorderAllowed = false

        public var reserved: Int { reservations.values.reduce(0) { $0 + $1.quantity } }
        public var available: Int { onHand - reserved }
        public var levels: StockLevels { StockLevels(onHand: onHand, reserved: reserved) }
    }

    public enum Command: Sendable {
        case receive(sku: SKU, quantity: Int)
        case adjust(sku: SKU, delta: Int, reason: AdjustmentReason, note: String?)
        case reserve(sku: SKU, orderId: OrderID, quantity: Int, expiresAt: Date)
        case release(orderId: OrderID, reason: ReleaseReason)
        /// Stock leaves with a fulfilment: all of the order's reservation, or `quantity` of it
        /// (a partial fulfilment; the rest stays reserved).
        case commit(orderId: OrderID, quantity: Int? = nil)
        /// Releases every reservation whose expiry has passed (`context.now`).
        case releaseExpired
        case setLowStockThreshold(sku: SKU, threshold: Int)
        case setBackorder(sku: SKU, allowed: Bool)
    }

    public typealias Event = InventoryEvent
    public static let initialState = State()
    static let maximumQuantity = 1_000_000

    public static func decide(_ command: Command, _ state: State, _ context: DecisionContext) throws(DomainError) -> [Event] {
        switch command {
        case .receive(let sku, let quantity):
            try requireSKU(sku, state)
            try requirePositive(quantity, "quantity received", maximum: maximumQuantity)
            return [.received(StockReceived(sku: sku, quantity: quantity, levels: StockLevels(onHand: state.onHand + quantity, reserved: state.reserved)))]

        case .adjust(let sku, let delta, let reason, let note):
            try requireSKU(sku, state)
            guard delta != 0, abs(delta) <= maximumQuantity else {
                throw DomainError(.invalidQuantity, "an adjustment must change stock by 1 to \(maximumQuantity), not \(delta)")
            }
            guard state.onHand + delta >= 0 else {
                throw DomainError(.negativeStock, "adjusting \(sku) by \(delta) would leave \(state.onHand + delta) on hand")
            }
            if let note { try validateText(note, "note", maximum: 500, allowEmpty: true) }
            let levels = StockLevels(onHand: state.onHand + delta, reserved: state.reserved)
            guard levels.available >= 0 || state.backorderAllowed else {
                throw DomainError(.negativeStock, "adjusting \(sku) by \(delta) would leave \(levels.available) available for \(state.reserved) reserved")
            }
            return [.adjusted(StockAdjusted(sku: sku, delta: delta, reason: reason, note: note, levels: levels))]
                + crossing(state, after: levels, sku: sku)

        case .reserve(let sku, let orderId, let quantity, let expiresAt):
            try requireSKU(sku, state)
            try requirePositive(quantity, "quantity reserved", maximum: maximumQuantity)
            guard state.reservations[orderId] == nil else {
                throw DomainError(.duplicateReservation, "order \(orderId) already holds a reservation of \(sku)")
            }
            guard expiresAt > context.now else { throw DomainError(.invalidValue, "a reservation must expire in the future") }
            let backordered = quantity > state.available
            guard !backordered || state.backorderAllowed else {
                throw DomainError(.insufficientStock, "\(sku): \(quantity) requested, \(max(0, state.available)) available")
            }
            let levels = StockLevels(onHand: state.onHand, reserved: state.reserved + quantity)
            return [.reserved(StockReserved(sku: sku, orderId: orderId, quantity: quantity, expiresAt: expiresAt, backordered: backordered, levels: levels))]
                + crossing(state, after: levels, sku: sku)

        case .release(let orderId, let reason):
            let (sku, reservation) = try existingReservation(orderId, state)
            let levels = StockLevels(onHand: state.onHand, reserved: state.reserved - reservation.quantity)
            return [.released(StockReservationReleased(sku: sku, orderId: orderId, quantity: reservation.quantity, reason: reason, levels: levels))]

        case .commit(let orderId, let partial):
            let (sku, reservation) = try existingReservation(orderId, state)
            let quantity = partial ?? reservation.quantity
            try requirePositive(quantity, "quantity committed", maximum: maximumQuantity)
            guard quantity <= reservation.quantity else {
                throw DomainError(.invalidQuantity, "order \(orderId) holds \(reservation.quantity) of \(sku), not \(quantity)")
            }
            guard state.onHand >= quantity else {
                throw DomainError(.insufficientStock, "\(sku): \(quantity) to ship, \(state.onHand) on hand (backordered)")
            }
            let levels = StockLevels(onHand: state.onHand - quantity, reserved: state.reserved - quantity)
            return [.committed(StockReservationCommitted(sku: sku, orderId: orderId, quantity: quantity, levels: levels))]

        case .releaseExpired:
            guard let sku = state.sku else { return [] }
            var reserved = state.reserved
            return state.reservations
                .filter { $0.value.expiresAt <= context.now }
                .sorted { $0.key < $1.key }
                .map { orderId, reservation in
                    reserved -= reservation.quantity
                    return .released(StockReservationReleased(
                        sku: sku, orderId: orderId, quantity: reservation.quantity, reason: .expired,
                        levels: StockLevels(onHand: state.onHand, reserved: reserved)
                    ))
                }

        case .setLowStockThreshold(let sku, let threshold):
            try requireSKU(sku, state)
            guard (0...maximumQuantity).contains(threshold) else { throw DomainError(.invalidQuantity, "a threshold must be 0…\(maximumQuantity)") }
            guard state.lowStockThreshold != threshold else { return [] }
            return [.thresholdSet(LowStockThresholdSet(sku: sku, threshold: threshold))]

        case .setBackorder(let sku, let allowed):
            try requireSKU(sku, state)
            guard state.backorderAllowed != allowed else { return [] }
            guard allowed || state.available >= 0 else {
                throw DomainError(.invalidTransition, "\(sku) has \(-state.available) backordered; backorder cannot be switched off")
            }
            return [.backorderChanged(BackorderPolicyChanged(sku: sku, allowed: allowed))]
        }
    }

    public static func evolve(_ state: State, _ event: Event) -> State {
        var state = state
        switch event {
        case .received(let event):
            state.sku = event.sku
            state.onHand += event.quantity
        case .adjusted(let event):
            state.sku = event.sku
            state.onHand += event.delta
        case .reserved(let event):
            state.reservations[event.orderId] = Reservation(quantity: event.quantity, expiresAt: event.expiresAt)
        case .released(let event):
            state.reservations[event.orderId] = nil
        case .committed(let event):
            // A partial commit leaves the rest of the reservation in place.
            if let reservation = state.reservations[event.orderId], reservation.quantity > event.quantity {
                state.reservations[event.orderId]!.quantity -= event.quantity
            } else {
                state.reservations[event.orderId] = nil
            }
            state.onHand -= event.quantity
        case .thresholdSet(let event):
            state.sku = event.sku
            state.lowStockThreshold = event.threshold
        case .thresholdCrossed:
            break
        case .backorderChanged(let event):
            state.sku = event.sku
            state.backorderAllowed = event.allowed
        }
        return state
    }

    /// A stream belongs to one SKU: the first event names it, later commands must match.
    private static func requireSKU(_ sku: SKU, _ state: State) throws(DomainError) {
        if let existing = state.sku, existing != sku {
            throw DomainError(.invalidValue, "this inventory is for \(existing), not \(sku)")
        }
    }

    private static func existingReservation(_ orderId: OrderID, _ state: State) throws(DomainError) -> (SKU, Reservation) {
        guard let sku = state.sku, let reservation = state.reservations[orderId] else {
            throw DomainError(.unknownReservation, "order \(orderId) holds no reservation here")
        }
        return (sku, reservation)
    }

    /// The low-stock event, when available stock falls from at or above the threshold to below it.
    private static func crossing(_ state: State, after levels: StockLevels, sku: SKU) -> [Event] {
        guard let threshold = state.lowStockThreshold, state.available >= threshold, levels.available < threshold else { return [] }
        return [.thresholdCrossed(LowStockThresholdCrossed(sku: sku, threshold: threshold, available: levels.available))]
    }
}
