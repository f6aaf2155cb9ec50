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
        ],
    ]

    static func upcast(type: String, from version: Int, to current: Int, json: String) throws(DomainError) -> String {
        guard version != current else { return json }
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
