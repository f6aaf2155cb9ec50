import Aggregates
import Application
import EventStore
import Foundation
import Hummingbird
import Projections

/// A signed-in customer's wish lists: several named ones and the default one; items with their
/// price when added, the price now and availability; move to cart; share a list read-only.
struct WishlistRoutes {
    let repository: AggregateRepository
    let add: AddToWishlist
    let move: MoveWishlistItemToCart
    let shares: WishlistShares
    let catalog: CatalogReader

    struct NameBody: Codable {
        let name: String
    }

    struct ItemBody: Codable {
        let productId: String
        let sku: String
        /// The currency whose price is remembered (EUR by default).
        let currency: String?
    }

    struct MoveBody: Codable {
        let cartId: String
        let quantity: Int?
    }

    struct Summary: Codable, Sendable {
        let wishlistId: String
        let name: String
        let itemCount: Int
        let shareToken: String?
    }

    struct Lists: Codable, Sendable {
        let lists: [Summary]
        /// Items on all lists together (a variant on two lists counts twice).
        let itemCount: Int
        let version: Int64
    }

    struct ItemView: Codable, Sendable {
        let sku: String
        let productId: String
        let name: String
        let addedAt: Date
        let addedPrice: Money?
        /// The price now in the currency of `addedPrice`; nil when it has none now.
        let currentPrice: Money?
        /// `currentPrice` − `addedPrice` (negative: cheaper now).
        let priceChange: Money?
        let available: Int
        let inStock: Bool
        /// Whether it can be bought now: published, priced, in stock.
        let purchasable: Bool
    }

    struct ListView: Codable, Sendable {
        let wishlistId: String
        let name: String
        let itemCount: Int
        let items: [ItemView]
        let shareToken: String?
        let version: Int64?
    }

    struct Shared: Codable, Sendable {
        let token: String
        let path: String
    }

    func addRoutes(public router: Router<CommerceRequestContext>, members: RouterGroup<CommerceRequestContext>, signedIn: RouterGroup<CommerceRequestContext>) {
        signedIn.get("/customers/me/wishlists") { _, context -> JSONBody<Lists> in
            let (state, version) = try await repository.load(Wishlist.self, .of("wishlist", try customer(context)))
            var lists = state.lists.map { Summary(wishlistId: $0.id.rawValue, name: $0.name, itemCount: $0.items.count, shareToken: $0.shareToken) }
            if state.list(Wishlist.defaultList) == nil {
                lists.insert(Summary(wishlistId: Wishlist.defaultList.rawValue, name: "Wishlist", itemCount: 0, shareToken: nil), at: 0)
            }
            return JSONBody(Lists(lists: lists, itemCount: lists.reduce(0) { $0 + $1.itemCount }, version: version))
        }
        members.post("/customers/me/wishlists") { request, context in
            let owner = try customer(context)
            let body = try await StrictJSON.decode(NameBody.self, from: request, context: context)
            let id = try WishlistID("wl_" + RandomIdentifier.hex().prefix(16))
            var result = try await repository.execute(Wishlist.self, .of("wishlist", owner), ifMatch: try CommandResponses.ifMatch(request), metadata: metadata(request, context)) { _ in
                .createList(customer: owner, id: id, name: body.name)
            }
            result.id = id.rawValue
            return CommandResponses.created(result)
        }
        signedIn.get("/customers/me/wishlists/{wishlistId}") { _, context -> JSONBody<ListView> in
            let owner = try customer(context)
            let id = try wishlistID(context)
            let (state, version) = try await repository.load(Wishlist.self, .of("wishlist", owner))
            guard let list = state.list(id) ?? (id == Wishlist.defaultList ? Wishlist.List(id: id, name: "Wishlist") : nil) else {
                throw ApplicationError.notFound("wish list \(id)")
            }
            return JSONBody(try await view(list, version: version, withToken: true))
        }
        members.patch("/customers/me/wishlists/{wishlistId}") { request, context in
            let body = try await StrictJSON.decode(NameBody.self, from: request, context: context)
            let id = try wishlistID(context)
            return try await wishlist(request, context) { _ in .renameList(id, name: body.name) }
        }
        members.delete("/customers/me/wishlists/{wishlistId}") { request, context in
            let id = try wishlistID(context)
            return try await wishlist(request, context) { _ in .deleteList(id) }
        }
        members.post("/customers/me/wishlists/{wishlistId}/items") { request, context in
            let body = try await StrictJSON.decode(ItemBody.self, from: request, context: context)
            let currency = try QueryParameters.currency(body.currency.map { Substring($0) })
            guard let product = try? ProductID(body.productId), let sku = try? SKU(body.sku) else {
                throw Problem.unprocessable("invalid_id", "productId and sku are ids (1-64 letters, digits, '-' or '_')", field: "sku")
            }
            return CommandResponses.ok(try await add(
                customer: try customer(context), list: try wishlistID(context), product: product, sku: sku, currency: currency, metadata: metadata(request, context)
            ))
        }
        members.delete("/customers/me/wishlists/{wishlistId}/items/{sku}") { request, context in
            let id = try wishlistID(context)
            let sku = try itemSKU(context)
            return try await wishlist(request, context) { _ in .remove(list: id, sku: sku) }
        }
        members.post("/customers/me/wishlists/{wishlistId}/items/{sku}/move-to-cart") { request, context in
            let body = try await StrictJSON.decode(MoveBody.self, from: request, context: context)
            guard let cart = try? CartID(body.cartId) else { throw ApplicationError.notFound("cart \(body.cartId.prefix(64))") }
            let owner = try customer(context)
            let results = try await move(
                customer: owner, list: try wishlistID(context), sku: try itemSKU(context), cart: cart, quantity: body.quantity ?? 1,
                metadata: metadata(request, context)
            )
            // The cart's new version: what a client holding the cart needs next.
            guard let cartResult = results.first(where: { $0.stream.rawValue == "cart-\(cart)" }) else { throw ApplicationError.notFound("cart \(cart)") }
            return CommandResponses.ok(CommandResult(stream: cartResult.stream.rawValue, version: cartResult.lastVersion, position: cartResult.lastPosition))
        }
        members.post("/customers/me/wishlists/{wishlistId}/share") { request, context -> EditedResponse<JSONBody<Shared>> in
            let token = try await shares.share(customer: try customer(context), list: try wishlistID(context), metadata: metadata(request, context))
            return EditedResponse(status: .created, response: JSONBody(Shared(token: token, path: "/wishlists/shared/\(token)")))
        }
        members.delete("/customers/me/wishlists/{wishlistId}/share") { request, context in
            CommandResponses.ok(try await shares.unshare(customer: try customer(context), list: try wishlistID(context), metadata: metadata(request, context)))
        }
        router.get("/wishlists/shared/{token}") { _, context -> JSONBody<ListView> in
            let token = try context.parameters.require("token")
            // Tokens are base64url: anything else (a NUL from %00 included) is no token of ours.
            guard (1...64).contains(token.count), token.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") }),
                  let (owner, id) = try await shares.list(token: token)
            else { throw ApplicationError.notFound("this shared wish list") }
            let state = try await repository.load(Wishlist.self, .of("wishlist", owner)).state
            // The list may have been deleted or unshared since the link was made.
            guard let list = state.list(id), list.shareToken == token else { throw ApplicationError.notFound("this shared wish list") }
            return JSONBody(try await view(list, version: nil, withToken: false))
        }
    }

