import Aggregates
import Foundation
import Logging
import PostgresNIO

/// Reads the promotions read model: the admin's lists, the figures per promotion, which
/// automatic promotions pricing looks at, and whether a customer has ordered before.
public struct PromotionsReader: Sendable {
    public struct Summary: Sendable, Codable, Equatable {
        public let promotionId: String
        public let name: String
        public let automatic: Bool
        public let status: String
        public let priority: Int
        public let validFrom: Date?
        public let validUntil: Date?
        public let createdAt: Date
        public let updatedAt: Date
    }

    public struct Code: Sendable, Codable, Equatable {
        public let code: String
        public let usageLimit: Int?
        public let perCustomerLimit: Int?
        public let disabled: Bool
        /// Orders using it that were not cancelled.
        public let uses: Int
        public let issuedAt: Date
    }

    public struct Redemption: Sendable, Codable, Equatable {
        public let orderId: String
        public let code: String?
        /// `customer` or `guest`; a guest is known only by a token's hash.
        public let customerKind: String
        public let customerId: String?
        public let discount: Money
        public let orderTotal: Money
        public let placedAt: Date
        public let cancelledAt: Date?
    }

    /// One currency's money of a promotion.
    public struct CurrencyFigures: Sendable, Codable, Equatable {
        public let currency: String
        /// Orders not cancelled.
        public let orders: Int
        public let discount: Int64
        /// What those orders came to (totals after discounts).
        public let revenue: Int64
    }

    public struct Figures: Sendable, Codable, Equatable {
        public let promotionId: String
        public let name: String
        public let uses: Int
        public let cancelledUses: Int
        public let byCurrency: [CurrencyFigures]
    }

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public func automaticPromotionIDs() async throws -> [PromotionID] {
        let rows = try await client.query(
            "SELECT promotion_id FROM promotions WHERE automatic AND status IN ('draft', 'active') ORDER BY promotion_id", logger: logger
        )
        var ids: [PromotionID] = []
        for try await id in rows.decode(String.self) { ids.append(try PromotionID(id)) }
        return ids
    }

    public func hasOrdered(_ customer: CustomerID) async throws -> Bool {
        let rows = try await client.query(
            """
            SELECT EXISTS (SELECT 1 FROM order_history
                           WHERE customer_kind = 'customer' AND customer_id = \(customer.rawValue) AND status <> 'cancelled')
            """,
            logger: logger
        )
        for try await exists in rows.decode(Bool.self) { return exists }
        return false
    }

    /// Newest first; `cursor` is the last promotion id of the previous page.
    public func promotions(status: String?, limit: Int, after cursor: String?) async throws -> (items: [Summary], nextCursor: String?) {
        let limit = max(1, min(limit, 100))
        let rows = try await client.query(
            """
            SELECT promotion_id, name, automatic, status, priority, valid_from, valid_until, created_at, updated_at
            FROM promotions
            WHERE (\(status == nil) OR status = \(status ?? ""))
              AND (\(cursor == nil) OR (created_at, promotion_id) < (SELECT created_at, promotion_id FROM promotions WHERE promotion_id = \(cursor ?? "")))
            ORDER BY created_at DESC, promotion_id DESC
            LIMIT \(limit + 1)
            """,
            logger: logger
        )
        var items: [Summary] = []
        for try await (id, name, automatic, status, priority, from, until, created, updated) in rows.decode(
            (String, String, Bool, String, Int, Date?, Date?, Date, Date).self
        ) {
            items.append(Summary(promotionId: id, name: name, automatic: automatic, status: status, priority: priority, validFrom: from,
                                 validUntil: until, createdAt: created, updatedAt: updated))
        }
        return page(items, limit: limit, key: \.promotionId)
    }

    /// In code order; `cursor` is the last code of the previous page.
    public func codes(of promotion: PromotionID, limit: Int, after cursor: String?) async throws -> (items: [Code], nextCursor: String?) {
        let limit = max(1, min(limit, 1000))
        let rows = try await client.query(
            """
            SELECT c.code, c.usage_limit, c.per_customer_limit, c.disabled, c.issued_at,
                   (SELECT count(*) FROM promotion_redemptions r
                    WHERE r.promotion_id = c.promotion_id AND r.code = c.code AND r.cancelled_at IS NULL)::integer
            FROM promotion_codes c
            WHERE c.promotion_id = \(promotion.rawValue) AND c.code > \(cursor ?? "")
            ORDER BY c.code
            LIMIT \(limit + 1)
            """,
            logger: logger
        )
        var items: [Code] = []
        for try await (code, usageLimit, perCustomer, disabled, issued, uses) in rows.decode((String, Int?, Int?, Bool, Date, Int).self) {
            items.append(Code(code: code, usageLimit: usageLimit, perCustomerLimit: perCustomer, disabled: disabled, uses: uses, issuedAt: issued))
        }
        return page(items, limit: limit, key: \.code)
    }

