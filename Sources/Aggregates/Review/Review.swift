import Foundation

/// One customer's review of one product, on a stream of its own (`review-<id>`, the id derived
/// from product and customer, so a second review of the same product finds the stream taken).
///
/// pending ⇄ approved / rejected (a moderator's call, with a reason for rejecting); any of them →
/// deleted (final), by the author or an admin. A clean review is approved at once when the shop
/// auto-approves; a flagged one (``ReviewContentFilter``) always waits. The author's edits are
/// events, so every earlier wording stays in the stream; an edit is judged again like a new review.
/// Votes: one per customer (changing it replaces it), never on one's own review. Reports: one per
/// customer; the third sends an approved review back to moderation.
public enum Review: Decider {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case pending, approved, rejected, deleted
    }

    public enum Remover: String, Codable, Sendable {
        case author, admin
    }

    /// Reports that take an approved review off the page until a moderator looks again.
    public static let reportsForModeration = 3

    public struct State: Sendable, Equatable, Encodable {
        public var id: ReviewID?
        public var productId: ProductID?
        public var customerId: CustomerID?
        public var content: ReviewContent?
        public var status = Status.pending
        public var flags: [ReviewContentFilter.Flag] = []
        /// helpful (true) or not helpful (false), by voter.
        public var votes: [CustomerID: Bool] = [:]
        public var reporters: Set<CustomerID> = []
        public var edits = 0
    }

    public enum Command: Sendable {
        /// `orderId`: the qualifying order (nil when the shop lets anyone review; the review is then unverified).
        case submit(id: ReviewID, productId: ProductID, customerId: CustomerID, orderId: OrderID?, content: ReviewContent, autoApprove: Bool)
        case edit(by: CustomerID, content: ReviewContent, autoApprove: Bool)
        case approve
        case reject(reason: String)
        case delete(by: Remover, customerId: CustomerID?)
        case vote(by: CustomerID, helpful: Bool)
        case report(by: CustomerID, reason: String)
    }

    public typealias Event = ReviewEvent
    public static let initialState = State()

    public static func decide(_ command: Command, _ state: State, _ context: DecisionContext) throws(DomainError) -> [Event] {
        if case .submit(let id, let productId, let customerId, let orderId, let content, let autoApprove) = command {
            guard state.id == nil else { throw DomainError(.duplicateReview, "you have reviewed this product already; edit that review instead") }
            let flags = ReviewContentFilter.flags(content)
            return [.submitted(ReviewSubmitted(
                reviewId: id, productId: productId, customerId: customerId, orderId: orderId, verified: orderId != nil,
                rating: content.rating, title: content.title, body: content.body,
                status: autoApprove && flags.isEmpty ? .approved : .pending, flags: flags
            ))]
        }
        guard let id = state.id, let productId = state.productId else { throw DomainError(.notFound, "the review does not exist") }
        guard state.status != .deleted else { throw DomainError(.notFound, "review \(id) was deleted") }
        switch command {
        case .submit:
            preconditionFailure("handled above")
        case .edit(let author, let content, let autoApprove):
            guard author == state.customerId else { throw DomainError(.notReviewAuthor, "only the author may edit a review") }
            guard content != state.content else { return [] }
            let flags = ReviewContentFilter.flags(content)
            return [.edited(ReviewEdited(
                reviewId: id, productId: productId, rating: content.rating, title: content.title, body: content.body,
                status: autoApprove && flags.isEmpty ? .approved : .pending, flags: flags
            ))]
        case .approve:
            guard state.status != .approved else { return [] }
            return [.approved(ReviewApproved(reviewId: id, productId: productId))]
        case .reject(let reason):
            let reason = ReviewContent.normalised(reason, singleLine: true)
            guard (1...500).contains(reason.count) else { throw DomainError(.invalidValue, "a rejection needs a reason of 1 to 500 characters") }
            guard state.status != .rejected else { return [] }
            return [.rejected(ReviewRejected(reviewId: id, productId: productId, reason: reason))]
        case .delete(let remover, let customer):
            if remover == .author, customer != state.customerId { throw DomainError(.notReviewAuthor, "only the author or an admin may delete a review") }
            return [.deleted(ReviewDeleted(reviewId: id, productId: productId, by: remover))]
        case .vote(let voter, let helpful):
            guard voter != state.customerId else { throw DomainError(.ownReview, "you cannot vote on your own review") }
            guard state.status == .approved else { throw DomainError(.notFound, "review \(id) is not published") }
            let previous = state.votes[voter]
            guard previous != helpful else { return [] }
            return [.voted(ReviewVoted(reviewId: id, productId: productId, customerId: voter, helpful: helpful, previous: previous))]
        case .report(let reporter, let reason):
            guard reporter != state.customerId else { throw DomainError(.ownReview, "you cannot report your own review") }
            guard state.status == .approved else { throw DomainError(.notFound, "review \(id) is not published") }
            let reason = ReviewContent.normalised(reason, singleLine: true)
            guard (1...500).contains(reason.count) else { throw DomainError(.invalidValue, "a report needs a reason of 1 to 500 characters") }
            guard !state.reporters.contains(reporter) else { return [] }
            let reports = state.reporters.count + 1
            return [.reported(ReviewReported(
                reviewId: id, productId: productId, customerId: reporter, reason: reason, reports: reports,
                sentToModeration: reports == reportsForModeration
            ))]
        }
    }

    public static func evolve(_ state: State, _ event: Event) -> State {
        var state = state
        switch event {
        case .submitted(let event):
            state.id = event.reviewId
            state.productId = event.productId
            state.customerId = event.customerId
            state.content = event.content
            state.status = event.status
            state.flags = event.flags
        case .edited(let event):
            state.content = event.content
            state.status = event.status
            state.flags = event.flags
            state.edits += 1
        case .approved:
            state.status = .approved
        case .rejected:
            state.status = .rejected
        case .deleted:
            state.status = .deleted
        case .voted(let event):
            state.votes[event.customerId] = event.helpful
        case .reported(let event):
            state.reporters.insert(event.customerId)
            if event.sentToModeration { state.status = .pending }
        }
        return state
    }
}
