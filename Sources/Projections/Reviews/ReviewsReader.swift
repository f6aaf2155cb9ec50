import Aggregates
import Foundation
import Logging
import PostgresNIO

/// Reads the reviews read model: a product's published reviews with filters and sorts, its
/// rating summary, one review, and the moderation queue.
public struct ReviewsReader: Sendable {
    public enum Sort: String, Sendable, CaseIterable {
        case newest
        /// Most "helpful" votes first.
        case helpful
        /// Highest rating first.
        case rating
        /// Lowest rating first.
        case ratingAscending = "-rating"

        var orderBy: String {
            switch self {
            case .newest: "created_at DESC, review_id"
            case .helpful: "helpful DESC, created_at DESC, review_id"
            case .rating: "rating DESC, created_at DESC, review_id"
            case .ratingAscending: "rating ASC, created_at DESC, review_id"
            }
        }
    }

    public struct Filter: Sendable, Equatable {
        public var ratings: [Int] = []
        public var withText: Bool?
        public var verified: Bool?
        public init(ratings: [Int] = [], withText: Bool? = nil, verified: Bool? = nil) {
            self.ratings = ratings
            self.withText = withText
            self.verified = verified
        }
    }

    public struct Item: Sendable, Codable, Equatable {
        public let reviewId: String
        public let productId: String
        public let customerId: String
        public let verified: Bool
        public let rating: Int
        public let title: String
        public let body: String
        public let status: String
        public let flags: [String]
        public let rejectionReason: String?
        public let helpful: Int
        public let notHelpful: Int
        public let reports: Int
        public let edited: Bool
        public let createdAt: Date
        public let updatedAt: Date
    }

    public struct Page: Sendable, Codable, Equatable {
        public let items: [Item]
        public let nextCursor: String?
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    static let columns = """
        review_id, product_id, customer_id, verified, rating, title, body, status, flags, rejection_reason, helpful, not_helpful, reports, edits,
        created_at, updated_at
        """

    /// A product's approved reviews. Pages go by offset: a review list is read from the top.
    public func reviews(of product: String, filter: Filter, sort: Sort, limit: Int, offset: Int) async throws -> Page {
        let ratings = filter.ratings
        let sql = """
            SELECT \(Self.columns) FROM product_reviews
            WHERE product_id = $1 AND status = 'approved'
              AND (cardinality($2::integer[]) = 0 OR rating = ANY($2::integer[]))
              AND ($3::boolean IS NULL OR (body <> '') = $3::boolean)
              AND ($4::boolean IS NULL OR verified = $4::boolean)
            ORDER BY \(sort.orderBy)
            LIMIT $5 OFFSET $6
            """
        var bindings = PostgresBindings()
        bindings.append(product)
        bindings.append(ratings)
        bindings.append(filter.withText)
        bindings.append(filter.verified)
        bindings.append(limit + 1)
        bindings.append(offset)
        let items = try await items(PostgresQuery(unsafeSQL: sql, binds: bindings))
        return Page(items: Array(items.prefix(limit)), nextCursor: items.count > limit ? String(offset + limit) : nil)
    }

    /// Reviews by status for moderators, oldest change first (the queue's order).
    public func moderationQueue(status: Review.Status, limit: Int, offset: Int) async throws -> Page {
        let items = try await items("""
            SELECT \(unescaped: Self.columns) FROM product_reviews WHERE status = \(status.rawValue)
            ORDER BY updated_at, review_id LIMIT \(limit + 1) OFFSET \(offset)
            """)
        return Page(items: Array(items.prefix(limit)), nextCursor: items.count > limit ? String(offset + limit) : nil)
    }

    public func review(_ id: String) async throws -> Item? {
        try await items("SELECT \(unescaped: Self.columns) FROM product_reviews WHERE review_id = \(id)").first
    }

    public func summary(of product: String) async throws -> RatingSummary {
        let rows = try await client.query(
            "SELECT rating_sum, rating_count, stars_1, stars_2, stars_3, stars_4, stars_5 FROM product_ratings WHERE product_id = \(product)",
            logger: logger
        )
        for try await (sum, count, s1, s2, s3, s4, s5) in rows.decode((Int64, Int64, Int64, Int64, Int64, Int64, Int64).self) {
            return RatingSummary(sum: sum, count: count, stars: [s1, s2, s3, s4, s5])
        }
        return .none
    }

    private func items(_ query: PostgresQuery) async throws -> [Item] {
        var items: [Item] = []
        for try await row in try await client.query(query, logger: logger) {
            let (id, product, customer, verified, rating, title, body, status) = try row.decode((String, String, String, Bool, Int, String, String, String).self)
            let cells = Array(row)
            items.append(Item(
                reviewId: id, productId: product, customerId: customer, verified: verified, rating: rating, title: title, body: body, status: status,
                flags: try cells[8].decode([String].self), rejectionReason: try cells[9].decode(String?.self), helpful: try cells[10].decode(Int.self),
                notHelpful: try cells[11].decode(Int.self), reports: try cells[12].decode(Int.self), edited: try cells[13].decode(Int.self) > 0,
                createdAt: try cells[14].decode(Date.self), updatedAt: try cells[15].decode(Date.self)
            ))
        }
        return items
    }
}
