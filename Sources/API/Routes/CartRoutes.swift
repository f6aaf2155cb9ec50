import Aggregates
import Application
import EventStore
import Foundation
import Hummingbird

/// Carts: create (a customer's, or a guest's answered with its `Guest-Token`), lines, shipping,
/// merging a guest cart at sign-in, and reading one. Anyone else's cart is a 404.
struct CartRoutes {
    let repository: AggregateRepository
    let addressBook: AddressBook
    let promotions: PromotionPricing

    struct CreateCart: Codable {
        let currency: String
    }

    struct AddLine: Codable {
        let productId: String
        let sku: String
        let quantity: Int
    }

    struct Quantity: Codable {
        let quantity: Int
    }

    struct MergeGuestCartRequest: Codable {
        let guestCartId: String
        let guestToken: String
    }

    struct ShippingMethod: Codable {
        let method: String
    }

    struct CouponBody: Codable {
        let code: String
    }

    /// The cart with its prices as checkout would take them now: each line after discounts, each
    /// promotion's discount, each coupon code applied or listed with why not.
    struct CartView: Codable, Sendable {
        let cartId: String
        let status: String
        let currency: String?
        let lines: [CartLine]
        let shippingAddress: Address?
        let shippingMethod: String?
        let totals: CartTotals?
        let linePrices: [LinePrice]?
        let discounts: [AppliedDiscount]
        let coupons: [CouponStatus]
        let version: Int64

        init(id: CartID, state: Cart.State, pricing: CartPricing?, version: Int64) {
            (cartId, status, currency, lines) = (id.rawValue, state.status.rawValue, state.currency?.code, state.lines)
            (shippingAddress, shippingMethod, totals, self.version) = (state.shippingAddress, state.shippingMethod, pricing?.totals, version)
            linePrices = pricing?.lines
            discounts = pricing?.discounts ?? []
            coupons = pricing?.coupons ?? state.couponCodes.map { CouponStatus(code: $0, promotionId: nil, refusal: nil) }
        }
    }

