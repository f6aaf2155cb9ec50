@testable import Aggregates
import Foundation
import Testing

@Suite("Reviews: content, filter and rules")
struct ReviewTests {
    let review: ReviewID = id("rv_1")
    let product: ProductID = id("tee")
    let author: CustomerID = id("ada")
    let other: CustomerID = id("bea")

    func content(_ rating: Int, _ title: String = "Good tee", _ body: String = "Soft and warm.") -> ReviewContent {
        try! ReviewContent(rating: rating, title: title, body: body)
    }

    func submitted(_ rating: Int = 4, autoApprove: Bool = true) throws -> [ReviewEvent] {
        try given(Review.self, [], when: .submit(id: review, productId: product, customerId: author, orderId: id("o-1"), content: content(rating), autoApprove: autoApprove))
    }

    @Test("text is NFC-normalised, control characters dropped, blank lines collapsed, limits counted in characters")
    func normalisation() throws {
        let decomposed = try ReviewContent(rating: 5, title: "  Cafe\u{301}\tau lait \n", body: "Line one\u{0007}\n\n\n\nLine two  \n")
        #expect(decomposed.title == "Caf\u{E9} au lait")
        #expect(decomposed.body == "Line one\n\nLine two")
        #expect(try ReviewContent(rating: 3, title: String(repeating: "é", count: 120), body: nil).title.count == 120)
        #expect(throws: DomainError.self) { try ReviewContent(rating: 3, title: String(repeating: "e", count: 121), body: nil) }
        #expect(throws: DomainError.self) { try ReviewContent(rating: 3, title: nil, body: String(repeating: "b", count: 5001)) }
        for rating in [0, 6, -1] {
            #expect(throws: DomainError.self) { try ReviewContent(rating: rating, title: nil, body: nil) }
        }
        #expect(try !ReviewContent(rating: 2, title: "Meh", body: " \n ").hasText)
    }

    @Test("the filter flags listed words (also spelled with digits), links, repetition and shouting; ordinary reviews pass")
    func contentFilter() throws {
        func flags(_ title: String, _ body: String) -> [ReviewContentFilter.Flag] { ReviewContentFilter.flags(content(3, title, body)) }
        #expect(flags("Lovely", "Fits well, washed it 10 times, colour stays. Worth 1000000 stars.") == [])
        #expect(flags("Sehr gut", "Passt perfekt, schöne Farbe. Gerne wieder!") == [])
        #expect(flags("Total scam", "") == [.language])
        #expect(flags("", "what a sh1t product") == [.language])
        #expect(flags("", "Buy cheaper at https://elsewhere.example") == [.link])
        #expect(flags("", "see cheap-tees.com for more") == [.link])
        #expect(flags("", "www dot nothing, version 2.0 is fine") == [])
        #expect(flags("", "Sooooooo good") == [.repetition])
        #expect(flags("", "buy buy buy buy now") == [.repetition])
        #expect(flags("", "great great great tee tee great great great great great") == [.repetition])
        #expect(flags("", "THIS IS THE WORST SHIRT I EVER BOUGHT") == [.shouting])
        #expect(flags("OK", "NASA approved, fits well overall and looks nice") == [])
    }

    @Test("a clean review is approved at once when the shop auto-approves; a flagged one waits; a second one is refused")
    func submitting() throws {
        let events = try submitted()
        guard case .submitted(let first) = events.first else { Issue.record("\(events)"); return }
        #expect(first.status == .approved && first.verified && first.flags.isEmpty)
        let waiting = try submitted(autoApprove: false)
        guard case .submitted(let pending) = waiting.first else { Issue.record("\(waiting)"); return }
        #expect(pending.status == .pending)
        let flagged = try given(Review.self, [], when: .submit(
            id: review, productId: product, customerId: author, orderId: nil, content: content(1, "Rubbish", "go to www.other.shop"), autoApprove: true
        ))
        guard case .submitted(let link) = flagged.first else { Issue.record("\(flagged)"); return }
        #expect(link.status == .pending && link.flags == [.link] && !link.verified)
        expectRefusal(Review.self, events, when: .submit(id: review, productId: product, customerId: author, orderId: nil, content: content(2), autoApprove: true), code: .duplicateReview)
    }

    @Test("only the author edits; an edit is judged again; an unchanged edit records nothing")
    func editing() throws {
        let history = try submitted()
        expectRefusal(Review.self, history, when: .edit(by: other, content: content(1), autoApprove: true), code: .notReviewAuthor)
        #expect(try given(Review.self, history, when: .edit(by: author, content: content(4), autoApprove: true)).isEmpty)
        let edit = try given(Review.self, history, when: .edit(by: author, content: content(2, "Shrank", "AFTER ONE WASH IT SHRANK TWO SIZES"), autoApprove: true))
        #expect(edit.count == 1)
        let state = Review.fold(history + edit)
        #expect(state.status == .pending && state.flags == [.shouting] && state.content?.rating == 2 && state.edits == 1)
    }

    @Test("moderation, deletion by author or admin; a deleted review takes no more commands")
    func moderationAndDeletion() throws {
        let history = try submitted(autoApprove: false)
        let approved = history + (try given(Review.self, history, when: .approve))
        #expect(Review.fold(approved).status == .approved)
        #expect(try given(Review.self, approved, when: .approve).isEmpty)
        expectRefusal(Review.self, approved, when: .reject(reason: "  "), code: .invalidValue)
        let rejected = approved + (try given(Review.self, approved, when: .reject(reason: "Off topic")))
        #expect(Review.fold(rejected).status == .rejected)
        expectRefusal(Review.self, history, when: .delete(by: .author, customerId: other), code: .notReviewAuthor)
        let deleted = history + (try given(Review.self, history, when: .delete(by: .admin, customerId: nil)))
        #expect(Review.fold(deleted).status == .deleted)
        expectRefusal(Review.self, deleted, when: .approve, code: .notFound)
        expectRefusal(Review.self, deleted, when: .edit(by: author, content: content(5), autoApprove: true), code: .notFound)
    }

