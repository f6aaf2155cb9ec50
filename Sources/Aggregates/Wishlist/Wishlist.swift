import Foundation

/// A customer's wish lists, all on one stream (`wishlist-<customerId>`), so that moving an item
/// to the cart and every change to the lists decide on one version.
///
/// Every customer has the default list (`default`, made on the first add); they may keep up to
/// ``listLimit`` lists with distinct names, ``itemLimit`` items each. An item remembers its price
/// when it was added, in the currency the customer shops in, so a view can show the change since.
/// A list may be shared read-only through an opaque token. Alerts (back in stock, price drop) are
/// recorded here too, for the customers who wish the SKU, by the wishlist-alerts process.
public enum Wishlist: Decider {
    public static let defaultList = try! WishlistID("default")
    public static let listLimit = 20
    public static let itemLimit = 500

    public struct Item: Codable, Sendable, Equatable {
        public var sku: SKU
        public var productId: ProductID
        /// The price when it was added; nil when the variant had none in the customer's currency.
        public var addedPrice: Money?
        public var addedAt: Date
    }

    public struct List: Codable, Sendable, Equatable {
        public var id: WishlistID
        public var name: String
        public var items: [Item] = []
        public var shareToken: String?

        public init(id: WishlistID, name: String) {
            self.id = id
            self.name = name
        }

        public func item(_ sku: SKU) -> Item? { items.first { $0.sku == sku } }
    }

    public struct State: Sendable, Equatable, Encodable {
        public var customerId: CustomerID?
        /// In the order they were made; the default list first once it exists.
        public var lists: [List] = []

        public func list(_ id: WishlistID) -> List? { lists.first { $0.id == id } }
        /// The lists holding `sku`.
        public func lists(holding sku: SKU) -> [List] { lists.filter { $0.item(sku) != nil } }
    }

    public enum Command: Sendable {
        case createList(customer: CustomerID, id: WishlistID, name: String)
        case renameList(WishlistID, name: String)
        case deleteList(WishlistID)
        case add(customer: CustomerID, list: WishlistID, sku: SKU, productId: ProductID, price: Money?)
        case remove(list: WishlistID, sku: SKU)
        /// Taken off the list because it went into `cart` (decided with the cart's line, in one transaction).
        case moveToCart(list: WishlistID, sku: SKU, cart: CartID)
        case share(WishlistID, token: String)
        case unshare(WishlistID)
        case alertBackInStock(sku: SKU, available: Int)
        /// `previous` and `price` are in one currency; only items added in it are alerted.
        case alertPriceDrop(sku: SKU, previous: Money, price: Money)
    }

    public typealias Event = WishlistEvent
    public static let initialState = State()

