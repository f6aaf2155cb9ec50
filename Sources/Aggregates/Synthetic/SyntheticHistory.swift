import Foundation

/// A plausible shop history, made by running commands through the deciders: products with
/// variants and prices in two currencies (some unpublished or discontinued later), stock
/// received and adjusted, and carts checked out into orders that go down every path — paid,
/// fulfilled, shipped, delivered, returned and refunded in part, or cancelled with the stock
/// released. For benchmarks, rebuild tests and demo data; the same seed gives the same history.
public struct SyntheticHistory: Sendable {
    /// One append: events for one stream, in order.
    public struct Append: Sendable {
        public let stream: String
        public let events: [EncodedEvent]
    }

    private struct Variant {
        let sku: SKU
        let product: ProductID
        let name: String
        let prices: [Currency: Money]
    }

    private var random: SplitMix64
    private var now: Date
    private var variants: [Variant] = []
    private var stock: [SKU: Inventory.State] = [:]
    private var orderCount = 0

    public init(seed: UInt64, start: Date) {
        random = SplitMix64(seed: seed)
        now = start
    }

    /// Creates `count` products with 2–4 variants each and stock for every variant.
    public mutating func catalog(products count: Int) throws(DomainError) -> [Append] {
        var appends: [Append] = []
        let categories = [["Apparel", "Shirts"], ["Apparel", "Knitwear"], ["Home", "Kitchen"], ["Outdoor"], ["Books", "Fiction"]]
        let nouns = ["Tee", "Sweater", "Mug", "Tent", "Novel", "Scarf", "Kettle", "Lantern"]
        let colours = ["navy", "sand", "olive", "black"]
        let base = variants.count
        for index in 0..<count {
            let number = base + index
            let id = try ProductID("synthetic-\(number)")
            let noun = nouns[number % nouns.count]
            var commands: [Product.Command] = [
                .create(id: id, name: "\(noun) \(number)", description: "A \(noun.lowercased()) in \(colours[number % colours.count])",
                        categoryPath: categories[number % categories.count]),
            ]
            var skus: [SKU] = []
            for variant in 0..<(2 + Int(random.next() % 3)) {
                let sku = try SKU("SYN-\(number)-\(variant)")
                skus.append(sku)
                let euros = Money(Int64(990 + random.next() % 9000), .EUR)
                let dollars = Money(euros.amount * 108 / 100, .USD)
                commands += [.addVariant(sku: sku, attributes: ["colour": colours[variant % colours.count]]),
                             .setPrice(sku: sku, price: euros), .setPrice(sku: sku, price: dollars)]
                variants.append(Variant(sku: sku, product: id, name: "\(noun) \(number)", prices: [.EUR: euros, .USD: dollars]))
            }
            commands.append(.publish)
            switch random.next() % 20 {
            case 0: commands += [.unpublish]
            case 1: commands += [.discontinue]
            case 2: commands += [.unpublish, .publish]
            default: break
            }
            appends.append(try run(Product.self, commands, stream: "product-\(id)"))
            for sku in skus {
                var stockCommands: [Inventory.Command] = [.receive(sku: sku, quantity: 50 + Int(random.next() % 200))]
                if random.next() % 10 == 0 { stockCommands.append(.adjust(sku: sku, delta: -1, reason: .damaged, note: "dropped")) }
                appends.append(try runStock(stockCommands, sku: sku))
            }
        }
        return appends
    }