    /// Newest first; `cursor` is the last order id of the previous page.
    public func redemptions(of promotion: PromotionID, limit: Int, after cursor: String?) async throws -> (items: [Redemption], nextCursor: String?) {
        let limit = max(1, min(limit, 100))
        let rows = try await client.query(
            """
            SELECT order_id, code, customer_kind, customer_id, discount, order_total, currency, placed_at, cancelled_at
            FROM promotion_redemptions r
            WHERE promotion_id = \(promotion.rawValue)
              AND (\(cursor == nil) OR (placed_at, order_id) < (SELECT placed_at, order_id FROM promotion_redemptions
                                                                WHERE promotion_id = \(promotion.rawValue) AND order_id = \(cursor ?? "")))
            ORDER BY placed_at DESC, order_id DESC
            LIMIT \(limit + 1)
            """,
            logger: logger
        )
        var items: [Redemption] = []
        for try await (order, code, kind, customer, discount, total, currency, placed, cancelled) in rows.decode(
            (String, String?, String, String, Int64, Int64, String, Date, Date?).self
        ) {
            let money = try Currency(currency)
            items.append(Redemption(
                orderId: order, code: code, customerKind: kind, customerId: kind == "customer" ? customer : nil,
                discount: Money(discount, money), orderTotal: Money(total, money), placedAt: placed, cancelledAt: cancelled
            ))
        }
        return page(items, limit: limit, key: \.orderId)
    }

    /// Each promotion's uses and money, those placed in `[from, to)` when given; `promotion`
    /// nil: every promotion with a use, by most uses.
    public func figures(promotion: PromotionID?, from: Date?, to: Date?) async throws -> [Figures] {
        let rows = try await client.query(
            """
            SELECT r.promotion_id, p.name, r.currency,
                   count(*) FILTER (WHERE r.cancelled_at IS NULL)::integer,
                   count(*) FILTER (WHERE r.cancelled_at IS NOT NULL)::integer,
                   coalesce(sum(r.discount) FILTER (WHERE r.cancelled_at IS NULL), 0)::bigint,
                   coalesce(sum(r.order_total) FILTER (WHERE r.cancelled_at IS NULL), 0)::bigint
            FROM promotion_redemptions r JOIN promotions p USING (promotion_id)
            WHERE (\(promotion == nil) OR r.promotion_id = \(promotion?.rawValue ?? ""))
              AND (\(from == nil) OR r.placed_at >= \(from ?? .distantPast)) AND (\(to == nil) OR r.placed_at < \(to ?? .distantFuture))
            GROUP BY r.promotion_id, p.name, r.currency
            ORDER BY r.promotion_id, r.currency
            """,
            logger: logger
        )
        var byPromotion: [(id: String, name: String, uses: Int, cancelled: Int, currencies: [CurrencyFigures])] = []
        for try await (id, name, currency, uses, cancelled, discount, revenue) in rows.decode((String, String, String, Int, Int, Int64, Int64).self) {
            if byPromotion.last?.id != id { byPromotion.append((id, name, 0, 0, [])) }
            byPromotion[byPromotion.count - 1].uses += uses
            byPromotion[byPromotion.count - 1].cancelled += cancelled
            byPromotion[byPromotion.count - 1].currencies.append(CurrencyFigures(currency: currency, orders: uses, discount: discount, revenue: revenue))
        }
        return byPromotion
            .map { Figures(promotionId: $0.id, name: $0.name, uses: $0.uses, cancelledUses: $0.cancelled, byCurrency: $0.currencies) }
            .sorted { ($0.uses, $1.promotionId) > ($1.uses, $0.promotionId) }
    }

    private func page<Item>(_ items: [Item], limit: Int, key: KeyPath<Item, String>) -> (items: [Item], nextCursor: String?) {
        guard items.count > limit else { return (items, nil) }
        let kept = Array(items.prefix(limit))
        return (kept, kept.last?[keyPath: key])
    }
}
