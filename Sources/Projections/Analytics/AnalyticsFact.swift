import Aggregates
import EventStore

/// What one event tells analytics: the few fields its figures use, read straight from the
/// event's JSON (``JSONObject``) rather than decoded into the domain event — decoding whole
/// events was most of a rebuild's time. Older schema versions are upcast first, as for any
/// reader; a type analytics does not know, or a field missing, parks the event.
enum AnalyticsFact: Sendable {
    /// Lines as the builder keeps them.
    typealias Line = AnalyticsRows.Line
    typealias CartLine = AnalyticsRows.CartLine

    struct Amount: Sendable {
        let amount: Int64
        let currency: String
    }

    case orderPlaced(orderID: String, customerKind: String, customerID: String, lines: [Line], subtotal: Amount, shipping: Amount, tax: Amount, total: Amount)
    case orderPaid(orderID: String, amount: Amount)
    case orderShipped(orderID: String)
    case orderCancelled(orderID: String)
    case orderReturned(orderID: String, lines: [(sku: String, quantity: Int64)])
    case orderRefunded(amount: Amount)
    case cartCreated(cartID: String, ownerKind: String, ownerID: String, currency: String)
    case cartLineAdded(cartID: String, line: CartLine)
    case cartQuantityChanged(cartID: String, sku: String, quantity: Int64)
    case cartLineRemoved(cartID: String, sku: String)
    case cartMerged(cartID: String, lines: [CartLine])
    case cartMergedAway(cartID: String)
    case cartCheckedOut(cartID: String)
    case cartAbandoned(cartID: String)
    case stockLevels(sku: String, onHand: Int64, reserved: Int64)
    case stockThreshold(sku: String, threshold: Int64)
    case productDetails(productID: String, name: String, categoryPath: [String])
    case variantAdded(productID: String, sku: String)
    case productViewed(productID: String)
    /// Of a type no figure depends on.
    case irrelevant

    /// Event types no figure depends on. Any other type is read, so an unknown one parks.
    static let irrelevantTypes: Set<String> = [
        "CartShippingAddressSet", "CartShippingMethodSet", "OrderPaymentAuthorized", "OrderFulfilmentRecorded", "OrderDelivered",
        "ProductPriceSet", "ProductVariantChanged", "ProductImageAdded", "ProductImageRemoved", "ProductImagesReordered", "ProductPublished", "ProductUnpublished", "ProductDiscontinued", "LowStockThresholdCrossed",
        "BackorderPolicyChanged", "CartCouponApplied", "CartCouponRemoved", "SearchPerformed",
        "ProductTranslated", "ProductTranslationRemoved", "ProductSpecificationsSet", "ProductSEOChanged",
    ]

    /// The current schema version of each type of the categories analytics reads.
    private static let currentVersions = JSONObject.currentVersions(of: AnalyticsProjection().categories)

    static func decode(_ event: RecordedEvent) -> Result<AnalyticsFact, DomainError> {
        if irrelevantTypes.contains(event.type) { return .success(.irrelevant) }
        return JSONObject.read(event, versions: currentVersions, by: "analytics") { read(event.type, $0) }
    }