    /// One customer order: a cart checked out, stock reserved, then the order's life.
    /// Needs ``catalog(products:)`` first.
    public mutating func order() throws(DomainError) -> [Append] {
        precondition(!variants.isEmpty, "make a catalog first")
        orderCount += 1
        now = now.addingTimeInterval(1)
        let orderID = try OrderID("synthetic-order-\(orderCount)")
        let cartID = try CartID("synthetic-cart-\(orderCount)")
        let customer = try CustomerID("customer-\(random.next() % 500)")
        let currency: Currency = random.next() % 3 == 0 ? .USD : .EUR
        var picked: [Variant] = []
        for _ in 0..<(1 + Int(random.next() % 3)) {
            let variant = variants[Int(random.next() % UInt64(variants.count))]
            if !picked.contains(where: { $0.sku == variant.sku }) { picked.append(variant) }
        }
        var cartCommands: [Cart.Command] = [.create(id: cartID, owner: .customer(customer), currency: currency)]
        for variant in picked {
            cartCommands.append(.addItem(CartLine(sku: variant.sku, productId: variant.product, name: variant.name,
                                                  quantity: 1 + Int(random.next() % 2), unitPrice: variant.prices[currency]!)))
        }
        cartCommands += [
            .setShippingAddress(Address(name: "Customer \(orderCount)", line1: "\(orderCount) Main Street", city: "Berlin", postalCode: "10115", country: "DE")),
            .setShippingMethod(method: "standard", pricing: .standard), .checkOut(orderId: orderID, pricing: .standard),
        ]
        var cart = Cart.initialState
        let cartAppend = try run(Cart.self, cartCommands, stream: "cart-\(cartID)", state: &cart)
        guard let checkout = cartAppend.checkout else { preconditionFailure("a cart with lines checks out") }

        var appends = [cartAppend.append]
        let expires = now.addingTimeInterval(900)
        for line in checkout.lines {
            var commands: [Inventory.Command] = []
            if stock[line.sku, default: Inventory.initialState].available < line.quantity + 1 {
                commands.append(.receive(sku: line.sku, quantity: 200))
            }
            commands.append(.reserve(sku: line.sku, orderId: orderID, quantity: line.quantity, expiresAt: expires))
            appends.append(try runStock(commands, sku: line.sku))
        }
        let payment = try PaymentID("synthetic-payment-\(orderCount)")
        let total = checkout.totals.total
        var orderCommands: [Order.Command] = [.place(id: orderID, checkout: checkout)]
        let path = random.next() % 10
        var releaseStock = false
        switch path {
        case 0:
            orderCommands.append(.cancel(reason: "payment declined", cause: .paymentDeclined))
            releaseStock = true
        case 1:
            orderCommands.append(.recordPaymentAuthorized(paymentId: payment, amount: total))
        default:
            let everything = checkout.lines.map { LineQuantity(sku: $0.sku, quantity: $0.quantity) }
            orderCommands += [.recordPaymentAuthorized(paymentId: payment, amount: total), .markPaid(paymentId: payment, amount: total)]
            if path >= 3 { orderCommands += [.fulfil(everything), .ship(carrier: "DHL", trackingNumber: "JD\(100_000 + orderCount)")] }
            if path >= 5 { orderCommands.append(.markDelivered) }
            if path == 9 {
                let refund = Money(max(1, total.amount / 3), total.currency)
                let line = ReturnLine(sku: everything[0].sku, quantity: everything[0].quantity, disposition: orderCount % 2 == 0 ? .restock : .writeOff)
                orderCommands += [.recordReturn(lines: [line], reason: "too small", refund: refund), .refund(amount: refund, reason: "returned item")]
            }
        }
        var order = Order.initialState
        appends.append(try run(Order.self, orderCommands, stream: "order-\(orderID)", state: &order))
        for line in checkout.lines {
            let command: Inventory.Command = releaseStock ? .release(orderId: orderID, reason: .paymentDeclined) : .commit(orderId: orderID)
            if releaseStock || path >= 3 {
                appends.append(try runStock([command], sku: line.sku))
            }
        }
        return appends
    }

    /// Runs inventory commands against the SKU's stock, taken out of the dictionary meanwhile
    /// (updating it in place through `self` would copy the whole dictionary each time).
    private mutating func runStock(_ commands: [Inventory.Command], sku: SKU) throws(DomainError) -> Append {
        var state = stock.removeValue(forKey: sku) ?? Inventory.initialState
        defer { stock[sku] = state }
        return try run(Inventory.self, commands, stream: "inventory-\(sku)", state: &state)
    }

    private func run<D: Decider>(_: D.Type, _ commands: [D.Command], stream: String) throws(DomainError) -> Append {
        var state = D.initialState
        return try run(D.self, commands, stream: stream, state: &state)
    }

    private func run<D: Decider>(_: D.Type, _ commands: [D.Command], stream: String, state: inout D.State) throws(DomainError) -> Append {
        var events: [EncodedEvent] = []
        for command in commands {
            let (decided, next) = try D.handle(command, state, DecisionContext(now: now))
            state = next
            events += decided.map { EventCodec.encode($0) }
        }
        return Append(stream: stream, events: events)
    }

    private func run(_: Cart.Type, _ commands: [Cart.Command], stream: String, state: inout Cart.State) throws(DomainError) -> (append: Append, checkout: CartCheckedOut?) {
        var events: [EncodedEvent] = []
        var checkout: CartCheckedOut?
        for command in commands {
            let (decided, next) = try Cart.handle(command, state, DecisionContext(now: now))
            state = next
            for event in decided {
                if case .checkedOut(let checkedOut) = event { checkout = checkedOut }
                events.append(EventCodec.encode(event))
            }
        }
        return (Append(stream: stream, events: events), checkout)
    }
}

/// A small, fast, seedable generator (Steele, Lea and Flood's SplitMix64).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
