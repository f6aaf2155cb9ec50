import Aggregates
import EventStore
import Foundation
import Projections
import Hummingbird
import NIOCore

/// Decodes request bodies strictly: malformed JSON, a field of the wrong type, a missing field
/// and a field the endpoint does not know are each refused with a problem naming the field.
///
/// Codable ignores unknown keys, and a typo'd optional field would silently do nothing. So the
/// decoded value is encoded again and every key of the input must reappear in it (keys whose
/// value is null excepted).
enum StrictJSON {
    static func decode<T: Codable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw Problem(.unsupportedMediaType, "unsupported_media_type", "send the body as application/json")
        }
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        return try decode(type, from: Data(buffer.readableBytesView))
    }

    static func decode<T: Codable>(_ type: T.Type, from data: Data) throws -> T {
        guard let input = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw Problem.badRequest("malformed_json", "the body is not valid JSON")
        }
        guard input is [String: Any] else {
            throw Problem.badRequest("malformed_json", "the body must be a JSON object")
        }
        let value: T
        do {
            value = try decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw problem(for: error)
        } catch {
            throw Problem.badRequest("invalid_body", "\(error)")
        }
        // Only the keys are compared: the events' encoder writes them as JSONEncoder would, faster.
        let reencoded = try JSONSerialization.jsonObject(with: Data(try CanonicalJSONEncoder.encode(value)), options: [.fragmentsAllowed])
        if let unknown = unknownField(in: input, comparedTo: reencoded, path: "") {
            throw Problem.badRequest("unknown_field", "\(unknown) is not a field of this request", field: unknown)
        }
        return value
    }

    private static func unknownField(in input: Any, comparedTo known: Any, path: String) -> String? {
        if let object = input as? [String: Any] {
            let knownObject = known as? [String: Any] ?? [:]
            for (key, value) in object.sorted(by: { $0.key < $1.key }) where !(value is NSNull) {
                let fieldPath = path.isEmpty ? key : "\(path).\(key)"
                guard let knownValue = knownObject[key] else { return fieldPath }
                if let found = unknownField(in: value, comparedTo: knownValue, path: fieldPath) { return found }
            }
        } else if let array = input as? [Any], let knownArray = known as? [Any] {
            for (index, element) in array.enumerated() where index < knownArray.count {
                if let found = unknownField(in: element, comparedTo: knownArray[index], path: "\(path)[\(index)]") { return found }
            }
        }
        return nil
    }

    private static func problem(for error: DecodingError) -> Problem {
        func path(_ context: DecodingError.Context, _ key: (any CodingKey)? = nil) -> String {
            var parts = context.codingPath
            if let key { parts.append(key) }
            return parts.reduce("") { path, key in
                if let index = key.intValue { return "\(path)[\(index)]" }
                return path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)"
            }
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context, key)
            return .badRequest("missing_field", "\(field) is required", field: field)
        case .typeMismatch(let type, let context):
            let field = path(context)
            return .badRequest("wrong_type", "\(field) must be \(describe(type))", field: field)
        case .valueNotFound(let type, let context):
            let field = path(context)
            return .badRequest("wrong_type", "\(field) must be \(describe(type)), not null", field: field)
        case .dataCorrupted(let context):
            let field = path(context)
            return .badRequest("invalid_field", field.isEmpty ? context.debugDescription : "\(field): \(context.debugDescription)", field: field.isEmpty ? nil : field)
        @unknown default:
            return .badRequest("invalid_body", "the body does not match this request")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type: "a whole number"
        case is Bool.Type: "true or false"
        case is Double.Type: "a number"
        default:
            // Containers come as `Dictionary<String, Any>` and `Array<Any>`.
            switch String(describing: type) {
            case let name where name.lowercased().contains("dictionary"): "an object"
            case let name where name.contains("Array"): "an array"
            case let name: "a \(name)"
            }
        }
    }

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        // Any RFC 3339 date-time, as the document's `format: date-time` allows (an offset, a
        // fraction of any length), not only the subset Foundation's ISO 8601 reads.
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339Time.parseAnyOffset(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected an RFC 3339 date-time such as 2026-12-01T09:00:00Z")
            }
            return date
        }
        return decoder
    }()

    static var encoder: JSONEncoder { AnswerJSON.encoder }
}
