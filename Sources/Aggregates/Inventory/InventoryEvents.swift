import Foundation

/// Stock levels after an event, so read models can set them rather than add them up.
public struct StockLevels: Codable, Sendable, Equatable {
    public var onHand: Int
    public var reserved: Int
    public var available: Int { onHand - reserved }

    public init(onHand: Int, reserved: Int) {
        self.onHand = onHand
        self.reserved = reserved
    }

    enum CodingKeys: String, CodingKey { case onHand, reserved, available }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        onHand = try container.decode(Int.self, forKey: .onHand)
        reserved = try container.decode(Int.self, forKey: .reserved)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(onHand, forKey: .onHand)
        try container.encode(reserved, forKey: .reserved)
        try container.encode(available, forKey: .available)
    }
}

public struct StockReceived: EventPayload {
    public var sku: SKU
    public var quantity: Int
    public var levels: StockLevels
    public static let sample = StockReceived(sku: ProductVariantAdded.sample.sku, quantity: 50, levels: StockLevels(onHand: 50, reserved: 0))
}

public enum AdjustmentReason: String, Codable, Sendable, CaseIterable {
    case damaged, lost, found, recount, returned
}

public struct StockAdjusted: EventPayload {
    public var sku: SKU
    /// Positive adds stock, negative removes it.
    public var delta: Int
    public var reason: AdjustmentReason
    public var note: String?
    public var levels: StockLevels
    public static let sample = StockAdjusted(sku: StockReceived.sample.sku, delta: -2, reason: .damaged, note: "water damage", levels: StockLevels(onHand: 48, reserved: 0))
}

public struct StockReserved: EventPayload {
    public var sku: SKU
    public var orderId: OrderID
    public var quantity: Int
    public var expiresAt: Date
    /// True when the reservation took stock that is not there (backorder).
    public var backordered: Bool
    public var levels: StockLevels
    public static let sample = StockReserved(sku: StockReceived.sample.sku, orderId: try! OrderID("order-1001"), quantity: 2, expiresAt: Date(timeIntervalSince1970: 1_800_000_000), backordered: false, levels: StockLevels(onHand: 48, reserved: 2))
}

public enum ReleaseReason: String, Codable, Sendable {
    case cancelled, expired, paymentDeclined, changed
}

public struct StockReservationReleased: EventPayload {
    public var sku: SKU
    public var orderId: OrderID
    public var quantity: Int
    public var reason: ReleaseReason
    public var levels: StockLevels
    public static let sample = StockReservationReleased(sku: StockReceived.sample.sku, orderId: StockReserved.sample.orderId, quantity: 2, reason: .expired, levels: StockLevels(onHand: 48, reserved: 0))
}

/// Reserved stock left the warehouse with a fulfilment: on hand and reserved both drop.
public struct StockReservationCommitted: EventPayload {
    public var sku: SKU
    public var orderId: OrderID
    public var quantity: Int
    public var levels: StockLevels
    public static let sample = StockReservationCommitted(sku: StockReceived.sample.sku, orderId: StockReserved.sample.orderId, quantity: 2, levels: StockLevels(onHand: 46, reserved: 0))
}

public struct LowStockThresholdSet: EventPayload {
    public var sku: SKU
    public var threshold: Int
    public static let sample = LowStockThresholdSet(sku: StockReceived.sample.sku, threshold: 5)
}

/// Available stock fell below the threshold (emitted once per crossing).
public struct LowStockThresholdCrossed: EventPayload {
    public var sku: SKU
    public var threshold: Int
    public var available: Int
    public static let sample = LowStockThresholdCrossed(sku: StockReceived.sample.sku, threshold: 5, available: 4)
}

public struct BackorderPolicyChanged: EventPayload {
    public var sku: SKU
    public var allowed: Bool
    public static let sample = BackorderPolicyChanged(sku: StockReceived.sample.sku, allowed: true)
}

public enum InventoryEvent: DomainEvent {
    case received(StockReceived)
    case adjusted(StockAdjusted)
    case reserved(StockReserved)
    case released(StockReservationReleased)
    case committed(StockReservationCommitted)
    case thresholdSet(LowStockThresholdSet)
    case thresholdCrossed(LowStockThresholdCrossed)
    case backorderChanged(BackorderPolicyChanged)

    public static let payloadTypes: [any EventPayload.Type] = [
        StockReceived.self, StockAdjusted.self, StockReserved.self, StockReservationReleased.self,
        StockReservationCommitted.self, LowStockThresholdSet.self, LowStockThresholdCrossed.self, BackorderPolicyChanged.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .received(let payload): payload
        case .adjusted(let payload): payload
        case .reserved(let payload): payload
        case .released(let payload): payload
        case .committed(let payload): payload
        case .thresholdSet(let payload): payload
        case .thresholdCrossed(let payload): payload
        case .backorderChanged(let payload): payload
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let payload as StockReceived: self = .received(payload)
        case let payload as StockAdjusted: self = .adjusted(payload)
        case let payload as StockReserved: self = .reserved(payload)
        case let payload as StockReservationReleased: self = .released(payload)
        case let payload as StockReservationCommitted: self = .committed(payload)
        case let payload as LowStockThresholdSet: self = .thresholdSet(payload)
        case let payload as LowStockThresholdCrossed: self = .thresholdCrossed(payload)
        case let payload as BackorderPolicyChanged: self = .backorderChanged(payload)
        default: return nil
        }
    }
}