    private static func read(_ type: String, _ event: JSONObject) -> AnalyticsFact? {
        switch type {
        case "OrderPlaced":
            guard let orderID = event.string("orderId"), let customer = event.object("customer"), let kind = customer.string("kind"),
                  let customerID = customer.string("id"), let lineObjects = event.objects("lines"),
                  let totals = event.object("totals"), let subtotal = amount(totals.object("subtotal")), let shipping = amount(totals.object("shipping")),
                  let tax = amount(totals.object("tax")), let total = amount(totals.object("total"))
            else { return nil }
            let lines = lineObjects.compactMap(line)
            guard lines.count == lineObjects.count else { return nil }
            return .orderPlaced(orderID: orderID, customerKind: kind, customerID: customerID, lines: lines, subtotal: subtotal, shipping: shipping, tax: tax, total: total)
        case "OrderPaid":
            guard let orderID = event.string("orderId"), let amount = amount(event.object("amount")) else { return nil }
            return .orderPaid(orderID: orderID, amount: amount)
        case "OrderShipped":
            return event.string("orderId").map { .orderShipped(orderID: $0) }
        case "OrderCancelled":
            return event.string("orderId").map { .orderCancelled(orderID: $0) }
        case "OrderReturnRecorded":
            guard let orderID = event.string("orderId"), let lines = event.objects("lines") else { return nil }
            let returned = lines.compactMap { line in line.string("sku").flatMap { sku in line.integer("quantity").map { (sku: sku, quantity: $0) } } }
            return returned.count == lines.count ? .orderReturned(orderID: orderID, lines: returned) : nil
        case "OrderRefunded":
            return amount(event.object("amount")).map { .orderRefunded(amount: $0) }
        case "CartCreated":
            guard let cartID = event.string("cartId"), let owner = event.object("owner"), let kind = owner.string("kind"), let ownerID = owner.string("id"),
                  let currency = event.string("currency") else { return nil }
            return .cartCreated(cartID: cartID, ownerKind: kind, ownerID: ownerID, currency: currency)
        case "CartItemAdded":
            guard let cartID = event.string("cartId"), let line = event.object("line").flatMap(cartLine) else { return nil }
            return .cartLineAdded(cartID: cartID, line: line)
        case "CartItemQuantityChanged":
            guard let cartID = event.string("cartId"), let sku = event.string("sku"), let quantity = event.integer("quantity") else { return nil }
            return .cartQuantityChanged(cartID: cartID, sku: sku, quantity: quantity)
        case "CartItemRemoved":
            guard let cartID = event.string("cartId"), let sku = event.string("sku") else { return nil }
            return .cartLineRemoved(cartID: cartID, sku: sku)
        case "CartMerged":
            guard let cartID = event.string("cartId"), let lines = event.objects("lines") else { return nil }
            let merged = lines.compactMap(cartLine)
            return merged.count == lines.count ? .cartMerged(cartID: cartID, lines: merged) : nil
        case "CartMergedIntoCustomerCart":
            return event.string("cartId").map { .cartMergedAway(cartID: $0) }
        case "CartCheckedOut":
            return event.string("cartId").map { .cartCheckedOut(cartID: $0) }
        case "CartAbandoned":
            return event.string("cartId").map { .cartAbandoned(cartID: $0) }
        case "StockReceived", "StockAdjusted", "StockReserved", "StockReservationReleased", "StockReservationCommitted":
            guard let sku = event.string("sku"), let levels = event.object("levels"), let onHand = levels.integer("onHand"),
                  let reserved = levels.integer("reserved") else { return nil }
            return .stockLevels(sku: sku, onHand: onHand, reserved: reserved)
        case "LowStockThresholdSet":
            guard let sku = event.string("sku"), let threshold = event.integer("threshold") else { return nil }
            return .stockThreshold(sku: sku, threshold: threshold)
        case "ProductCreated", "ProductDetailsChanged":
            // A product's name and category as they now stand: reports group by the current ones.
            guard let productID = event.string("productId"), let name = event.string("name"), let path = event.strings("categoryPath") else { return nil }
            return .productDetails(productID: productID, name: name, categoryPath: path)
        case "ProductViewed":
            return event.string("productId").map { .productViewed(productID: $0) }
        case "ProductVariantAdded":
            guard let productID = event.string("productId"), let sku = event.string("sku") else { return nil }
            return .variantAdded(productID: productID, sku: sku)
        default:
            return nil
        }
    }

    private static func amount(_ money: JSONObject?) -> Amount? {
        guard let money, let amount = money.integer("amount"), let currency = money.string("currency") else { return nil }
        return Amount(amount: amount, currency: currency)
    }

    private static func line(_ line: JSONObject) -> Line? {
        guard let sku = line.string("sku"), let productID = line.string("productId"), let quantity = line.integer("quantity"),
              let unitPrice = line.object("unitPrice")?.integer("amount") else { return nil }
        return Line(sku: sku, productID: productID, quantity: quantity, unitPrice: unitPrice)
    }

    private static func cartLine(_ line: JSONObject) -> CartLine? {
        guard let sku = line.string("sku"), let name = line.string("name"), let quantity = line.integer("quantity"),
              let unitPrice = line.object("unitPrice")?.integer("amount") else { return nil }
        return CartLine(sku: sku, name: name, quantity: quantity, unitPrice: unitPrice)
    }
}
