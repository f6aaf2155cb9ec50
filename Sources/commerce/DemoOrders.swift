import Aggregates
import API
import Application
import EventStore
import Foundation
import Logging
import Payments
import PostgresNIO

/// A demo customer (customer@example.com / demo-customer-password) whose orders take the paths
/// after checkout, so a fresh `scripts/run` shows them: one delivered and partly returned (a
/// unit restocked, a refund), one cancelled after authorization (its authorization voided), one
/// declined, one fulfilled in part with the demo coupon `WELCOME10`; a review of the delivered
/// mug, and two wish lists (the default one and "Birthday"). Three promotions are set
/// up first (``DemoPromotions``). Their profile and address book are filled in. The orders are placed, paid and handled here through the
/// use cases; the stock and money effects are the process managers' work once `serve` runs.
enum DemoOrders {
    static let email = "customer@example.com"
    static let password = "demo-customer-password"

    /// - Returns: the orders placed; none when the demo customer exists already.
    static func load(postgres: PostgresClient, gateway: any PaymentGateway, logger: Logger) async throws -> Int {
        let customerID: String
        do {
            customerID = try await createAccount(postgres: postgres, email: email, password: password, role: .customer, logger: logger)
        } catch is AccountError {
            return 0
        }
        let home = Address(name: "Ada Lovelace", line1: "12 St James's Square", city: "London", postalCode: "SW1Y 4JH", country: "GB")
        try await saveDemoProfile(postgres: postgres, userID: customerID, name: "Ada Lovelace", address: home, logger: logger)
        let store = PostgresEventStore(client: postgres, logger: logger)
        let repository = AggregateRepository(store: store)
        let customer = Requester(id: customerID, role: .customer)
        let admin = Requester(id: "demo-admin", role: .admin)
        let metadata = EventMetadata(correlationID: RandomIdentifier.uuid(), actor: "seed")
        let orders = OrderCommand(repository: repository)
        let operations = RequestPaymentOperation(
            repository: repository, complete: CompletePaymentOperation(repository: repository, gateway: gateway, logger: logger)
        )
        let authorize = AuthorizePayment(gateway: gateway, logger: logger)
        let automatic = try await DemoPromotions.create(repository: repository, metadata: metadata)
        let pricing = PromotionPricing(repository: repository, directory: DemoPromotions.Directory(automatic: automatic))

        func place(_ lines: [(product: String, sku: String, quantity: Int)], card: String, coupon: String? = nil) async throws -> OrderID {
            let cart = try CartID("cart_demo_" + RandomIdentifier.hex().prefix(20))
            let stream = StreamName.of("cart", cart)
            var commands: [Cart.Command] = [.create(id: cart, owner: .customer(try CustomerID(customerID)), currency: .EUR)]
            for line in lines {
                let product = try await repository.load(Product.self, .of("product", try ProductID(line.product))).state
                guard let price = product.variant(try SKU(line.sku))?.prices["EUR"] else { continue }
                commands.append(.addItem(CartLine(sku: try SKU(line.sku), productId: try ProductID(line.product), name: product.name, quantity: line.quantity, unitPrice: price)))
            }
            commands += [
                .setShippingAddress(home),
                .setShippingMethod(method: "standard", pricing: .standard),
            ]
            if let coupon { commands.append(.applyCoupon(try CouponCode(coupon))) }
            for command in commands {
                _ = try await repository.execute(Cart.self, stream, ifMatch: nil, metadata: metadata) { _ in command }
            }
            let method = try gateway.tokenize(cardNumber: card)
            let placed = try await PlaceOrder(repository: repository, reservationLifetime: 900, promotions: pricing)(
                cart: cart, by: customer, method: method, ifMatch: nil, metadata: metadata
            )
            let order = try OrderID(placed.id ?? "")
            // What the payment authorization process does, at once, so the admin steps below can follow.
            _ = try await repository.decideTogether(metadata: metadata) { load in
                try await authorize.decide(payment: OrderPayments.paymentID(for: order), order: order, method: method, load: load)
            }
            return order
        }

        func capture(_ order: OrderID) async throws {
            _ = try await operations(.capture, payment: OrderPayments.paymentID(for: order), amount: nil, reason: "demo", metadata: metadata)
        }

        let delivered = try await place([("tee-classic", "TEE-CLASSIC-M", 2), ("mug-enamel", "MUG-ENAMEL-BLUE", 1)], card: "4242 4242 4242 4242")
        try await capture(delivered)
        _ = try await orders(.fulfil(nil), order: delivered, by: admin, ifMatch: nil, metadata: metadata)
        _ = try await orders(.ship(carrier: "DHL", trackingNumber: "JD014600006281"), order: delivered, by: admin, ifMatch: nil, metadata: metadata)
        _ = try await orders(.deliver, order: delivered, by: admin, ifMatch: nil, metadata: metadata)
        _ = try await orders(.recordReturn(lines: [ReturnLine(sku: try SKU("TEE-CLASSIC-M"), quantity: 1, disposition: .restock)], reason: "too small", refund: .lineValue),
                             order: delivered, by: admin, ifMatch: nil, metadata: metadata)

        let cancelled = try await place([("hoodie-zip", "HOODIE-ZIP-L", 1)], card: "4242 4242 4242 4242")
        _ = try await orders(.cancel(reason: "ordered the wrong size"), order: cancelled, by: customer, ifMatch: nil, metadata: metadata)

        _ = try await place([("knife-chef", "KNIFE-CHEF-20", 1)], card: "4000 0000 0000 0002")

        let partial = try await place([("book-ddd", "BOOK-DDD-PAPER", 3)], card: "4242 4242 4242 4242", coupon: DemoPromotions.welcomeCode)
        try await capture(partial)
        _ = try await orders(.fulfil([LineQuantity(sku: try SKU("BOOK-DDD-PAPER"), quantity: 1)]), order: partial, by: admin, ifMatch: nil, metadata: metadata)

        // A review of the delivered mug (the order is known to be delivered: no read model asked),
        // and wish lists with items to move to a cart.
        let ada = try CustomerID(customerID)
        let mug = try ProductID("mug-enamel")
        let review = SubmitReview.reviewID(product: mug, customer: ada)
        let content = try ReviewContent(rating: 5, title: "My morning mug", body: "Keeps coffee warm and survives the dishwasher.")
        _ = try await repository.execute(Review.self, .of("review", review), ifMatch: nil, metadata: metadata) { _ in
            .submit(id: review, productId: mug, customerId: ada, orderId: delivered, content: content, autoApprove: true)
        }
        let wish = AddToWishlist(repository: repository)
        for (product, sku) in [("knife-chef", "KNIFE-CHEF-20"), ("hoodie-zip", "HOODIE-ZIP-L")] {
            _ = try await wish(customer: ada, list: Wishlist.defaultList, product: try ProductID(product), sku: try SKU(sku), currency: .EUR, metadata: metadata)
        }
        let birthday = try WishlistID("wl_demo_birthday")
        _ = try await repository.execute(Wishlist.self, .of("wishlist", ada), ifMatch: nil, metadata: metadata) { _ in
            .createList(customer: ada, id: birthday, name: "Birthday")
        }
        _ = try await wish(customer: ada, list: birthday, product: try ProductID("book-ddd"), sku: try SKU("BOOK-DDD-PAPER"), currency: .EUR, metadata: metadata)
        return 4
    }
}