    /// The list with each item's price now, in the currency it was added in, and its stock.
    private func view(_ list: Wishlist.List, version: Int64?, withToken: Bool) async throws -> ListView {
        let listings = try await catalog.variants(skus: list.items.map(\.sku.rawValue))
        let items = list.items.map { item -> ItemView in
            let listing = listings[item.sku.rawValue]
            let currency = item.addedPrice?.currency ?? .EUR
            let current = listing?.prices[currency.code].map { Money($0, currency) }
            let change = current.flatMap { now in item.addedPrice.map { Money(now.amount - $0.amount, currency) } }
            let available = listing?.available ?? 0
            return ItemView(
                sku: item.sku.rawValue, productId: item.productId.rawValue, name: listing?.productName ?? item.productId.rawValue, addedAt: item.addedAt,
                addedPrice: item.addedPrice, currentPrice: current, priceChange: change, available: available, inStock: available > 0,
                purchasable: listing?.productStatus == "published" && current != nil && available > 0
            )
        }
        return ListView(
            wishlistId: list.id.rawValue, name: list.name, itemCount: items.count, items: items, shareToken: withToken ? list.shareToken : nil, version: version
        )
    }

    private func wishlist(_ request: Request, _ context: CommerceRequestContext, _ command: @escaping (Wishlist.State) throws -> Wishlist.Command) async throws -> Response {
        CommandResponses.ok(try await repository.execute(
            Wishlist.self, .of("wishlist", try customer(context)), ifMatch: try CommandResponses.ifMatch(request), metadata: metadata(request, context)
        ) { state in try command(state) })
    }

    private func customer(_ context: CommerceRequestContext) throws -> CustomerID {
        try CustomerID(try context.requirePrincipal().userID)
    }

    private func wishlistID(_ context: CommerceRequestContext) throws -> WishlistID {
        guard let id = try? WishlistID(try context.parameters.require("wishlistId")) else { throw ApplicationError.notFound("this wish list") }
        return id
    }

    private func itemSKU(_ context: CommerceRequestContext) throws -> SKU {
        guard let sku = try? SKU(try context.parameters.require("sku")) else { throw DomainError(.notOnWishlist, "no such item on the wish list") }
        return sku
    }

    private func metadata(_ request: Request, _ context: CommerceRequestContext) -> EventMetadata {
        CommandResponses.metadata(context.principal, request)
    }
}
