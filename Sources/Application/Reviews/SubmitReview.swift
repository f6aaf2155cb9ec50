import Aggregates
import Crypto
import EventStore
import Foundation

/// A customer reviews a product: once per product, if they bought it as the policy requires.
/// The review's id (and stream) is derived from product and customer, so a second review, even
/// sent twice at once, finds the first one's stream and is refused as a duplicate.
public struct SubmitReview: Sendable {
    /// Finds an order of the customer's containing the product in one of the statuses; nil if none.
    public typealias PurchaseFinder = @Sendable (_ customer: CustomerID, _ product: ProductID, _ statuses: [Order.Status]) async throws -> OrderID?

    let repository: AggregateRepository
    let policy: ReviewPolicy
    let findPurchase: PurchaseFinder

    public init(repository: AggregateRepository, policy: ReviewPolicy, findPurchase: @escaping PurchaseFinder) {
        self.repository = repository
        self.policy = policy
        self.findPurchase = findPurchase
    }

    public static func reviewID(product: ProductID, customer: CustomerID) -> ReviewID {
        let digest = SHA256.hash(data: Data("\(product.rawValue)\n\(customer.rawValue)".utf8))
        return try! ReviewID("rv_" + digest.prefix(16).map { String(format: "%02x", $0) }.joined())
    }

    public func callAsFunction(product: ProductID, by customer: CustomerID, content: ReviewContent, metadata: EventMetadata) async throws -> CommandResult {
        guard try await repository.load(Product.self, .of("product", product)).state.id != nil else {
            throw ApplicationError.notFound("product \(product)")
        }
        var order: OrderID?
        if policy.purchase != .none {
            order = try await findPurchase(customer, product, policy.purchase.orderStatuses)
            guard order != nil else {
                throw ApplicationError(.purchaseRequired, "only customers with a \(policy.purchase.rawValue) order of this product may review it")
            }
        }
        let id = Self.reviewID(product: product, customer: customer)
        var result = try await repository.execute(Review.self, .of("review", id), ifMatch: nil, metadata: metadata) { _ in
            .submit(id: id, productId: product, customerId: customer, orderId: order, content: content, autoApprove: policy.autoApprove)
        }
        result.id = id.rawValue
        return result
    }
}
