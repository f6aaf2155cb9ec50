import Foundation

/// Turns stored JSON of an older schema version into the current one, one version at a time.
/// Stored events are never rewritten: upcasting happens on every read.
///
/// To change an event's shape: bump its payload's `schemaVersion`, add the new JSON Schema file
/// beside the old one, and register a step from the old version here.
public enum EventUpcasters {
    /// A step from version N to N+1 over the JSON object.
    typealias Step = @Sendable ([String: Any]) throws -> [String: Any]

    static let steps: [String: [Int: Step]] = [
        // ProductCreated v1 had one category string "A/B/C"; v2 has the path as an array.
        "ProductCreated": [
            1: { object in
                var object = object
                let category = object.removeValue(forKey: "category") as? String ?? ""
                object["categoryPath"] = category.split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                return object
            },
            // v3 added an optional brand, v4 an optional category id.
            2: { $0 },
            3: { $0 },
        ],
        // v2 added an optional category id.
        "ProductDetailsChanged": [1: { $0 }],
        // v2 added the text's digest (none for v1: its searches are counted without a text) and the filters.
        "SearchPerformed": [
            1: { object in
                var object = object
                object["filters"] = [String]()
                return object
            },
        ],
        // v2 added fields that are optional: v1 reads as v2 unchanged.
        "PaymentCaptured": [1: { $0 }],
        "PaymentVoided": [1: { $0 }],
        "PaymentRefunded": [1: { $0 }],
        "CartShippingAddressSet": [1: { $0 }],
        // v1 cancellations named their cause only in the reason's wording (as the checkout process wrote it).
        "OrderCancelled": [
            1: { object in
                var object = object
                let reason = (object["reason"] as? String ?? "").lowercased()
                object["cause"] = reason.hasPrefix("payment declined") ? "paymentDeclined"
                    : reason.hasPrefix("reservation expired") ? "expired" : "customer"
                return object
            },
        ],
        // v1 checkouts and orders came before promotions: no discounts, a zero discount total.
        "CartCheckedOut": [1: withoutDiscounts],
        "OrderPlaced": [1: withoutDiscounts],
        // v1 returns knew no dispositions: their items went back to stock; refunds were separate.
        "OrderReturnRecorded": [
            1: { object in
                var object = object
                let lines = object["lines"] as? [[String: Any]] ?? []
                object["lines"] = lines.map { line in line.merging(["disposition": "restock"]) { current, _ in current } }
                return object
            },
        ],
    ]

    private static let withoutDiscounts: Step = { object in
        var object = object
        object["discounts"] = [Any]()
        if var totals = object["totals"] as? [String: Any], totals["discount"] == nil {
            let currency = (totals["subtotal"] as? [String: Any])?["currency"] ?? "EUR"
            totals["discount"] = ["amount": 0, "currency": currency]
            object["totals"] = totals
        }
        return object
    }

    /// Readers taught at run time for versions this build does not know: a newer writer's
    /// version mapped to the one this code reads (a rolling deployment, where readers are
    /// upgraded after writers), by (type, version).
    nonisolated(unsafe) private static var taught: [String: [Int: Step]] = [:]
    private static let taughtLock = NSLock()

    /// Teaches this process to read `type` at `version` (newer than its own) by mapping the JSON
    /// object to the current version. Events parked because their version was unknown can then
    /// be applied (`commerce projections retry-parked`).
    public static func teach(type: String, version: Int, reading: @escaping @Sendable ([String: Any]) throws -> [String: Any]) {
        taughtLock.withLock { taught[type, default: [:]][version] = reading }
    }

    public static func upcast(type: String, from version: Int, to current: Int, json: String) throws(DomainError) -> String {
        guard version != current else { return json }
        if version > current, let reader = taughtLock.withLock({ taught[type]?[version] }) {
            do {
                guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
                    throw DomainError(.malformedEvent, "\(type) v\(version) is not a JSON object")
                }
                return String(decoding: try JSONSerialization.data(withJSONObject: try reader(object), options: [.sortedKeys]), as: UTF8.self)
            } catch {
                throw DomainError(.malformedEvent, "\(type) v\(version) could not be read with the reader taught for it: \(error)")
            }
        }
        guard version >= 1, version < current else {
            throw DomainError(.unknownEventVersion, "\(type) v\(version) is newer than this code (v\(current))")
        }
        guard var object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] else {
            throw DomainError(.malformedEvent, "\(type) v\(version) is not a JSON object")
        }
        for step in version..<current {
            guard let upcast = steps[type]?[step] else {
                throw DomainError(.unknownEventVersion, "no upcaster for \(type) from v\(step) to v\(step + 1)")
            }
            do { object = try upcast(object) } catch {
                throw DomainError(.malformedEvent, "upcasting \(type) v\(step): \(error)")
            }
        }
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
            throw DomainError(.malformedEvent, "\(type) upcast to an invalid object")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
