import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// Reviews as the product page and the moderation queue list them, and each product's rating
/// summary over its approved reviews (`schemas/sql/0021_reviews_wishlists.sql`), read by
/// ``ReviewsReader`` and joined into the catalog's listing for rating filters and sorts.
public struct ReviewsProjection: Projection {
    public let name = "reviews"
    public let categories: Set<String> = ["review"]
    public let tables = ["product_reviews", "product_ratings"]

    public init() {}

    public func makeBuilder() -> any ReadModelBuilder { ReviewsBuilder(projection: name) }
}

/// Review rows in memory; the rating summary changes as the difference each review's approved
/// rating makes, added to the stored sums on flush (so a batch never reads the summaries).
final class ReviewsBuilder: ReadModelBuilder {
    struct ReviewRow {
        var productID: String
        var customerID: String
        var orderID: String?
        var verified: Bool
        var rating: Int
        var title: String
        var body: String
        var status: String
        var flags: [String]
        var rejectionReason: String?
        var helpful: Int
        var notHelpful: Int
        var reports: Int
        var edits: Int
        var createdAt: Date
        var updatedAt: Date
        var position: Int64

        /// The rating this review adds to its product's summary: only approved reviews count.
        var countedRating: Int? { status == Review.Status.approved.rawValue ? rating : nil }
    }

    private let projection: String
    private var reviews: [String: ReviewRow] = [:]
    /// Each changed review's counted rating before this batch touched it (nil: none).
    private var countedBefore: [String: Int?] = [:]
    private let streamVersions = StreamVersions()
    var recordsStreamVersions: Bool {
        get { streamVersions.enabled }
        set { streamVersions.enabled = newValue }
    }
    /// Not used: its rows are merged either way.
    var writesIntoEmptyTables = false
    private let hold = StreamHold()

    init(projection: String) {
        self.projection = projection
    }

    func add(_ events: [RecordedEvent], loadingFrom connection: PostgresConnection?, logger: Logger) async throws -> [ParkedEvent] {
        let outcomes = await decodeConcurrently(events) { event -> Result<ReviewEvent, DomainError> in
            Result { () throws(DomainError) in
                try EventCodec.decode(ReviewEvent.self, EncodedEvent(type: event.type, schemaVersion: Int(event.schemaVersion), json: event.data))
            }
        }
        if let connection {
            let ids = Set(outcomes.compactMap { try? $0?.get().reviewId.rawValue })
            try await load(ids, from: connection, logger: logger)
        }
        for (event, outcome) in zip(events, outcomes) {
            guard let outcome, let review = hold.admit(event, outcome) else { continue }
            streamVersions.record(event)
            apply(review, event)
        }
        return hold.drain()
    }

    private func apply(_ event: ReviewEvent, _ recorded: RecordedEvent) {
        let id = event.reviewId.rawValue
        if case .submitted(let submitted) = event {
            guard reviews[id] == nil else { return }
            if countedBefore[id] == nil { countedBefore[id] = .some(nil) }
            reviews[id] = ReviewRow(
                productID: submitted.productId.rawValue, customerID: submitted.customerId.rawValue, orderID: submitted.orderId?.rawValue,
                verified: submitted.verified, rating: submitted.rating, title: submitted.title, body: submitted.body,
                status: submitted.status.rawValue, flags: submitted.flags.map(\.rawValue), rejectionReason: nil, helpful: 0, notHelpful: 0,
                reports: 0, edits: 0, createdAt: recorded.recordedAt, updatedAt: recorded.recordedAt, position: recorded.position
            )
            return
        }
        guard var row = reviews[id] else { return }
        if countedBefore[id] == nil { countedBefore[id] = .some(row.countedRating) }
        switch event {
        case .submitted:
            return
        case .edited(let edited):
            row.rating = edited.rating
            row.title = edited.title
            row.body = edited.body
            row.status = edited.status.rawValue
            row.flags = edited.flags.map(\.rawValue)
            row.rejectionReason = nil
            row.edits += 1
        case .approved:
            row.status = Review.Status.approved.rawValue
            row.rejectionReason = nil
        case .rejected(let rejected):
            row.status = Review.Status.rejected.rawValue
            row.rejectionReason = rejected.reason
        case .deleted:
            row.status = Review.Status.deleted.rawValue
        case .voted(let voted):
            switch voted.previous {
            case true?: row.helpful -= 1
            case false?: row.notHelpful -= 1
            case nil: break
            }
            if voted.helpful { row.helpful += 1 } else { row.notHelpful += 1 }
        case .reported(let reported):
            row.reports = reported.reports
            if reported.sentToModeration { row.status = Review.Status.pending.rawValue }
        }
        // Votes and reports are not changes to the review's text: its date stays.
        switch event {
        case .voted, .reported: break
        default: row.updatedAt = recorded.recordedAt
        }
        row.position = recorded.position
        reviews[id] = row
    }

