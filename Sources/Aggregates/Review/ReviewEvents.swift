import Foundation

/// A customer reviewed a product. `status` is where it starts: approved when the shop
/// auto-approves and the filter raised no flag, else pending.
public struct ReviewSubmitted: EventPayload {
    public var reviewId: ReviewID
    public var productId: ProductID
    public var customerId: CustomerID
    /// The delivered (or paid) order that made the customer eligible; nil when the shop asks for none.
    public var orderId: OrderID?
    public var verified: Bool
    public var rating: Int
    public var title: String
    public var body: String
    public var status: Review.Status
    public var flags: [ReviewContentFilter.Flag]

    public var content: ReviewContent { ReviewContent(trusted: rating, title, body) }

    public static let sample = ReviewSubmitted(
        reviewId: try! ReviewID("rv_0f3a9c2e7b1d4e8f9a6b5c4d3e2f1a0b"), productId: ProductCreated.sample.productId, customerId: try! CustomerID("cust-42"),
        orderId: try! OrderID("ord-1"), verified: true, rating: 4, title: "Warm and soft", body: "Wore it all winter.", status: .approved, flags: []
    )
}

/// The author changed the review; it is judged again, as a new one would be.
public struct ReviewEdited: EventPayload {
    public var reviewId: ReviewID
    public var productId: ProductID
    public var rating: Int
    public var title: String
    public var body: String
    public var status: Review.Status
    public var flags: [ReviewContentFilter.Flag]

    public var content: ReviewContent { ReviewContent(trusted: rating, title, body) }

    public static let sample = ReviewEdited(
        reviewId: ReviewSubmitted.sample.reviewId, productId: ReviewSubmitted.sample.productId, rating: 5, title: "Warm and soft",
        body: "Wore it all winter, washed well too.", status: .approved, flags: []
    )
}

/// A moderator let the review show.
public struct ReviewApproved: EventPayload {
    public var reviewId: ReviewID
    public var productId: ProductID
    public static let sample = ReviewApproved(reviewId: ReviewSubmitted.sample.reviewId, productId: ReviewSubmitted.sample.productId)
}

/// A moderator kept the review off the page, saying why.
public struct ReviewRejected: EventPayload {
    public var reviewId: ReviewID
    public var productId: ProductID
    public var reason: String
    public static let sample = ReviewRejected(reviewId: ReviewSubmitted.sample.reviewId, productId: ReviewSubmitted.sample.productId, reason: "Off topic")
}

/// The author or an admin removed the review for good.
public struct ReviewDeleted: EventPayload {
    public var reviewId: ReviewID
    public var productId: ProductID
    public var by: Review.Remover
    public static let sample = ReviewDeleted(reviewId: ReviewSubmitted.sample.reviewId, productId: ReviewSubmitted.sample.productId, by: .author)
}

/// A customer found the review helpful or not; `previous` is the vote it replaces.
public struct ReviewVoted: EventPayload {
    public var reviewId: ReviewID
    public var productId: ProductID
    public var customerId: CustomerID
    public var helpful: Bool
    public var previous: Bool?
    public static let sample = ReviewVoted(
        reviewId: ReviewSubmitted.sample.reviewId, productId: ReviewSubmitted.sample.productId, customerId: try! CustomerID("cust-7"), helpful: true, previous: nil
    )
}

/// A customer reported the review; `reports` counts the reporters so far.
public struct ReviewReported: EventPayload {
    public var reviewId: ReviewID
    public var productId: ProductID
    public var customerId: CustomerID
    public var reason: String
    public var reports: Int
    /// This report took the review back to the moderation queue.
    public var sentToModeration: Bool
    public static let sample = ReviewReported(
        reviewId: ReviewSubmitted.sample.reviewId, productId: ReviewSubmitted.sample.productId, customerId: try! CustomerID("cust-7"),
        reason: "Not about the product", reports: 1, sentToModeration: false
    )
}

public enum ReviewEvent: DomainEvent {
    case submitted(ReviewSubmitted)
    case edited(ReviewEdited)
    case approved(ReviewApproved)
    case rejected(ReviewRejected)
    case deleted(ReviewDeleted)
    case voted(ReviewVoted)
    case reported(ReviewReported)

    public static let payloadTypes: [any EventPayload.Type] = [
        ReviewSubmitted.self, ReviewEdited.self, ReviewApproved.self, ReviewRejected.self, ReviewDeleted.self, ReviewVoted.self, ReviewReported.self,
    ]

    public var payload: any EventPayload {
        switch self {
        case .submitted(let payload): payload
        case .edited(let payload): payload
        case .approved(let payload): payload
        case .rejected(let payload): payload
        case .deleted(let payload): payload
        case .voted(let payload): payload
        case .reported(let payload): payload
        }
    }

    public init?(payload: any EventPayload) {
        switch payload {
        case let payload as ReviewSubmitted: self = .submitted(payload)
        case let payload as ReviewEdited: self = .edited(payload)
        case let payload as ReviewApproved: self = .approved(payload)
        case let payload as ReviewRejected: self = .rejected(payload)
        case let payload as ReviewDeleted: self = .deleted(payload)
        case let payload as ReviewVoted: self = .voted(payload)
        case let payload as ReviewReported: self = .reported(payload)
        default: return nil
        }
    }

    public var reviewId: ReviewID {
        switch self {
        case .submitted(let e): e.reviewId
        case .edited(let e): e.reviewId
        case .approved(let e): e.reviewId
        case .rejected(let e): e.reviewId
        case .deleted(let e): e.reviewId
        case .voted(let e): e.reviewId
        case .reported(let e): e.reviewId
        }
    }
}
