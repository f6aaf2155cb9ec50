import Aggregates
import Application
import Hummingbird
import Payments

/// `POST /carts/{cartId}/checkout`: the card becomes a gateway token, and ``PlaceOrder`` does the rest.
struct CheckoutRoutes {
    let placeOrder: PlaceOrder
    let gateway: any PaymentGateway
    /// Set when checkout needs a verified e-mail address (``AccountMailSettings/requireVerifiedEmail``).
    let verification: EmailVerification?

    struct CheckoutRequest: Codable {
        /// A card number; the sandbox gateway's test cards choose the outcome.
        let cardNumber: String
    }

    func addRoutes(members router: RouterGroup<CommerceRequestContext>) {
        router.post("/carts/{cartId}/checkout") { request, context in
            let customer = try context.requirePrincipal()
            if let verification, try await !verification.isVerified(customer.userID) {
                throw Problem(.forbidden, "email_not_verified", "confirm your e-mail address before checking out (POST /auth/verify-email/resend sends the link again)")
            }
            let cartID = try CartID(try context.parameters.require("cartId"))
            let body = try await StrictJSON.decode(CheckoutRequest.self, from: request, context: context)
            let method: PaymentMethodToken
            do { method = try gateway.tokenize(cardNumber: body.cardNumber) } catch let error as PaymentGatewayError {
                throw Problem(.unprocessableContent, error.kind.rawValue, error.message, fields: ["field": .string("cardNumber")])
            }
            return CommandResponses.created(try await placeOrder(
                cart: cartID, by: customer.requester, method: method, ifMatch: try CommandResponses.ifMatch(request),
                metadata: CommandResponses.metadata(customer, request)
            ))
        }
    }
}