    public static func decide(_ command: Command, _ state: State, _ context: DecisionContext) throws(DomainError) -> [Event] {
        switch command {
        case .createList(let customer, let id, let name):
            let name = try validName(name, among: state, except: nil)
            guard state.list(id) == nil else { throw DomainError(.alreadyExists, "wish list \(id) exists already") }
            guard state.lists.count < listLimit else { throw DomainError(.wishlistFull, "a customer keeps at most \(listLimit) wish lists") }
            var events: [Event] = []
            if state.list(defaultList) == nil, id != defaultList {
                events.append(.created(WishlistCreated(customerId: customer, wishlistId: defaultList, name: "Wishlist")))
            }
            events.append(.created(WishlistCreated(customerId: customer, wishlistId: id, name: name)))
            return events
        case .renameList(let id, let name):
            let (customer, list) = try existing(id, in: state)
            let name = try validName(name, among: state, except: id)
            guard name != list.name else { return [] }
            return [.renamed(WishlistRenamed(customerId: customer, wishlistId: id, name: name))]
        case .deleteList(let id):
            let (customer, _) = try existing(id, in: state)
            guard id != defaultList else { throw DomainError(.defaultWishlist, "the default wish list cannot be deleted") }
            return [.deleted(WishlistDeleted(customerId: customer, wishlistId: id))]
        case .add(let customer, let listID, let sku, let productId, let price):
            var events: [Event] = []
            var list = state.list(listID)
            if list == nil {
                guard listID == defaultList else { throw DomainError(.notFound, "wish list \(listID) does not exist") }
                events.append(.created(WishlistCreated(customerId: customer, wishlistId: defaultList, name: "Wishlist")))
                list = List(id: defaultList, name: "Wishlist")
            }
            guard list!.item(sku) == nil else { return events }
            guard list!.items.count < itemLimit else { throw DomainError(.wishlistFull, "a wish list holds at most \(itemLimit) items") }
            events.append(.itemAdded(WishlistItemAdded(customerId: customer, wishlistId: listID, sku: sku, productId: productId, price: price, addedAt: context.now)))
            return events
        case .remove(let listID, let sku):
            let (customer, list) = try existing(listID, in: state)
            guard let item = list.item(sku) else { return [] }
            return [.itemRemoved(WishlistItemRemoved(customerId: customer, wishlistId: listID, sku: sku, productId: item.productId, movedToCart: nil))]
        case .moveToCart(let listID, let sku, let cart):
            let (customer, list) = try existing(listID, in: state)
            guard let item = list.item(sku) else { throw DomainError(.notOnWishlist, "\(sku) is not on wish list \(listID)") }
            return [.itemRemoved(WishlistItemRemoved(customerId: customer, wishlistId: listID, sku: sku, productId: item.productId, movedToCart: cart))]
        case .share(let id, let token):
            let (customer, list) = try existing(id, in: state)
            guard list.shareToken == nil else { return [] }
            return [.shared(WishlistShared(customerId: customer, wishlistId: id, token: token))]
        case .unshare(let id):
            let (customer, list) = try existing(id, in: state)
            guard let token = list.shareToken else { return [] }
            return [.unshared(WishlistUnshared(customerId: customer, wishlistId: id, token: token))]
        case .alertBackInStock(let sku, let available):
            let lists = state.lists(holding: sku)
            guard let customer = state.customerId, let item = lists.first?.item(sku), available > 0 else { return [] }
            return [.backInStock(WishlistBackInStock(customerId: customer, sku: sku, productId: item.productId, available: available, wishlistIds: lists.map(\.id)))]
        case .alertPriceDrop(let sku, let previous, let price):
            let lists = state.lists(holding: sku).filter { $0.item(sku)?.addedPrice?.currency == price.currency }
            guard let customer = state.customerId, let item = lists.first?.item(sku), price.currency == previous.currency, price.amount < previous.amount else { return [] }
            return [.priceDropped(WishlistPriceDropped(
                customerId: customer, sku: sku, productId: item.productId, previousPrice: previous, price: price, wishlistIds: lists.map(\.id)
            ))]
        }
    }

    public static func evolve(_ state: State, _ event: Event) -> State {
        var state = state
        func change(_ id: WishlistID, _ body: (inout List) -> Void) {
            guard let index = state.lists.firstIndex(where: { $0.id == id }) else { return }
            body(&state.lists[index])
        }
        switch event {
        case .created(let event):
            state.customerId = event.customerId
            state.lists.append(List(id: event.wishlistId, name: event.name))
        case .renamed(let event):
            change(event.wishlistId) { $0.name = event.name }
        case .deleted(let event):
            state.lists.removeAll { $0.id == event.wishlistId }
        case .itemAdded(let event):
            change(event.wishlistId) { $0.items.append(Item(sku: event.sku, productId: event.productId, addedPrice: event.price, addedAt: event.addedAt)) }
        case .itemRemoved(let event):
            change(event.wishlistId) { $0.items.removeAll { $0.sku == event.sku } }
        case .shared(let event):
            change(event.wishlistId) { $0.shareToken = event.token }
        case .unshared(let event):
            change(event.wishlistId) { $0.shareToken = nil }
        case .backInStock, .priceDropped:
            break
        }
        return state
    }

    private static func existing(_ id: WishlistID, in state: State) throws(DomainError) -> (CustomerID, List) {
        guard let customer = state.customerId, let list = state.list(id) else { throw DomainError(.notFound, "wish list \(id) does not exist") }
        return (customer, list)
    }

    private static func validName(_ name: String, among state: State, except id: WishlistID?) throws(DomainError) -> String {
        let name = ReviewContent.normalised(name, singleLine: true)
        guard (1...60).contains(name.count) else { throw DomainError(.invalidValue, "a wish list's name has 1 to 60 characters") }
        if state.lists.contains(where: { $0.id != id && $0.name.lowercased() == name.lowercased() }) {
            throw DomainError(.duplicateWishlist, "you have a wish list called \(name) already")
        }
        return name
    }
}