    private func load(_ wanted: Set<String>, from connection: PostgresConnection, logger: Logger) async throws {
        let ids = Array(wanted.subtracting(reviews.keys))
        guard !ids.isEmpty else { return }
        let rows = try await connection.query(
            """
            SELECT review_id, product_id, customer_id, order_id, verified, rating, title, body, status, flags, rejection_reason,
                   helpful, not_helpful, reports, edits, created_at, updated_at, position
            FROM product_reviews WHERE review_id = ANY(\(ids))
            """,
            logger: logger
        )
        for try await row in rows {
            let (id, product, customer, order, verified, rating, title, body, status) =
                try row.decode((String, String, String, String?, Bool, Int, String, String, String).self)
            let cells = Array(row)
            reviews[id] = ReviewRow(
                productID: product, customerID: customer, orderID: order, verified: verified, rating: rating, title: title, body: body, status: status,
                flags: try cells[9].decode([String].self), rejectionReason: try cells[10].decode(String?.self), helpful: try cells[11].decode(Int.self),
                notHelpful: try cells[12].decode(Int.self), reports: try cells[13].decode(Int.self), edits: try cells[14].decode(Int.self),
                createdAt: try cells[15].decode(Date.self), updatedAt: try cells[16].decode(Date.self), position: try cells[17].decode(Int64.self)
            )
        }
    }

    func flush(on connection: PostgresConnection, logger: Logger) async throws {
        let ids = countedBefore.keys.sorted()
        let rows = ids.map { reviews[$0]! }
        try await BulkInsert(
            table: "product_reviews",
            columns: [
                ("review_id", "$1"), ("product_id", "$2"), ("customer_id", "$3"), ("order_id", "nullif($4, '')"), ("verified", "$5"),
                ("rating", "$6::integer"), ("title", "$7"), ("body", "$8"), ("status", "$9"), ("flags", "string_to_array($10, ',')"),
                ("rejection_reason", "nullif($11, '')"), ("helpful", "$12::integer"), ("not_helpful", "$13::integer"), ("reports", "$14::integer"),
                ("edits", "$15::integer"), ("created_at", "$16"), ("updated_at", "$17"), ("position", "$18"),
            ],
            conflict: """
                ON CONFLICT (review_id) DO UPDATE SET rating = excluded.rating, title = excluded.title, body = excluded.body,
                    status = excluded.status, flags = excluded.flags, rejection_reason = excluded.rejection_reason, helpful = excluded.helpful,
                    not_helpful = excluded.not_helpful, reports = excluded.reports, edits = excluded.edits, updated_at = excluded.updated_at,
                    position = excluded.position
                """
        ).write(
            [
                .text(ids), .text(rows.map(\.productID)), .text(rows.map(\.customerID)), .text(rows.map { $0.orderID ?? "" }),
                .boolean(rows.map(\.verified)), .bigint(rows.map { Int64($0.rating) }), .text(rows.map(\.title)), .text(rows.map(\.body)),
                .text(rows.map(\.status)), .text(rows.map { $0.flags.joined(separator: ",") }), .text(rows.map { $0.rejectionReason ?? "" }),
                .bigint(rows.map { Int64($0.helpful) }), .bigint(rows.map { Int64($0.notHelpful) }), .bigint(rows.map { Int64($0.reports) }),
                .bigint(rows.map { Int64($0.edits) }), .timestamptz(rows.map(\.createdAt)), .timestamptz(rows.map(\.updatedAt)),
                .bigint(rows.map(\.position)),
            ],
            rowCount: ids.count, on: connection, logger: logger
        )
        try await writeSummaries(ids: ids, on: connection, logger: logger)
        countedBefore.removeAll(keepingCapacity: true)
        try await streamVersions.write(projection: projection, on: connection, logger: logger)
    }

    /// Adds each product's change (sum, count, per-star counts) to its summary; a product whose
    /// reviews changed gets a row even when the change is nil (a pending review), so that live
    /// batches and a rebuild leave the same rows.
    private func writeSummaries(ids: [String], on connection: PostgresConnection, logger: Logger) async throws {
        var deltas: [String: [Int64]] = [:]  // product → [sum, count, stars 1…5]
        for id in ids {
            let row = reviews[id]!
            var delta = deltas[row.productID] ?? [Int64](repeating: 0, count: 7)
            if let before = countedBefore[id]!, (1...5).contains(before) {
                delta[0] -= Int64(before)
                delta[1] -= 1
                delta[1 + before] -= 1
            }
            if let after = row.countedRating, (1...5).contains(after) {
                delta[0] += Int64(after)
                delta[1] += 1
                delta[1 + after] += 1
            }
            deltas[row.productID] = delta
        }
        let products = deltas.keys.sorted()
        let values = products.map { deltas[$0]! }
        func column(_ index: Int) -> BulkInsert.Column { .bigint(values.map { $0[index] }) }
        try await BulkInsert(
            table: "product_ratings",
            columns: [
                ("product_id", "$1"), ("rating_sum", "$2"), ("rating_count", "$3"), ("stars_1", "$4"), ("stars_2", "$5"), ("stars_3", "$6"),
                ("stars_4", "$7"), ("stars_5", "$8"),
            ],
            conflict: """
                ON CONFLICT (product_id) DO UPDATE SET rating_sum = product_ratings.rating_sum + excluded.rating_sum,
                    rating_count = product_ratings.rating_count + excluded.rating_count, stars_1 = product_ratings.stars_1 + excluded.stars_1,
                    stars_2 = product_ratings.stars_2 + excluded.stars_2, stars_3 = product_ratings.stars_3 + excluded.stars_3,
                    stars_4 = product_ratings.stars_4 + excluded.stars_4, stars_5 = product_ratings.stars_5 + excluded.stars_5,
                    changed = excluded.changed
                """
        ).write([.text(products), column(0), column(1), column(2), column(3), column(4), column(5), column(6)], rowCount: products.count, on: connection, logger: logger)
    }
}