    /// - Parameters:
    ///   - shoppers: routes for guests and customers alike.
    ///   - members: routes for signed-in customers only.
    func addRoutes(shoppers router: RouterGroup<CommerceRequestContext>, members: RouterGroup<CommerceRequestContext>) {
        router.post("/carts") { request, context in
            let body = try await StrictJSON.decode(CreateCart.self, from: request, context: context)
            let currency = try Currency(body.currency)
            let id = try CartID(RandomIdentifier.hex(prefix: "cart_"))
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
            var result = try await repository.execute(Cart.self, .of("cart", id), ifMatch: nil, metadata: CommandResponses.metadata(context.principal, request)) { _ in
                .create(id: id, owner: owner, currency: currency)
            }
            result.id = id.rawValue
            var response = CommandResponses.created(result)
            if let guestToken { response.headers[GuestToken.header] = guestToken }
            return response
        }
        members.post("/carts/{cartId}/merge") { request, context in
            let customer = try context.requirePrincipal()
            let body = try await StrictJSON.decode(MergeGuestCartRequest.self, from: request, context: context)
            let cartID = try CartID(try context.parameters.require("cartId"))
            return CommandResponses.ok(try await MergeGuestCart(repository: repository)(
                guest: try CartID(body.guestCartId), guestTokenHash: GuestToken.hash(body.guestToken), into: cartID,
                by: customer.requester, metadata: CommandResponses.metadata(customer, request)
            ))
        }
        router.post("/carts/{cartId}/lines") { request, context in
            let body = try await StrictJSON.decode(AddLine.self, from: request, context: context)
            let sku = try SKU(body.sku)
            let productID = try ProductID(body.productId)
            // First from the product as this process cached it, its version a condition of the
            // append: no read before the append. When the product moved on, or a refusal came of
            // the cached product, it is read and the line decided again.
            var readProduct = false
            for attempt in 1... {
                do {
                    return try await addLine(request, context, sku: sku, product: productID, quantity: body.quantity, readProduct: readProduct)
                } catch let error as EventStoreError where error.code == .wrongExpectedVersion && error.stream == .of("product", productID) && attempt < 8 {
                    readProduct = true
                } catch let error where !readProduct && (error is ApplicationError || error is Problem || error is DomainError) {
                    readProduct = true
                }
            }
            preconditionFailure("unreachable: the attempts end by returning or throwing")
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
        // An address, or `{"addressId": …}` naming one of the signed-in customer's saved ones.
        router.put("/carts/{cartId}/shipping-address") { request, context in
            let address: Address
            switch try await StrictJSON.decode(ShippingAddressBody.self, from: request, context: context) {
            case .address(let given):
                address = given
            case .saved(let id):
                guard let customer = context.principal else {
                    throw Problem(.unauthorized, "unauthenticated", "a saved address needs a signed-in customer", headers: [.wwwAuthenticate: "Bearer"])
                }
                guard let saved = try await addressBook.address(id, of: customer.userID) else {
                    throw Problem(.unprocessableContent, "address_not_found", "you have no saved address with this id", fields: ["field": .string("addressId")])
                }
                address = saved.address
            }
            return try await cart(request, context) { _ in .setShippingAddress(address) }
        }
        router.put("/carts/{cartId}/shipping-method") { request, context in
            let body = try await StrictJSON.decode(ShippingMethod.self, from: request, context: context)
            return try await cart(request, context) { _ in .setShippingMethod(method: body.method, pricing: .standard) }
        }
        router.post("/carts/{cartId}/coupons") { request, context in
            let body = try await StrictJSON.decode(CouponBody.self, from: request, context: context)
            let code: CouponCode
            do { code = try CouponCode(body.code) } catch {
                throw Problem(.unprocessableContent, "invalid_coupon_code", (error as? DomainError)?.message ?? "not a coupon code", fields: ["field": .string("code")])
            }
            let caller = try CartCaller(request, context)
            return CommandResponses.ok(try await ApplyCoupon(repository: repository, promotions: promotions)(
                code, cart: try CartID(try context.parameters.require("cartId")), owns: { caller.owns($0) },
                ifMatch: try CommandResponses.ifMatch(request), metadata: CommandResponses.metadata(context.principal, request)
            ))
        }
        router.delete("/carts/{cartId}/coupons/{code}") { request, context in
            guard let code = try? CouponCode(try context.parameters.require("code")) else {
                throw Problem(.notFound, DomainError.Code.unknownCoupon.rawValue, "the cart has no such code")
            }
            return try await cart(request, context) { _ in .removeCoupon(code) }
        }
        router.get("/carts/{cartId}") { request, context -> Response in
            let caller = try CartCaller(request, context)
            let id = try CartID(try context.parameters.require("cartId"))
            let (state, version) = try await repository.load(Cart.self, .of("cart", id))
            guard state.id != nil, caller.owns(state.owner) else { throw ApplicationError.notFound("cart \(id)") }
            // An open cart is priced as checkout would price it now; a closed one shows what it was.
            // A cart that cannot be priced (a shipping method no longer offered) shows no totals;
            // a failure to read (the database) is the request's failure.
            let pricing: CartPricing?
            if state.status == .open {
                do { pricing = try await promotions.price(state) } catch is DomainError { pricing = nil }
            } else {
                pricing = state.checkout ?? (try? state.priced(.standard, promotions: .none(at: Date())))
            }
            let view = CartView(id: id, state: state, pricing: pricing, version: version)
            var response = try JSONBody(view).response(from: request, context: context)
            response.headers[.eTag] = "\"\(version)\""
            return response
        }
    }

    /// Adds a line priced from the product (cached unless `readProduct`), at the version read.
    private func addLine(
        _ request: Request, _ context: CommerceRequestContext, sku: SKU, product productID: ProductID, quantity: Int, readProduct: Bool
    ) async throws -> Response {
        let line = try await cartLine(product: productID, sku: sku, read: readProduct)
        let notSold = Problem(.unprocessableContent, "not_sold_in_currency", "\(sku) has no price in the cart's currency")
        // The price set in the cart's currency; without one, the decision asks once for the
        // price the exchange-rate table derives (read only then: most carts never need it).
        var derived: Money?
        while true {
            do {
                return try await cart(request, context, conditions: [line.stream: line.version]) { state in
                    guard let currency = state.currency else { throw notSold }
                    guard let price = line.prices[currency.code] ?? derived.flatMap({ $0.currency == currency ? $0 : nil }) else {
                        throw DerivedPriceNeeded(currency: currency)
                    }
                    return .addItem(CartLine(sku: sku, productId: productID, name: line.name, quantity: quantity, unitPrice: price))
                }
            } catch let needed as DerivedPriceNeeded where derived == nil {
                derived = try await PriceInCurrency(repository: repository)(line.prices, in: needed.currency)
                if derived == nil { throw notSold }
            }
        }
    }

    /// A command on the caller's own cart (a customer's, or a guest's by its token).
    /// - Parameter conditions: streams the command was made from, at the versions read
    ///   (``AggregateRepository/execute(_:_:ifMatch:metadata:conditions:command:)``).
    private func cart(
        _ request: Request, _ context: CommerceRequestContext, conditions: [StreamName: Int64] = [:], _ command: @escaping (Cart.State) throws -> Cart.Command
    ) async throws -> Response {
        let caller = try CartCaller(request, context)
        let id = try CartID(try context.parameters.require("cartId"))
        return CommandResponses.ok(try await repository.execute(
            Cart.self, .of("cart", id), ifMatch: try CommandResponses.ifMatch(request), metadata: CommandResponses.metadata(context.principal, request),
            conditions: conditions
        ) { state in
            guard state.id != nil, caller.owns(state.owner) else { throw ApplicationError.notFound("cart \(id)") }
            return try command(state)
        })
    }

    /// A cart's decision on a line whose variant has no price set in the cart's currency.
    private struct DerivedPriceNeeded: Error {
        let currency: Currency
    }

    /// Name and prices of a SKU from its product's stream (the source of truth, not the read
    /// model, which may lag), with the version they are from; only published products can be
    /// bought. Unless `read`, from the state this process cached when it has one.
    private func cartLine(
        product productID: ProductID, sku: SKU, read: Bool
    ) async throws -> (stream: StreamName, version: Int64, name: String, prices: [String: Money]) {
        let stream = StreamName.of("product", productID)
        let (state, version) = read ? try await repository.load(Product.self, stream) : try await repository.cachedOrLoaded(Product.self, stream)
        guard state.id != nil, let variant = state.variant(sku) else { throw ApplicationError.notFound("sku \(sku) of product \(productID)") }
        guard state.status == .published else { throw ApplicationError(.notForSale, "\(state.name) is \(state.status.rawValue)") }
        return (stream, version, state.name, variant.prices)
    }
}
