import Foundation

/// A plausible shop history, made by running commands through the deciders: products with
/// variants and prices in two currencies (some unpublished or discontinued later), stock
/// received and adjusted, and carts checked out into orders that go down every path — paid,
/// fulfilled, shipped, delivered (and sometimes reviewed), returned and refunded in part, or
/// cancelled with the stock released. For benchmarks, rebuild tests and demo data; the same seed gives the same history.
public struct SyntheticHistory: Sendable {
    /// One append: events for one stream, in order.
    public struct Append: Sendable {
        public let stream: String
        public let events: [EncodedEvent]
        /// When each event happened, in the history's own time.
        public let occurredAt: [Date]

        public init(stream: String, events: [EncodedEvent], occurredAt: [Date]) {
            self.stream = stream
            self.events = events
            self.occurredAt = occurredAt
        }
    }

    private struct Variant {
        let sku: SKU
        let product: ProductID
        let name: String
        let category: [String]
        let prices: [Currency: Money]
    }

    private var random: SplitMix64
    private var now: Date
    private var variants: [Variant] = []
    private var stock: [SKU: Inventory.State] = [:]
    /// Products unpublished or discontinued at the end of ``catalog(products:)``.
    private var unlisted: Set<ProductID> = []
    /// Each product's state at the end of ``catalog(products:)``.
    private var productStates: [ProductID: Product.State] = [:]
    private var orderCount = 0
    private var cartCount = 0
    private var reviewCount = 0
    private var campaignCount = 0
    /// "<product>|<customer>" for every review written: one per product and customer.
    private var reviewed: Set<String> = []
    /// How many signed-in customers orders and carts are spread over.
    public var customers = 500
    /// The end of the history: lifecycle steps that would happen later are left out.
    public var horizon: Date?

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
        // A quarter of the products have no brand.
        let brands: [String?] = ["Northwind", "Fjell", "Oak & Ash", nil]
        let base = variants.count
        for index in 0..<count {
            let number = base + index
            let id = try ProductID("synthetic-\(number)")
            let noun = nouns[number % nouns.count]
            var commands: [Product.Command] = [
                .create(id: id, name: "\(noun) \(number)", description: "A \(noun.lowercased()) in \(colours[number % colours.count])",
                        categoryPath: categories[number % categories.count], brand: brands[number % brands.count]),
            ]
            var skus: [SKU] = []
            for variant in 0..<(2 + Int(random.next() % 3)) {
                let sku = try SKU("SYN-\(number)-\(variant)")
                skus.append(sku)
                let euros = Money(Int64(990 + random.next() % 9000), .EUR)
                let dollars = Money(euros.amount * 108 / 100, .USD)
                commands += [.addVariant(sku: sku, attributes: ["colour": colours[variant % colours.count]]),
                             .setPrice(sku: sku, price: euros), .setPrice(sku: sku, price: dollars)]
                variants.append(Variant(sku: sku, product: id, name: "\(noun) \(number)", category: categories[number % categories.count],
                                        prices: [.EUR: euros, .USD: dollars]))
            }
            commands.append(.publish)
            switch random.next() % 20 {
            case 0:
                commands += [.unpublish]
                unlisted.insert(id)
            case 1:
                commands += [.discontinue]
                unlisted.insert(id)
            case 2: commands += [.unpublish, .publish]
            default: break
            }
            var product = Stream(Product.self, "product-\(id)")
            try product.run(commands, at: now)
            productStates[id] = product.state
            appends.append(product.append)
            for sku in skus {
                var stockCommands: [Inventory.Command] = [.setLowStockThreshold(sku: sku, threshold: 20), .receive(sku: sku, quantity: 50 + Int(random.next() % 200))]
                if random.next() % 10 == 0 { stockCommands.append(.adjust(sku: sku, delta: -1, reason: .damaged, note: "dropped")) }
                appends.append(try runStock(stockCommands, sku: sku))
            }
        }
        return appends
    }

    /// The catalog's category paths as a tree (names in German too), every product that is not
    /// discontinued put in its category, then a rename and a move that the catalog view must
    /// follow. Needs ``catalog(products:)`` first.
    public mutating func categoryTree() throws(DomainError) -> [Append] {
        var tree = Stream(CategoryTree.self, CategoryTree.stream)
        var ids: [[String]: CategoryID] = [:]
        for path in Set(variants.map(\.category)).sorted(by: { $0.joined(separator: "/") < $1.joined(separator: "/") }) {
            for depth in 1...path.count where ids[Array(path.prefix(depth))] == nil {
                let prefix = Array(path.prefix(depth))
                let id = try CategoryID("category-\(ids.count)")
                try tree.run([.create(
                    id: id, parentId: depth > 1 ? ids[Array(prefix.dropLast())] : nil, slug: CategoryTree.slug(from: prefix.joined(separator: " "), id: id),
                    name: prefix.last!, localizedNames: ["de": "\(prefix.last!) (de)"], position: nil
                )], at: now)
                ids[prefix] = id
            }
        }
        var appends = [tree.append]
        for (id, state) in productStates.sorted(by: { $0.key < $1.key }) where state.status != .discontinued {
            guard let category = ids[state.categoryPath] else { continue }
            var product = Stream(Product.self, "product-\(id)", state: state)
            try product.run([.changeDetails(
                name: state.name, description: state.description, categoryPath: tree.state.path(of: category), brand: state.brand, categoryId: category
            )], at: now)
            productStates[id] = product.state
            appends.append(product.append)
        }
        // The first top-level category renamed; the last subcategory moved to the top of another.
        var changes = Stream(CategoryTree.self, CategoryTree.stream, state: tree.state)
        if let first = tree.state.roots.first, let renamed = tree.state.categories[first] {
            try changes.run([.rename(id: first, slug: "\(renamed.slug)-renamed", name: "\(renamed.name) Renamed", localizedNames: renamed.localizedNames)], at: now)
        }
        if let leaf = ids.filter({ $0.key.count > 1 }).max(by: { $0.value < $1.value })?.value,
           let target = tree.state.roots.first(where: { $0 != tree.state.categories[leaf]?.parentId }) {
            try changes.run([.move(id: leaf, parentId: target, position: 0)], at: now)
        }
        appends.append(changes.append)
        return appends
    }

    /// Every listed product's name and description in German, the first one's then removed again.
    public mutating func translations() throws(DomainError) -> [Append] {
        var appends: [Append] = []
        for (index, (id, state)) in productStates.sorted(by: { $0.key < $1.key }).enumerated() where state.status != .discontinued {
            var product = Stream(Product.self, "product-\(id)", state: state)
            var commands: [Product.Command] = [.translate(locale: "de", name: "\(state.name) (de)", description: "Auf Deutsch: \(state.description)")]
            if index == 0 { commands.append(.removeTranslation(locale: "de")) }
            try product.run(commands, at: now)
            productStates[id] = product.state
            appends.append(product.append)
        }
        return appends
    }

    /// GBP and JPY prices derived from the EUR ones, then the GBP rate changed and the JPY one
    /// removed: what the catalog view's derived prices must follow.
    public mutating func exchangeRates() throws(DomainError) -> [Append] {
        var rates = Stream(ExchangeRates.self, ExchangeRates.stream)
        let gbp = Currency.GBP
        try rates.run([.set([
            ExchangeRate(currency: gbp, base: .EUR, ratePerMillion: 856_300, roundingIncrement: 1),
            ExchangeRate(currency: .JPY, base: .EUR, ratePerMillion: 162_470_000, roundingIncrement: 10),
        ])], at: now)
        var changes = Stream(ExchangeRates.self, ExchangeRates.stream, state: rates.state)
        try changes.run([.set([ExchangeRate(currency: gbp, base: .EUR, ratePerMillion: 861_000, roundingIncrement: 5)]), .remove(.JPY)], at: now)
        return [rates.append, changes.append]
    }

    /// One customer order: a cart checked out, stock reserved, then the order's life, each step
    /// at its own time after ``now`` (paid at once or expiring unpaid after 15 minutes, shipped a day later, delivered three days
    /// later, returned after ten); steps that would fall after ``horizon`` have not happened yet.
    /// Needs ``catalog(products:)`` first.
    /// - Parameters: `owner` and `products` (one unit of each one's first variant) when the
    ///   caller chooses them, else picked at random.
    public mutating func order(by chosenOwner: CartOwner? = nil, products: [ProductID]? = nil) throws(DomainError) -> [Append] {
        precondition(!variants.isEmpty, "make a catalog first")
        orderCount += 1
        now = now.addingTimeInterval(1)
        let placedAt = now
        let orderID = try OrderID("synthetic-order-\(orderCount)")
        let cartID = try CartID("synthetic-cart-\(orderCount)")
        let owner: CartOwner
        if let chosenOwner { owner = chosenOwner } else { owner = try pickOwner() }
        let currency: Currency = random.next() % 3 == 0 ? .USD : .EUR
        let lines = products.map { chosen in
            chosen.compactMap { product in variants.first { $0.product == product } }.map {
                CartLine(sku: $0.sku, productId: $0.product, name: $0.name, quantity: 1, unitPrice: $0.prices[currency]!)
            }
        } ?? pickLines(currency: currency)
        var cart = Stream(Cart.self, "cart-\(cartID)")
        try cart.run([.create(id: cartID, owner: owner, currency: currency)] + lines.map { .addItem($0) } + [
            .setShippingAddress(Address(name: "Customer \(orderCount)", line1: "\(orderCount) Main Street", city: "Berlin", postalCode: "10115", country: "DE")),
            .setShippingMethod(method: "standard", pricing: .standard), .checkOut(orderId: orderID, pricing: .standard, promotions: .none(at: placedAt)),
        ], at: placedAt)
        let checkedOut = cart.decided.lazy.compactMap { event -> CartCheckedOut? in
            if case .checkedOut(let checkout) = event { checkout } else { nil }
        }.first
        guard let checkout = checkedOut else { preconditionFailure("a cart with lines checks out") }

        var appends = [cart.append]
        var stockStreams: [Stream<Inventory>] = []
        for line in checkout.lines {
            var stream = Stream(Inventory.self, "inventory-\(line.sku)", state: stock.removeValue(forKey: line.sku) ?? Inventory.initialState)
            var commands: [Inventory.Command] = []
            if stream.state.available < line.quantity + 1 { commands.append(.receive(sku: line.sku, quantity: 200)) }
            commands.append(.reserve(sku: line.sku, orderId: orderID, quantity: line.quantity, expiresAt: placedAt.addingTimeInterval(900)))
            try stream.run(commands, at: placedAt)
            stockStreams.append(stream)
        }
        let payment = try PaymentID("synthetic-payment-\(orderCount)")
        let total = checkout.totals.total
        var order = Stream(Order.self, "order-\(orderID)")
        try order.run([.place(id: orderID, checkout: checkout)], at: placedAt)
        let path = random.next() % 10
        let day: TimeInterval = 86_400
        func happened(_ offset: TimeInterval) -> Bool { horizon.map { placedAt.addingTimeInterval(offset) <= $0 } ?? true }
        switch path {
        case 0:
            try order.run([.cancel(reason: "payment declined", cause: .paymentDeclined)], at: placedAt)
            for index in stockStreams.indices { try stockStreams[index].run([.release(orderId: orderID, reason: .paymentDeclined)], at: placedAt) }
        case 1:
            // Authorized and never captured: the order expires at its reservations' deadline.
            try order.run([.recordPaymentAuthorized(paymentId: payment, amount: total)], at: placedAt)
            if happened(900) {
                let expired = placedAt.addingTimeInterval(900)
                try order.run([.cancel(reason: "payment deadline passed", cause: .expired)], at: expired)
                for index in stockStreams.indices { try stockStreams[index].run([.release(orderId: orderID, reason: .expired)], at: expired) }
            }
        default:
            let everything = checkout.lines.map { LineQuantity(sku: $0.sku, quantity: $0.quantity) }
            try order.run([.recordPaymentAuthorized(paymentId: payment, amount: total), .markPaid(paymentId: payment, amount: total)], at: placedAt)
            if path >= 3, happened(day) {
                try order.run([.fulfil(everything), .ship(carrier: "DHL", trackingNumber: "JD\(100_000 + orderCount)")], at: placedAt.addingTimeInterval(day))
                for index in stockStreams.indices { try stockStreams[index].run([.commit(orderId: orderID)], at: placedAt.addingTimeInterval(day)) }
            }
            if path >= 5, happened(3 * day) {
                try order.run([.markDelivered], at: placedAt.addingTimeInterval(3 * day))
                if case .customer(let customer) = owner, random.next() % 3 == 0, happened(5 * day),
                   let review = try review(of: checkout.lines[0].productId, by: customer, order: orderID, at: placedAt.addingTimeInterval(5 * day)) {
                    appends.append(review)
                }
            }
            if path == 9, happened(10 * day) {
                let refund = Money(max(1, total.amount / 3), total.currency)
                let line = ReturnLine(sku: everything[0].sku, quantity: everything[0].quantity, disposition: orderCount % 2 == 0 ? .restock : .writeOff)
                try order.run([.recordReturn(lines: [line], reason: "too small", refund: refund), .refund(amount: refund, reason: "returned item")],
                              at: placedAt.addingTimeInterval(10 * day))
            }
        }
        for stream in stockStreams {
            stock[try SKU(String(stream.name.dropFirst("inventory-".count)))] = stream.state
            if !stream.events.isEmpty { appends.append(stream.append) }
        }
        appends.append(order.append)
        return appends
    }

    /// A delivered order's review, two days after delivery: mostly good, a tenth flagged for a
    /// link and left pending or rejected; some voted on by other customers. Nil when the customer
    /// reviewed the product already.
    private mutating func review(of product: ProductID, by customer: CustomerID, order: OrderID?, at time: Date) throws(DomainError) -> Append? {
        guard reviewed.insert("\(product)|\(customer)").inserted else { return nil }
        reviewCount += 1
        let id = try ReviewID("rv-synthetic-\(reviewCount)")
        let ratings = [5, 5, 5, 4, 4, 4, 3, 2, 1]
        let rating = ratings[random(below: ratings.count)]
        let verdicts = [(5, "Love it", "Exactly as described, and it arrived quickly."), (4, "Good value", "Does the job well."),
                        (3, "It's fine", ""), (2, "Disappointing", "Smaller than it looks."), (1, "Broke quickly", "Stopped working after a week.")]
        let (_, title, body) = verdicts.first { $0.0 == rating }!
        let flagged = random(below: 10) == 0
        let content = try ReviewContent(rating: rating, title: title, body: flagged ? body + " Cheaper at www.deals.example" : body)
        var stream = Stream(Review.self, "review-\(id)")
        try stream.run([.submit(id: id, productId: product, customerId: customer, orderId: order, content: content, autoApprove: true)], at: time)
        if flagged, random(below: 2) == 0 { try stream.run([.reject(reason: "Advertising")], at: time.addingTimeInterval(3600)) }
        if !flagged {
            for voter in 0..<random(below: 3) {
                let other = try CustomerID("customer-\((random(below: customers) + voter) % customers)")
                if other != customer { try stream.run([.vote(by: other, helpful: random(below: 4) != 0)], at: time.addingTimeInterval(Double(7200 + voter))) }
            }
        }
        return stream.append
    }

    /// A review from a shopper who has not ordered here (a gift, or bought in a shop's branch),
    /// of a random product, at ``now``: unverified, and otherwise like a delivered order's review.
    /// Each comes from a reviewer of its own, so there is no limit on how many a history holds.
    public mutating func unpromptedReview() throws(DomainError) -> Append {
        precondition(!variants.isEmpty, "make a catalog first")
        now = now.addingTimeInterval(1)
        let product = variants[random(below: variants.count)].product
        // Never nil: a new reviewer has reviewed nothing yet.
        return try review(of: product, by: try CustomerID("reviewer-\(reviewCount + 1)"), order: nil, at: now)!
    }

    /// A mailing campaign at ``now``: a promotion for signed-in shoppers (10 % off, one use each),
    /// activated, and `codes` single-use codes for it, one per letter sent; one code in twenty is
    /// disabled a day later (the letter came back).
    public mutating func couponCampaign(codes: Int) throws(DomainError) -> [Append] {
        campaignCount += 1
        now = now.addingTimeInterval(1)
        let promotionID = try PromotionID("promo-mailing-\(campaignCount)")
        let definition = PromotionDefinition(
            name: "Mailing \(campaignCount): 10 % off your order", rules: PromotionRules(kind: .percentageOff, target: .order, basisPoints: 1000, segment: .signedIn),
            automatic: false, priority: 50, perCustomerLimit: 1
        )
        var appends = [try run(Promotion.self, [.create(id: promotionID, definition: definition), .activate], stream: "promotion-\(promotionID)")]
        for index in 0..<codes {
            let code = try CouponCode("MAIL\(campaignCount)-\(index)")
            var coupon = Stream(Coupon.self, "coupon-\(code)")
            try coupon.run([.issue(code: code, promotionId: promotionID, usageLimit: 1, perCustomerLimit: 1)], at: now)
            if random(below: 20) == 0 { try coupon.run([.disable], at: now.addingTimeInterval(86_400)) }
            appends.append(coupon.append)
        }
        return appends
    }

    /// A cart that never checks out: created, given lines, and declared abandoned a day after its
    /// last activity (or, with no lines, simply left — a visit that never got further).
    public mutating func abandonedCart(withLines: Bool = true) throws(DomainError) -> [Append] {
        precondition(!variants.isEmpty, "make a catalog first")
        cartCount += 1
        now = now.addingTimeInterval(1)
        let cartID = try CartID("synthetic-abandoned-\(cartCount)")
        let currency: Currency = random.next() % 3 == 0 ? .USD : .EUR
        var cart = Stream(Cart.self, "cart-\(cartID)")
        try cart.run([.create(id: cartID, owner: try pickOwner(), currency: currency)], at: now)
        if withLines {
            try cart.run(pickLines(currency: currency).map { .addItem($0) }, at: now)
            let inactivity: TimeInterval = 86_400
            if horizon.map({ now.addingTimeInterval(inactivity) <= $0 }) ?? true {
                try cart.run([.abandon(lastActivityAt: now, inactivity: inactivity)], at: now.addingTimeInterval(inactivity))
            }
        }
        return [cart.append]
    }

    /// A day of a shop from `dayStart`: `orders` orders, a third as many carts left with lines
    /// and a quarter as many left empty, and `browsingSessions` sessions of product views, at
    /// random moments of the day, none after ``horizon``.
    public mutating func day(starting dayStart: Date, orders: Int, browsingSessions: Int = 0) throws(DomainError) -> (appends: [Append], orders: Int) {
        var moments = (0..<orders).map { _ in (random(below: 86_400), 0) }
            + (0..<(orders / 3 + 1)).map { _ in (random(below: 86_400), 1) }
            + (0..<(orders / 4 + 1)).map { _ in (random(below: 86_400), 2) }
            + (0..<browsingSessions).map { _ in (random(below: 86_400), 3) }
        moments.sort { $0.0 < $1.0 }
        var appends: [Append] = []
        var placed = 0
        for (offset, kind) in moments {
            let time = dayStart.addingTimeInterval(Double(offset))
            if let horizon, time >= horizon { break }
            advance(to: time)
            switch kind {
            case 0:
                appends += try order()
                placed += 1
            case 1: appends += try abandonedCart()
            case 2: appends += try abandonedCart(withLines: false)
            default: appends.append(try browsing())
            }
        }
        return (appends, placed)
    }

    /// A browsing session: `viewer` looks at each product in turn, a minute apart, from just
    /// after ``now`` (random products from the catalog when none are given, one to four).
    public mutating func browsing(by viewer: CartOwner? = nil, products chosen: [ProductID]? = nil) throws(DomainError) -> Append {
        precondition(!variants.isEmpty, "make a catalog first")
        let owner: CartOwner
        if let viewer { owner = viewer } else { owner = try pickOwner() }
        let products = chosen ?? (0..<(1 + random(below: 4))).map { _ in variants[random(below: variants.count)].product }
        var events: [EncodedEvent] = []
        var times: [Date] = []
        for product in products {
            now = now.addingTimeInterval(60)
            events.append(EventCodec.encode(ActivityEvent.productViewed(ProductViewed(viewer: owner, productId: product))))
            times.append(now)
        }
        return Append(stream: Activity.streamName(for: owner), events: events, occurredAt: times)
    }

    /// A shopper's searches: texts from a small set (so that several shoppers share them), some
    /// finding nothing, some with filters. The text is stored as given (a real server seals it)
    /// and the digest is a stand-in (the server's is keyed): what search analytics counts.
    public mutating func searches(by viewer: CartOwner? = nil) throws(DomainError) -> Append {
        let owner: CartOwner
        if let viewer { owner = viewer } else { owner = try pickOwner() }
        let texts = ["tee", "linen shirt", "mug", "unicorn", "lantern"]
        let filterSets: [[String]] = [[], ["inStock"], ["brand:Fjell", "colour:navy"], ["category:Apparel/Shirts"]]
        var events: [EncodedEvent] = []
        var times: [Date] = []
        for _ in 0..<(1 + random(below: 3)) {
            now = now.addingTimeInterval(30)
            let text = texts[random(below: texts.count)]
            let digest = String(text.utf8.map { String(format: "%02x", $0) }.joined().padding(toLength: 32, withPad: "0", startingAt: 0).prefix(32))
            events.append(EventCodec.encode(ActivityEvent.searchPerformed(SearchPerformed(
                viewer: owner, query: text, category: [], resultCount: text == "unicorn" ? 0 : 1 + random(below: 20), queryDigest: digest,
                filters: filterSets[random(below: filterSets.count)]
            ))))
            times.append(now)
        }
        return Append(stream: Activity.streamName(for: owner), events: events, occurredAt: times)
    }

    /// Every product made so far, in the order made, with its category path and whether it is
    /// on sale (published, not discontinued).
    public var products: [(id: ProductID, categoryPath: [String], published: Bool)] {
        var seen: Set<ProductID> = []
        return variants.compactMap { variant in
            seen.insert(variant.product).inserted ? (variant.product, variant.category, !unlisted.contains(variant.product)) : nil
        }
    }

    /// Moves the clock forward to `date` (never back): the next order or cart happens just after it.
    public mutating func advance(to date: Date) {
        if date > now { now = date }
    }

    /// A random number below `bound`, from the history's own generator.
    public mutating func random(below bound: Int) -> Int {
        Int(random.next() % UInt64(max(1, bound)))
    }

    /// A signed-in customer most of the time, a guest one order in ten.
    private mutating func pickOwner() throws(DomainError) -> CartOwner {
        if random.next() % 10 == 0 { return .guest("guest-\(random.next() % 1_000_000)") }
        return .customer(try CustomerID("customer-\(random.next() % UInt64(customers))"))
    }

    /// One to three distinct variants, one or two of each.
    private mutating func pickLines(currency: Currency) -> [CartLine] {
        var picked: [Variant] = []
        for _ in 0..<(1 + Int(random.next() % 3)) {
            let variant = variants[Int(random.next() % UInt64(variants.count))]
            if !picked.contains(where: { $0.sku == variant.sku }) { picked.append(variant) }
        }
        return picked.map { variant in
            CartLine(sku: variant.sku, productId: variant.product, name: variant.name, quantity: 1 + Int(random.next() % 2), unitPrice: variant.prices[currency]!)
        }
    }

    /// Runs inventory commands against the SKU's stock, taken out of the dictionary meanwhile
    /// (updating it in place through `self` would copy the whole dictionary each time).
    private mutating func runStock(_ commands: [Inventory.Command], sku: SKU) throws(DomainError) -> Append {
        var stream = Stream(Inventory.self, "inventory-\(sku)", state: stock.removeValue(forKey: sku) ?? Inventory.initialState)
        defer { stock[sku] = stream.state }
        try stream.run(commands, at: now)
        return stream.append
    }

    private func run<D: Decider>(_: D.Type, _ commands: [D.Command], stream: String) throws(DomainError) -> Append {
        var stream = Stream(D.self, stream)
        try stream.run(commands, at: now)
        return stream.append
    }

    /// One stream's events being decided: its state, and each event with the time it happened.
    private struct Stream<D: Decider> {
        let name: String
        var state: D.State
        var decided: [D.Event] = []
        var events: [EncodedEvent] = []
        var times: [Date] = []

        init(_: D.Type, _ name: String, state: D.State = D.initialState) {
            self.name = name
            self.state = state
        }

        mutating func run(_ commands: [D.Command], at time: Date) throws(DomainError) {
            for command in commands {
                let (new, next) = try D.handle(command, state, DecisionContext(now: time))
                state = next
                decided += new
                events += new.map { EventCodec.encode($0) }
                times += Array(repeating: time, count: new.count)
            }
        }

        var append: Append { Append(stream: name, events: events, occurredAt: times) }
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
