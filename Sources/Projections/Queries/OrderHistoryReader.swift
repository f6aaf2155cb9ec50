import Aggregates
import EventStore
import Foundation
import Logging
import PostgresNIO

/// Reads the order history: a customer's orders, newest first, and one order's timeline.
/// Shipping addresses are stored sealed (``PersonalData``) and opened here, as they are read.
public struct OrderHistoryReader: Sendable {
    public struct Order: Sendable, Codable, Equatable {
        public let orderId: String
        public let customerId: String
        public let status: String
        public let lines: JSONFragment
        public let totals: JSONFragment
        /// Each promotion's discount, by line and on the shipping.
        public let discounts: JSONFragment
        public let shippingAddress: JSONFragment
        public let refunded: JSONFragment?
        public let placedAt: Date
        public let updatedAt: Date
        public let position: Int64
        public var timeline: [Step]?
    }

    public struct Step: Sendable, Codable, Equatable {
        public let eventType: String
        public let status: String
        public let detail: JSONFragment
        public let occurredAt: Date
        public let position: Int64
    }

    public struct Page: Sendable, Codable, Equatable {
        public let items: [Order]
        public let nextCursor: String?
    }

    let client: PostgresClient
    let logger: Logger
    let vault: PersonalDataVault

    public init(client: PostgresClient, logger: Logger, vault: PersonalDataVault? = nil) {
        self.client = client
        self.logger = logger
        self.vault = vault ?? PersonalDataVault(client: client, logger: logger)
    }

    /// A customer's orders, newest first; `cursor` is the last order id of the previous page.
    /// The customer's oldest order in one of `statuses` with a line of `product`; nil if none.
    /// What makes a customer eligible to review the product.
    public func purchase(of product: String, by customerID: String, statuses: [String]) async throws -> String? {
        let rows = try await client.query(
            """
            SELECT order_id FROM order_history
            WHERE customer_kind = 'customer' AND customer_id = \(customerID) AND status = ANY(\(statuses))
              AND lines::jsonb @> jsonb_build_array(jsonb_build_object('productId', \(product)::text))
            ORDER BY placed_at, order_id LIMIT 1
            """,
            logger: logger
        )
        for try await id in rows.decode(String.self) { return id }
        return nil
    }

    public func orders(customerID: String, limit: Int, after cursor: String?) async throws -> Page {
        let limit = max(1, min(limit, 100))
        let rows = try await client.query(
            """
            SELECT order_id, customer_id, status, lines::text, totals::text, discounts::text, shipping_address::text, refunded::text, placed_at, updated_at, position
            FROM order_history h
            WHERE customer_kind = 'customer' AND customer_id = \(customerID)
              AND (\(cursor == nil) OR (placed_at, order_id) < (SELECT placed_at, order_id FROM order_history WHERE order_id = \(cursor ?? "")))
            ORDER BY placed_at DESC, order_id DESC
            LIMIT \(limit + 1)
            """,
            logger: logger
        )
        var items = try await decode(rows)
        let more = items.count > limit
        if more { items.removeLast() }
        return Page(items: items, nextCursor: more ? items.last?.orderId : nil)
    }

    /// One order with its timeline; nil when the read model has no such order.
    public func order(id: String) async throws -> Order? {
        let rows = try await client.query(
            """
            SELECT order_id, customer_id, status, lines::text, totals::text, discounts::text, shipping_address::text, refunded::text, placed_at, updated_at, position
            FROM order_history WHERE order_id = \(id)
            """,
            logger: logger
        )
        guard var order = try await decode(rows).first else { return nil }
        var steps: [Step] = []
        for try await (type, status, detail, occurred, position) in try await client.query(
            """
            SELECT step->>'eventType', step->>'status', (step->'detail')::text, (step->>'occurredAt')::timestamptz, (step->>'position')::bigint
            FROM order_history, json_array_elements(timeline) WITH ORDINALITY AS steps(step, number)
            WHERE order_id = \(id) ORDER BY number
            """,
            logger: logger
        ).decode((String, String, String, Date, Int64).self) {
            steps.append(Step(eventType: type, status: status, detail: JSONFragment(detail), occurredAt: occurred, position: position))
        }
        order.timeline = steps
        return order
    }

    private func decode(_ rows: some AsyncSequence<PostgresRow, any Error> & Sendable) async throws -> [Order] {
        var orders: [Order] = []
        for try await (id, customer, status, lines, totals, discounts, sealedAddress, refunded, placed, updated, position) in rows.decode(
            (String, String, String, String, String, String, String, String?, Date, Date, Int64).self
        ) {
            let address = try await vault.reveal(sealedAddress, object: [], fields: PersonalData.addressFields)
            orders.append(Order(
                orderId: id, customerId: customer, status: status, lines: JSONFragment(lines), totals: JSONFragment(totals),
                discounts: JSONFragment(discounts), shippingAddress: JSONFragment(address), refunded: refunded.map(JSONFragment.init), placedAt: placed, updatedAt: updated,
                position: position, timeline: nil
            ))
        }
        return orders
    }
}

/// JSON text from a read model, passed through to responses as it is.
public struct JSONFragment: Sendable, Codable, Equatable {
    public let json: String

    public init(_ json: String) {
        self.json = json
    }

    public init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer().decode(AnyJSON.self)
        json = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    public func encode(to encoder: any Encoder) throws {
        try JSONDecoder().decode(AnyJSON.self, from: Data(json.utf8)).encode(to: encoder)
    }
}

/// Any JSON value, for passing JSON through Codable.
indirect enum AnyJSON: Codable, Equatable {
    case null, bool(Bool), number(Double), integer(Int64), string(String), array([AnyJSON]), object([String: AnyJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([AnyJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: AnyJSON].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
