import Aggregates
import Commands
import EventStore
import Foundation
import Crypto
import Hummingbird
import HTTPTypes
import Payments

/// Commands over HTTP: catalog and inventory administration, carts and checkout, and order
/// handling. Each answers the stream's new version and global position (``CommandResult``).
struct CommandController {
    let repository: AggregateRepository
    let reservationLifetime: TimeInterval
    let gateway: any PaymentGateway

    // MARK: Bodies

    struct CreateProduct: Codable {
        let productId: String
        let name: String
        let description: String
        let categoryPath: [String]
    }

    struct AddVariant: Codable {
        let sku: String
        let attributes: [String: String]
    }

    struct SetPrice: Codable {
        let sku: String
        let amount: Int64
        let currency: String
    }

    struct Quantity: Codable {
        let quantity: Int
    }

    struct Adjustment: Codable {
        let delta: Int
        let reason: AdjustmentReason
        let note: String?
    }

    struct CreateCart: Codable {
        let currency: String
    }

    struct AddLine: Codable {
        let productId: String
        let sku: String
        let quantity: Int
    }

    struct MergeGuestCart: Codable {
        let guestCartId: String
        let guestToken: String
    }

    struct ShippingMethod: Codable {
        let method: String
    }

    struct Reason: Codable {
        let reason: String
    }

    struct Shipment: Codable {
        let carrier: String
        let trackingNumber: String
    }

    struct CheckoutRequest: Codable {
        /// A card number; the sandbox gateway's test cards choose the outcome.
        let cardNumber: String
    }

    struct Return: Codable {
        struct Line: Codable {
            let sku: String
            let quantity: Int
        }
        let lines: [Line]
        let reason: String
    }

