import Foundation

/// How every answer of the API is written as JSON: keys sorted, slashes as they are, dates in
/// ISO 8601. Shared by the API's responses and by the readers that write parts of an answer
/// ahead (a listing's products, ``PageDetails``), so both write the same bytes.
public enum AnswerJSON {
    public static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
