import Foundation

public struct OrderLine: Codable, Sendable, Hashable {
    public var sku: SKU
    public var productId: ProductID
    public var name: String
    public var quantity: Int
    public var unitPrice: Money
    public var taxCategory: String

    public init(_ line: CartLine) {
        sku = line.sku
        productId = line.productId
        name = line.name
        quantity = line.quantity
        unitPrice = line.unitPrice
        taxCategory = line.taxCategory
    }
}

/// A quantity of one SKU, for fulfilments and returns.
public struct LineQuantity: Codable, Sendable, Hashable {
    public var sku: SKU
    public var quantity: Int

    public init(sku: SKU, quantity: Int) {
        self.sku = sku
        self.quantity = quantity
    }
}

/// v2 added the promotions' discounts (`discounts`, `totals.discount`) and each line's money
/// after them (`linePrices`); v1 orders read as v2 with no discounts and no line prices.
public struct OrderPlaced: EventPayload {
    public static let schemaVersion = 2
    public var orderId: OrderID
    public var cartId: CartID
    public var customer: CartOwner
    public var lines: [OrderLine]
    public var shippingAddress: Address
    public var shippingMethod: String
    public var totals: CartTotals
    public var discounts: [AppliedDiscount]
    public var linePrices: [LinePrice]?
    public static let sample = OrderPlaced(
        orderId: CartCheckedOut.sample.orderId, cartId: CartCheckedOut.sample.cartId, customer: CartCheckedOut.sample.owner,
        lines: CartCheckedOut.sample.lines.map(OrderLine.init), shippingAddress: .sample, shippingMethod: "standard", totals: CartCheckedOut.sample.totals,
        discounts: CartCheckedOut.sample.discounts, linePrices: CartCheckedOut.sample.linePrices
    )
}

public struct OrderPaymentAuthorized: EventPayload {
    public var orderId: OrderID
    public var paymentId: PaymentID
    public var amount: Money
    public static let sample = OrderPaymentAuthorized(orderId: OrderPlaced.sample.orderId, paymentId: try! PaymentID("pay-1"), amount: Money(6445, .EUR))
}

public struct OrderPaid: EventPayload {
    public var orderId: OrderID
    public var paymentId: PaymentID
    public var amount: Money
    public static let sample = OrderPaid(orderId: OrderPlaced.sample.orderId, paymentId: OrderPaymentAuthorized.sample.paymentId, amount: Money(6445, .EUR))
}

public struct OrderFulfilmentRecorded: EventPayload {
    public var orderId: OrderID
    public var lines: [LineQuantity]
    /// True when every line is now fulfilled in full.
    public var complete: Bool
    public static let sample = OrderFulfilmentRecorded(orderId: OrderPlaced.sample.orderId, lines: [LineQuantity(sku: CartLine.sample.sku, quantity: 2)], complete: true)
}

public struct OrderShipped: EventPayload {
    public var orderId: OrderID
    public var carrier: String
    public var trackingNumber: String
    public static let sample = OrderShipped(orderId: OrderPlaced.sample.orderId, carrier: "DHL", trackingNumber: "JJD000390007")
}

public struct OrderDelivered: EventPayload {
    public var orderId: OrderID
    public static let sample = OrderDelivered(orderId: OrderPlaced.sample.orderId)
}

/// Who or what cancelled an order.
public enum CancellationCause: String, Codable, Sendable, CaseIterable {
    case customer, admin, paymentDeclined, expired
}

/// The order was cancelled. v2 added the cause; v1 reads it from the reason's wording.
public struct OrderCancelled: EventPayload {
    public static let schemaVersion = 2
    public var orderId: OrderID
    public var reason: String
    public var cause: CancellationCause
    /// Captured money to give back (zero when nothing was captured).
    public var refundDue: Money
    public static let sample = OrderCancelled(orderId: OrderPlaced.sample.orderId, reason: "payment declined", cause: .paymentDeclined, refundDue: Money(0, .EUR))
}

/// What becomes of a returned item: back into sellable stock, or written off (damaged, unsellable).
public enum ReturnDisposition: String, Codable, Sendable, CaseIterable {
    case restock, writeOff
}

/// A returned quantity of one SKU and what becomes of it.
public struct ReturnLine: Codable, Sendable, Hashable {
    public var sku: SKU
    public var quantity: Int
    public var disposition: ReturnDisposition

    public init(sku: SKU, quantity: Int, disposition: ReturnDisposition) {
        self.sku = sku
        self.quantity = quantity
        self.disposition = disposition
    }
}

/// Items came back. v2 added each line's disposition and the refund the admin decided; v1
/// returns upcast as restocked with no refund (refunds were separate commands then).
public struct OrderReturnRecorded: EventPayload {
    public static let schemaVersion = 2
    public var orderId: OrderID
    public var lines: [ReturnLine]
    public var reason: String
    /// Money to give back for this return; nil or zero: none.
    public var refund: Money?
    public static let sample = OrderReturnRecorded(
        orderId: OrderPlaced.sample.orderId, lines: [ReturnLine(sku: CartLine.sample.sku, quantity: 1, disposition: .restock)],
        reason: "too small", refund: Money(2500, .EUR)
    )
}

public struct OrderRefunded: EventPayload {
    public var orderId: OrderID
    public var amount: Money
    public var reason: String
    public var refundedTotal: Money
    public static let sample = OrderRefunded(orderId: OrderPlaced.sample.orderId, amount: Money(2500, .EUR), reason: "return", refundedTotal: Money(2500, .EUR))
}

public enum OrderEvent: DomainEvent {
    case placed(OrderPlaced)
    case paymentAuthorized(OrderPaymentAuthorized)
    case paid(OrderPaid)
    case fulfilmentRecorded(OrderFulfilmentRecorded)
    case shipped(OrderShipped)
    case delivered(OrderDelivered)
    case cancelled(OrderCancelled)
    case returnRecorded(OrderReturnRecorded)
    case refunded(OrderRefunded)

    public static let payloadTypes: [any EventPayload.Type] = [
        OrderPlaced.self, OrderPaymentAuthorized.self, OrderPaid.self, OrderFulfilmentRecorded.self, OrderShipped.self,
        OrderDelivered.self, OrderCancelled.self, OrderReturnRecorded.self, OrderRefunded.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .placed(let payload): payload
        case .paymentAuthorized(let payload): payload
        case .paid(let payload): payload
        case .fulfilmentRecorded(let payload): payload
        case .shipped(let payload): payload
        case .delivered(let payload): payload
        case .cancelled(let payload): payload
        case .returnRecorded(let payload): payload
        case .refunded(let payload): payload
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let payload as OrderPlaced: self = .placed(payload)
        case let payload as OrderPaymentAuthorized: self = .paymentAuthorized(payload)
        case let payload as OrderPaid: self = .paid(payload)
        case let payload as OrderFulfilmentRecorded: self = .fulfilmentRecorded(payload)
        case let payload as OrderShipped: self = .shipped(payload)
        case let payload as OrderDelivered: self = .delivered(payload)
        case let payload as OrderCancelled: self = .cancelled(payload)
        case let payload as OrderReturnRecorded: self = .returnRecorded(payload)
        case let payload as OrderRefunded: self = .refunded(payload)
        default: return nil
        }
    }
}