    func addRoutes(to router: Router<CommerceRequestContext>) {
        // Catalog administration.
        router.post("/admin/products") { request, context in
            let admin = try context.requireAdmin()
            let body = try await StrictJSON.decode(CreateProduct.self, from: request, context: context)
            let id = try ProductID(body.productId)
            var result = try await repository.execute(Product.self, .of("product", id), ifMatch: nil, metadata: metadata(admin, request)) { _ in
                .create(id: id, name: body.name, description: body.description, categoryPath: body.categoryPath)
            }
            result.id = id.rawValue
            return created(result)
        }
        router.post("/admin/products/{productId}/variants") { request, context in
            let body = try await StrictJSON.decode(AddVariant.self, from: request, context: context)
            return try await product(request, context) { _ in .addVariant(sku: try SKU(body.sku), attributes: body.attributes) }
        }
        router.put("/admin/products/{productId}/prices") { request, context in
            let body = try await StrictJSON.decode(SetPrice.self, from: request, context: context)
            return try await product(request, context) { _ in .setPrice(sku: try SKU(body.sku), price: Money(body.amount, try Currency(body.currency))) }
        }
        router.post("/admin/products/{productId}/publish") { request, context in try await product(request, context) { _ in .publish } }
        router.post("/admin/products/{productId}/unpublish") { request, context in try await product(request, context) { _ in .unpublish } }
        router.post("/admin/products/{productId}/discontinue") { request, context in try await product(request, context) { _ in .discontinue } }

        // Inventory.
        router.post("/admin/inventory/{sku}/receive") { request, context in
            let body = try await StrictJSON.decode(Quantity.self, from: request, context: context)
            return try await inventory(request, context) { sku, _ in .receive(sku: sku, quantity: body.quantity) }
        }
        router.post("/admin/inventory/{sku}/adjust") { request, context in
            let body = try await StrictJSON.decode(Adjustment.self, from: request, context: context)
            return try await inventory(request, context) { sku, _ in .adjust(sku: sku, delta: body.delta, reason: body.reason, note: body.note) }
        }

        // Carts.
        router.post("/carts") { request, context in
            let body = try await StrictJSON.decode(CreateCart.self, from: request, context: context)
            let currency = try Currency(body.currency)
            let id = try CartID("cart_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))
            // Signed in: the customer's cart. Otherwise a guest cart, reachable with the token
            // answered in Guest-Token (only its hash is recorded: events travel to Kafka).
            let owner: CartOwner
            var guestToken: String?
            if let customer = context.principal {
                owner = .customer(try CustomerID(customer.userID))
            } else {
                let token = GuestToken.generate()
                guestToken = token
                owner = .guest(GuestToken.hash(token))
            }
            var result = try await repository.execute(Cart.self, .of("cart", id), ifMatch: nil, metadata: metadata(context.principal, request)) { _ in
                .create(id: id, owner: owner, currency: currency)
            }
            result.id = id.rawValue
            var response = created(result)
            if let guestToken { response.headers[GuestToken.header] = guestToken }
            return response
        }
        router.post("/carts/{cartId}/merge") { request, context in
            let customer = try context.requirePrincipal()
            let body = try await StrictJSON.decode(MergeGuestCart.self, from: request, context: context)
            let cartID = try CartID(try context.parameters.require("cartId"))
            let guestID = try CartID(body.guestCartId)
            return ok(try await merge(guestID, guestToken: body.guestToken, into: cartID, customer: customer, request: request))
        }
        router.post("/carts/{cartId}/lines") { request, context in
            let body = try await StrictJSON.decode(AddLine.self, from: request, context: context)
            let sku = try SKU(body.sku)
            let line = try await cartLine(product: try ProductID(body.productId), sku: sku)
            return try await cart(request, context) { state in
                guard let currency = state.currency, let price = line.prices[currency.code] else {
                    throw Problem(.unprocessableContent, "not_sold_in_currency", "\(sku) has no price in the cart's currency")
                }
                return .addItem(CartLine(sku: sku, productId: line.product, name: line.name, quantity: body.quantity, unitPrice: price))
            }
        }
        router.put("/carts/{cartId}/lines/{sku}") { request, context in
            let body = try await StrictJSON.decode(Quantity.self, from: request, context: context)
            let sku = try SKU(try context.parameters.require("sku"))
            return try await cart(request, context) { _ in .changeQuantity(sku: sku, quantity: body.quantity) }
        }
        router.delete("/carts/{cartId}/lines/{sku}") { request, context in
            let sku = try SKU(try context.parameters.require("sku"))
            return try await cart(request, context) { _ in .removeItem(sku: sku) }
        }
        router.put("/carts/{cartId}/shipping-address") { request, context in
            let body = try await StrictJSON.decode(Address.self, from: request, context: context)
            return try await cart(request, context) { _ in .setShippingAddress(body) }
        }
        router.put("/carts/{cartId}/shipping-method") { request, context in
            let body = try await StrictJSON.decode(ShippingMethod.self, from: request, context: context)
            return try await cart(request, context) { _ in .setShippingMethod(method: body.method, pricing: .standard) }
        }
        router.post("/carts/{cartId}/checkout") { request, context in
            let customer = try context.requirePrincipal()
            let cartID = try CartID(try context.parameters.require("cartId"))
            let body = try await StrictJSON.decode(CheckoutRequest.self, from: request, context: context)
            let method: PaymentMethodToken
            do { method = try gateway.tokenize(cardNumber: body.cardNumber) } catch let error as PaymentGatewayError {
                throw Problem(.unprocessableContent, error.kind.rawValue, error.message, fields: ["field": .string("cardNumber")])
            }
            return created(try await Checkout(repository: repository, reservationLifetime: reservationLifetime, method: method)
                .run(cartID: cartID, customer: customer, ifMatch: try ifMatch(request), metadata: metadata(customer, request)))
        }

        // Orders.
        router.post("/orders/{orderId}/cancel") { request, context in
            let body = try await StrictJSON.decode(Reason.self, from: request, context: context)
            return try await order(request, context, adminOnly: false) { _ in .cancel(reason: body.reason) }
        }
        router.post("/admin/orders/{orderId}/fulfil") { request, context in
            try await order(request, context, adminOnly: true) { state in
                .fulfil(state.lines.map { LineQuantity(sku: $0.sku, quantity: $0.quantity - (state.fulfilled[$0.sku] ?? 0)) }.filter { $0.quantity > 0 })
            }
        }
        router.post("/admin/orders/{orderId}/ship") { request, context in
            let body = try await StrictJSON.decode(Shipment.self, from: request, context: context)
            return try await order(request, context, adminOnly: true) { _ in .ship(carrier: body.carrier, trackingNumber: body.trackingNumber) }
        }
        router.post("/admin/orders/{orderId}/deliver") { request, context in
            try await order(request, context, adminOnly: true) { _ in .markDelivered }
        }
        router.post("/admin/orders/{orderId}/return") { request, context in
            let body = try await StrictJSON.decode(Return.self, from: request, context: context)
            return try await order(request, context, adminOnly: true) { _ in
                .recordReturn(lines: try body.lines.map { LineQuantity(sku: try SKU($0.sku), quantity: $0.quantity) }, reason: body.reason)
            }
        }
    }

    // MARK: Helpers

    private func product(_ request: Request, _ context: CommerceRequestContext, _ command: @escaping (Product.State) throws -> Product.Command) async throws -> Response {
        let admin = try context.requireAdmin()
        let id = try ProductID(try context.parameters.require("productId"))
        return ok(try await repository.execute(Product.self, .of("product", id), ifMatch: try ifMatch(request), metadata: metadata(admin, request)) { state in
            guard state.id != nil else { throw Problem.notFound("product \(id)") }
            return try command(state)
        })
    }

    private func inventory(_ request: Request, _ context: CommerceRequestContext, _ command: @escaping (SKU, Inventory.State) throws -> Inventory.Command) async throws -> Response {
        let admin = try context.requireAdmin()
        let sku = try SKU(try context.parameters.require("sku"))
        return ok(try await repository.execute(Inventory.self, .of("inventory", sku), ifMatch: try ifMatch(request), metadata: metadata(admin, request)) { state in
            try command(sku, state)
        })
    }

    /// A command on the caller's own cart (a customer's, or a guest's by its token); anyone
    /// else's cart is a 404, as if it did not exist.
    private func cart(_ request: Request, _ context: CommerceRequestContext, _ command: @escaping (Cart.State) throws -> Cart.Command) async throws -> Response {
        let caller = try CartCaller(request, context)
        let id = try CartID(try context.parameters.require("cartId"))
        return ok(try await repository.execute(Cart.self, .of("cart", id), ifMatch: try ifMatch(request), metadata: metadata(context.principal, request)) { state in
            guard state.id != nil, caller.owns(state.owner) else { throw Problem.notFound("cart \(id)") }
            return try command(state)
        })
    }

    /// The guest cart's lines go into the customer's cart and the guest cart closes, in one transaction.
    private func merge(_ guestID: CartID, guestToken: String, into cartID: CartID, customer: Principal, request: Request) async throws -> CommandResult {
        let results = try await repository.decideTogether(metadata: metadata(customer, request)) { load in
            let (guest, _) = try await repository.load(Cart.self, .of("cart", guestID))
            guard guest.id != nil, CartCaller.guest(GuestToken.hash(guestToken)).owns(guest.owner) else { throw Problem.notFound("cart \(guestID)") }
            let (mine, _) = try await repository.load(Cart.self, .of("cart", cartID))
            guard mine.id != nil, Self.owns(customer, mine.owner) else { throw Problem.notFound("cart \(cartID)") }
            return [try await load(Cart.self, .of("cart", cartID), .mergeGuestCart(guestCartId: guestID, lines: guest.lines)),
                    try await load(Cart.self, .of("cart", guestID), .markMerged(into: cartID))]
        }
        var version = try await repository.store.version(of: .of("cart", cartID))
        if let mine = results.first(where: { $0.stream == .of("cart", cartID) }) { version = mine.lastVersion }
        return CommandResult(stream: "cart-\(cartID)", version: version, position: results.map(\.lastPosition).max())
    }

    private func order(_ request: Request, _ context: CommerceRequestContext, adminOnly: Bool, _ command: @escaping (Order.State) throws -> Order.Command) async throws -> Response {
        let caller = adminOnly ? try context.requireAdmin() : try context.requirePrincipal()
        let id = try OrderID(try context.parameters.require("orderId"))
        return ok(try await repository.execute(Order.self, .of("order", id), ifMatch: try ifMatch(request), metadata: metadata(caller, request)) { state in
            guard state.id != nil, Self.owns(caller, state.customer) else { throw Problem.notFound("order \(id)") }
            return try command(state)
        })
    }

    static func owns(_ principal: Principal, _ owner: CartOwner?) -> Bool {
        if principal.role == .admin { return true }
        guard case .customer(let id) = owner else { return false }
        return id.rawValue == principal.userID
    }

    /// Name and prices of a SKU from its product's stream (the source of truth, not the read
    /// model, which may lag); only published products can be bought.
    private func cartLine(product productID: ProductID, sku: SKU) async throws -> (product: ProductID, name: String, prices: [String: Money]) {
        let (state, _) = try await repository.load(Product.self, .of("product", productID))
        guard state.id != nil, let variant = state.variant(sku) else { throw Problem.notFound("sku \(sku) of product \(productID)") }
        guard state.status == .published else { throw Problem(.conflict, "not_for_sale", "\(state.name) is \(state.status.rawValue)") }
        return (productID, state.name, variant.prices)
    }

    func metadata(_ principal: Principal?, _ request: Request) -> EventMetadata {
        EventMetadata(correlationID: request.headers[.init("X-Correlation-ID")!].flatMap(UUID.init(uuidString:)) ?? UUID(), actor: principal?.userID ?? "guest")
    }
}

/// The version in `If-Match` (`"3"` or `3`); nil without the header; 400 when it is not a version.
func ifMatch(_ request: Request) throws -> Int64? {
    guard let header = request.headers[.ifMatch] else { return nil }
    let trimmed = header.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    guard let version = Int64(trimmed), version >= 0 else {
        throw Problem.badRequest("invalid_if_match", "If-Match must hold the version the resource was read at, like \"3\"")
    }
    return version
}

func ok(_ result: CommandResult) -> Response {
    respond(result, status: .ok)
}

func created(_ result: CommandResult) -> Response {
    respond(result, status: .created)
}

private func respond(_ result: CommandResult, status: HTTPResponse.Status) -> Response {
    Response(
        status: status,
        headers: [.contentType: "application/json", .eTag: "\"\(result.version)\""],
        body: .init(byteBuffer: .init(bytes: try! StrictJSON.encoder.encode(result)))
    )
}

extension CommandResult: ResponseEncodable {}

/// Who is acting on a cart: a signed-in user, or a guest holding its cart's token.
enum CartCaller {
    case user(Principal)
    /// The SHA-256 (hex) of the token the guest sent.
    case guest(String)

    /// The signed-in user when there is a token; else the guest token in `Guest-Token`; else 401.
    init(_ request: Request, _ context: CommerceRequestContext) throws {
        if let principal = context.principal {
            self = .user(principal)
        } else if let token = request.headers[GuestToken.header] {
            self = .guest(GuestToken.hash(token))
        } else {
            _ = try context.requirePrincipal()
            preconditionFailure("requirePrincipal throws without a principal")
        }
    }

    func owns(_ owner: CartOwner?) -> Bool {
        switch self {
        case .user(let principal): return CommandController.owns(principal, owner)
        case .guest(let hash):
            guard case .guest(let recorded) = owner else { return false }
            return recorded == hash
        }
    }
}

/// Guest carts' bearer secret: 32 random bytes, base64url; the cart records only its hash.
enum GuestToken {
    static let header = HTTPField.Name("Guest-Token")!

    static func generate() -> String {
        AccessTokens.randomToken()
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
