import Aggregates
import Application
import EventStore
import Logging
import PostgresNIO

/// Keeps `cart_activity` from the cart events: a change to an open cart's lines, coupons, address or
/// method marks it active at the event's time; checkout, merge and abandonment take it out.
/// ``CartAbandonmentService`` reads the table.
public struct CartActivityProcess: ProcessManager {
    public let name = "cart-activity"
    public let categories = ["cart"]
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    static let activity: Set<String> = [
        "CartItemAdded", "CartItemQuantityChanged", "CartItemRemoved", "CartShippingAddressSet", "CartShippingMethodSet", "CartMerged",
        "CartCouponApplied", "CartCouponRemoved",
    ]
    static let closing: Set<String> = ["CartCheckedOut", "CartMergedIntoCustomerCart", "CartAbandoned"]

    public func handle(_ event: RecordedEvent, load: StepDecider) async throws -> ProcessStep {
        let cart = String(event.stream.rawValue.dropFirst("cart-".count))
        let time = event.recordedAt
        if Self.activity.contains(event.type) {
            return ProcessStep(writes: [{ connection in try await CartActivity.touched(cart, at: time, on: connection, logger: logger) }])
        }
        if Self.closing.contains(event.type) {
            return ProcessStep(writes: [{ connection in try await CartActivity.closed(cart, on: connection, logger: logger) }])
        }
        return .nothing
    }
}
