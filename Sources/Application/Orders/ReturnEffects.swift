import Aggregates
import EventStore
import Foundation

/// A return as the admin decided it: restocked lines go back on hand (an adjustment with reason
/// `returned`), written-off lines stay out of stock, and the refund decided with the return is
/// requested from the payment (its operation id derived from the return event's id).
public enum ReturnEffects {
    public static func decide(_ returned: OrderReturnRecorded, eventID: UUID, load: StepDecider) async throws -> [StreamAppend] {
        var steps: [StreamAppend] = []
        for line in returned.lines.sorted(by: { $0.sku < $1.sku }) where line.disposition == .restock {
            steps.append(try await load(Inventory.self, .of("inventory", line.sku),
                                        .adjust(sku: line.sku, delta: line.quantity, reason: .returned, note: "return of order \(returned.orderId)")))
        }
        if let refund = returned.refund, refund.amount > 0 {
            let operation = PaymentOperation(operationId: "return-\(eventID.uuidString.lowercased())", kind: .refund, amount: refund,
                                             reason: "return: \(returned.reason)")
            steps.append(try await load(Payment.self, .of("payment", OrderPayments.paymentID(for: returned.orderId)), .request(operation)))
        }
        return steps
    }
}
