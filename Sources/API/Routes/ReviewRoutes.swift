import Aggregates
import Application
import EventStore
import Foundation
import Hummingbird
import Projections

/// Product reviews: customers write, edit, delete, vote on and report them; anyone reads a
/// product's approved reviews with its rating summary; admins moderate.
struct ReviewRoutes {
    let repository: AggregateRepository
    let submit: SubmitReview
    let policy: ReviewPolicy
    let reader: ReviewsReader
    let readYourWrites: ReadYourWrites

    struct ReviewBody: Codable {
        let rating: Int
        let title: String?
        let body: String?
    }

    struct EditBody: Codable {
        let rating: Int?
        let title: String?
        let body: String?
    }

    struct VoteBody: Codable {
        let helpful: Bool
    }

    struct ReasonBody: Codable {
        let reason: String
    }

    /// A review as shoppers see it: no customer id, no moderation details.
    struct PublicReview: Codable, Sendable {
        let reviewId: String
        let productId: String
        let verified: Bool
        let rating: Int
        let title: String
        let body: String
        let helpful: Int
        let notHelpful: Int
        let edited: Bool
        let createdAt: Date
        let updatedAt: Date

        init(_ item: ReviewsReader.Item) {
            reviewId = item.reviewId
            productId = item.productId
            verified = item.verified
            rating = item.rating
            title = item.title
            body = item.body
            helpful = item.helpful
            notHelpful = item.notHelpful
            edited = item.edited
            createdAt = item.createdAt
            updatedAt = item.updatedAt
        }
    }

    struct ProductReviews: Codable, Sendable {
        let productId: String
        let summary: RatingSummary
        let items: [PublicReview]
        let nextCursor: String?
    }

    struct Queue: Codable, Sendable {
        let items: [ReviewsReader.Item]
        let nextCursor: String?
    }