    @Test("one vote per customer (a new one replaces it), none on one's own review; the third report sends it back to moderation")
    func votesAndReports() throws {
        var history = try submitted()
        expectRefusal(Review.self, history, when: .vote(by: author, helpful: true), code: .ownReview)
        history += try given(Review.self, history, when: .vote(by: other, helpful: true))
        #expect(try given(Review.self, history, when: .vote(by: other, helpful: true)).isEmpty)
        let changed = try given(Review.self, history, when: .vote(by: other, helpful: false))
        guard case .voted(let vote) = changed.first else { Issue.record("\(changed)"); return }
        #expect(vote.previous == true && !vote.helpful)
        expectRefusal(Review.self, history, when: .report(by: author, reason: "mine"), code: .ownReview)
        for (index, reporter) in ["r1", "r2", "r3"].enumerated() {
            let reported = try given(Review.self, history, when: .report(by: id(reporter), reason: "spam"))
            guard case .reported(let report) = reported.first else { Issue.record("\(reported)"); return }
            #expect(report.reports == index + 1 && report.sentToModeration == (index == 2))
            history += reported
            if index < 2 {
                #expect(try given(Review.self, history, when: .report(by: id(reporter), reason: "again")).isEmpty, "one report per customer")
            }
        }
        #expect(Review.fold(history).status == .pending)
        expectRefusal(Review.self, history, when: .vote(by: id("r9"), helpful: true), code: .notFound)
    }
}

@Suite("Wish lists: rules")
struct WishlistRuleTests {
    let ada: CustomerID = id("ada")
    let sku: SKU = id("TEE-M")
    let product: ProductID = id("tee")

    func added(_ list: WishlistID = Wishlist.defaultList, price: Money? = eur(2000)) throws -> [WishlistEvent] {
        try given(Wishlist.self, [], when: .add(customer: ada, list: list, sku: sku, productId: product, price: price))
    }

    @Test("the default list is made on the first add; adding again changes nothing; the default list cannot be deleted")
    func defaultList() throws {
        let events = try added()
        #expect(events.count == 2)
        let state = Wishlist.fold(events)
        #expect(state.list(Wishlist.defaultList)?.items.map(\.sku) == [sku])
        #expect(state.list(Wishlist.defaultList)?.items.first?.addedAt == now)
        #expect(try given(Wishlist.self, events, when: .add(customer: ada, list: Wishlist.defaultList, sku: sku, productId: product, price: eur(1))).isEmpty)
        expectRefusal(Wishlist.self, events, when: .deleteList(Wishlist.defaultList), code: .defaultWishlist)
        expectRefusal(Wishlist.self, [], when: .add(customer: ada, list: id("wl_x"), sku: sku, productId: product, price: nil), code: .notFound)
    }

    @Test("names are distinct ignoring case; at most 20 lists")
    func names() throws {
        var history = try given(Wishlist.self, [], when: .createList(customer: ada, id: id("wl_1"), name: "Birthday"))
        #expect(history.count == 2, "the default list comes first")
        expectRefusal(Wishlist.self, history, when: .createList(customer: ada, id: id("wl_2"), name: "birthday"), code: .duplicateWishlist)
        expectRefusal(Wishlist.self, history, when: .renameList(id("wl_1"), name: ""), code: .invalidValue)
        for index in 2..<Wishlist.listLimit {
            history += try given(Wishlist.self, history, when: .createList(customer: ada, id: id("wl_\(index)"), name: "List \(index)"))
        }
        #expect(Wishlist.fold(history).lists.count == Wishlist.listLimit)
        expectRefusal(Wishlist.self, history, when: .createList(customer: ada, id: id("wl_99"), name: "One more"), code: .wishlistFull)
    }

    @Test("move to cart takes the item off; an item not on the list is refused")
    func moveToCart() throws {
        let history = try added()
        let moved = try given(Wishlist.self, history, when: .moveToCart(list: Wishlist.defaultList, sku: sku, cart: id("c-1")))
        #expect(Wishlist.fold(history + moved).list(Wishlist.defaultList)?.items.isEmpty == true)
        expectRefusal(Wishlist.self, history + moved, when: .moveToCart(list: Wishlist.defaultList, sku: sku, cart: id("c-1")), code: .notOnWishlist)
    }

    @Test("alerts go to customers holding the SKU; a price drop only in the currency the item was added in")
    func alerts() throws {
        let history = try added()
        let back = try given(Wishlist.self, history, when: .alertBackInStock(sku: sku, available: 3))
        #expect(back == [.backInStock(WishlistBackInStock(customerId: ada, sku: sku, productId: product, available: 3, wishlistIds: [Wishlist.defaultList]))])
        #expect(try given(Wishlist.self, history, when: .alertBackInStock(sku: id("OTHER"), available: 3)).isEmpty)
        #expect(try given(Wishlist.self, history, when: .alertPriceDrop(sku: sku, previous: Money(2000, .USD), price: Money(1000, .USD))).isEmpty)
        #expect(try given(Wishlist.self, history, when: .alertPriceDrop(sku: sku, previous: eur(2000), price: eur(1500))).count == 1)
    }
}
