import Aggregates
import Application
import EventStore
import Foundation
import Logging
import Payments

/// The process managers of an order's life after checkout, each reacting to one event type
/// through a use case of the Application layer:
///
/// | process | reacts to | does |
/// |---|---|---|
/// | `payment-authorization` | `PaymentInitiated` | authorizes through the gateway; approved → recorded (voided if the order was cancelled meanwhile); declined → order cancelled |
/// | `payment-operations` | `PaymentOperationRequested` | carries out a capture, void or refund at the gateway, records the outcome |
/// | `order-cancellation` | `OrderCancelled` | releases the order's reservations and promotion uses; voids or refunds its payment |
/// | `fulfilment` | `OrderFulfilmentRecorded` | commits the fulfilled quantities from the reservations |
/// | `returns` | `OrderReturnRecorded` | restocks lines marked so; requests the refund decided with the return |
public enum LifecycleProcesses {
    public static func paymentAuthorization(gateway: any PaymentGateway, gatewayAttempts: Int = 3, logger: Logger) -> EventReaction<PaymentInitiated> {
        let authorize = AuthorizePayment(gateway: gateway, gatewayAttempts: gatewayAttempts, logger: logger)
        return EventReaction(name: "payment-authorization", category: "payment") { initiated, _, load in
            try await authorize.decide(initiated, load: load)
        }
    }

    public static func paymentOperations(repository: AggregateRepository, gateway: any PaymentGateway, logger: Logger) -> EventReaction<PaymentOperationRequested> {
        let complete = CompletePaymentOperation(repository: repository, gateway: gateway, gatewayAttempts: 5, logger: logger)
        return EventReaction(name: "payment-operations", category: "payment") { requested, _, load in
            try await complete.decide(payment: requested.paymentId, operation: requested.operation.operationId, load: load)
        }
    }

    public static func orderCancellation(promotionUses: PromotionUsesOnCancel = .returnWhileRunning) -> EventReaction<OrderCancelled> {
        EventReaction(name: "order-cancellation", category: "order") { cancelled, event, load in
            try await OrderCancellationEffects.decide(cancelled, eventID: event.id, promotionUses: promotionUses, load: load)
        }
    }

    public static func fulfilment() -> EventReaction<OrderFulfilmentRecorded> {
        EventReaction(name: "fulfilment", category: "order") { fulfilment, _, load in
            try await FulfilmentEffects.decide(fulfilment, load: load)
        }
    }

    public static func returns() -> EventReaction<OrderReturnRecorded> {
        EventReaction(name: "returns", category: "order") { returned, event, load in
            try await ReturnEffects.decide(returned, eventID: event.id, load: load)
        }
    }
}