    func addRoutes(public router: Router<CommerceRequestContext>, members: RouterGroup<CommerceRequestContext>, admin: RouterGroup<CommerceRequestContext>) {
        members.post("/catalog/products/{productId}/reviews") { request, context in
            let principal = try context.requirePrincipal()
            let body = try await StrictJSON.decode(ReviewBody.self, from: request, context: context)
            let content = try ReviewContent(rating: body.rating, title: body.title, body: body.body)
            let result = try await submit(
                product: try productID(context), by: try CustomerID(principal.userID), content: content, metadata: metadata(request, context)
            )
            return CommandResponses.created(result)
        }
        router.get("/catalog/products/{productId}/reviews") { request, context -> JSONBody<ProductReviews> in
            try await readYourWrites.wait(request, projection: ReviewsProjection())
            let product = try productID(context).rawValue
            let query = request.uri.queryParameters
            var filter = ReviewsReader.Filter()
            if let text = query["rating"] {
                let ratings = text.split(separator: ",").map { Int($0) }
                guard !ratings.isEmpty, ratings.count <= 5, ratings.allSatisfy({ $0.map { (1...5).contains($0) } ?? false }) else {
                    throw Problem.badRequest("invalid_parameter", "rating takes star ratings 1 to 5, comma-separated (4,5)", field: "rating")
                }
                filter.ratings = ratings.compactMap { $0 }
            }
            filter.withText = try flag(query["withText"], "withText")
            filter.verified = try flag(query["verified"], "verified")
            var sort = ReviewsReader.Sort.newest
            if let text = query["sort"] {
                guard let value = ReviewsReader.Sort(rawValue: String(text)) else {
                    throw Problem.badRequest("invalid_parameter", "sort must be one of \(ReviewsReader.Sort.allCases.map(\.rawValue).joined(separator: ", "))", field: "sort")
                }
                sort = value
            }
            let page = try await reader.reviews(
                of: product, filter: filter, sort: sort, limit: try QueryParameters.limit(query["limit"]), offset: try offset(query["cursor"])
            )
            return JSONBody(ProductReviews(
                productId: product, summary: try await reader.summary(of: product), items: page.items.map(PublicReview.init), nextCursor: page.nextCursor
            ))
        }
        // Anyone sees an approved review; its author and admins see it in any state, with its moderation details.
        router.get("/reviews/{reviewId}") { request, context -> Response in
            try await readYourWrites.wait(request, projection: ReviewsProjection())
            let id = try reviewID(context)
            guard let item = try await reader.review(id.rawValue), item.status != Review.Status.deleted.rawValue else { throw ApplicationError.notFound("review \(id)") }
            let insider = context.principal.map { $0.role == .admin || $0.userID == item.customerId } ?? false
            guard insider || item.status == Review.Status.approved.rawValue else { throw ApplicationError.notFound("review \(id)") }
            let data = insider ? try StrictJSON.encoder.encode(item) : try StrictJSON.encoder.encode(PublicReview(item))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(bytes: data)))
        }
        members.patch("/reviews/{reviewId}") { request, context in
            let principal = try context.requirePrincipal()
            let body = try await StrictJSON.decode(EditBody.self, from: request, context: context)
            let author = try CustomerID(principal.userID)
            return try await review(request, context) { state in
                guard let current = state.content else { throw ApplicationError.notFound("this review") }
                let content = try ReviewContent(rating: body.rating ?? current.rating, title: body.title ?? current.title, body: body.body ?? current.body)
                return .edit(by: author, content: content, autoApprove: policy.autoApprove)
            }
        }
        members.delete("/reviews/{reviewId}") { request, context in
            let principal = try context.requirePrincipal()
            return try await review(request, context) { _ in
                principal.role == .admin ? .delete(by: .admin, customerId: nil) : .delete(by: .author, customerId: try CustomerID(principal.userID))
            }
        }
        members.post("/reviews/{reviewId}/votes") { request, context in
            let voter = try CustomerID(try context.requirePrincipal().userID)
            let body = try await StrictJSON.decode(VoteBody.self, from: request, context: context)
            return try await review(request, context) { _ in .vote(by: voter, helpful: body.helpful) }
        }
        members.post("/reviews/{reviewId}/reports") { request, context in
            let reporter = try CustomerID(try context.requirePrincipal().userID)
            let body = try await StrictJSON.decode(ReasonBody.self, from: request, context: context)
            return try await review(request, context) { _ in .report(by: reporter, reason: body.reason) }
        }
        admin.get("reviews") { request, _ -> JSONBody<Queue> in
            try await readYourWrites.wait(request, projection: ReviewsProjection())
            let query = request.uri.queryParameters
            var status = Review.Status.pending
            if let text = query["status"] {
                guard let value = Review.Status(rawValue: String(text)) else {
                    throw Problem.badRequest("invalid_parameter", "status must be pending, approved, rejected or deleted", field: "status")
                }
                status = value
            }
            let page = try await reader.moderationQueue(status: status, limit: try QueryParameters.limit(query["limit"]), offset: try offset(query["cursor"]))
            return JSONBody(Queue(items: page.items, nextCursor: page.nextCursor))
        }
        admin.post("reviews/{reviewId}/approve") { request, context in try await review(request, context) { _ in .approve } }
        admin.post("reviews/{reviewId}/reject") { request, context in
            let body = try await StrictJSON.decode(ReasonBody.self, from: request, context: context)
            return try await review(request, context) { _ in .reject(reason: body.reason) }
        }
    }

    private func review(_ request: Request, _ context: CommerceRequestContext, _ command: @escaping (Review.State) throws -> Review.Command) async throws -> Response {
        let id = try reviewID(context)
        return CommandResponses.ok(try await repository.execute(
            Review.self, .of("review", id), ifMatch: try CommandResponses.ifMatch(request), metadata: metadata(request, context)
        ) { state in
            guard state.id != nil, state.status != .deleted else { throw ApplicationError.notFound("review \(id)") }
            return try command(state)
        })
    }

    private func flag(_ value: Substring?, _ name: String) throws -> Bool? {
        switch value {
        case nil: return nil
        case "true": return true
        case "false": return false
        default: throw Problem.badRequest("invalid_parameter", "\(name) must be true or false", field: name)
        }
    }

    /// The opaque cursor of a review page: the offset of its first review.
    private func offset(_ value: Substring?) throws -> Int {
        guard let value else { return 0 }
        guard let offset = Int(value), (0...100_000).contains(offset) else {
            throw Problem.unprocessable("invalid_cursor", "the cursor is not one this listing gave out", field: "cursor")
        }
        return offset
    }

    private func productID(_ context: CommerceRequestContext) throws -> ProductID {
        guard let id = try? ProductID(try context.parameters.require("productId")) else { throw ApplicationError.notFound("this product") }
        return id
    }

    private func reviewID(_ context: CommerceRequestContext) throws -> ReviewID {
        guard let id = try? ReviewID(try context.parameters.require("reviewId")) else { throw ApplicationError.notFound("this review") }
        return id
    }

    private func metadata(_ request: Request, _ context: CommerceRequestContext) -> EventMetadata {
        CommandResponses.metadata(context.principal, request)
    }
}
