import Aggregates
import EventStore
import Foundation

/// Fulfilled lines leave the warehouse: each line's fulfilled quantity is committed from the
/// order's reservation (stock on hand and reserved both drop); a partial fulfilment commits only
/// what it fulfilled, the rest stays reserved.
public enum FulfilmentEffects {
    public static func decide(_ fulfilment: OrderFulfilmentRecorded, load: StepDecider) async throws -> [StreamAppend] {
        var steps: [StreamAppend] = []
        for line in fulfilment.lines.sorted(by: { $0.sku < $1.sku }) {
            steps.append(try await load(Inventory.self, .of("inventory", line.sku), .commit(orderId: fulfilment.orderId, quantity: line.quantity)))
        }
        return steps
    }
}
