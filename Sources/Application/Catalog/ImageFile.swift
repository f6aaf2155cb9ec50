import Aggregates
import Crypto
import Foundation

/// An uploaded image checked by what it is, not what it is called: its first bytes must be a
/// JPEG's, a PNG's or a WebP's, and agree with the file name's extension and the declared type
/// when the upload gives them (a PNG renamed .jpg is refused: browsers and CDNs trust names).
public struct ImageFile: Sendable, Equatable {
    public static let maximumBytes = 5 * 1024 * 1024

    public let data: Data
    public let contentType: String
    /// The lowercase hex SHA-256 of the data: the image's id.
    public let sha256: String

    public var fileName: String { "\(sha256).\(ProductImage.fileExtension(of: contentType))" }

    /// Why a file is not taken, each with a stable code.
    public struct Refusal: Error, Equatable {
        public let code: String
        public let message: String
    }

    public init(data: Data, fileName: String?, declaredType: String?) throws(Refusal) {
        guard !data.isEmpty else { throw Refusal(code: "image_empty", message: "the file is empty") }
        guard data.count <= Self.maximumBytes else {
            throw Refusal(code: "image_too_large", message: "the file has \(data.count) bytes; an image may have at most \(Self.maximumBytes)")
        }
        guard let detected = Self.contentType(of: data) else {
            throw Refusal(code: "not_an_image", message: "the file is not a JPEG, PNG or WebP image (its first bytes say so)")
        }
        if let fileName, let dot = fileName.lastIndex(of: "."), let named = Self.typeByExtension[fileName[fileName.index(after: dot)...].lowercased()],
           named != detected {
            throw Refusal(code: "image_type_mismatch", message: "the file is named as \(named) but is \(detected)")
        }
        let declared = declaredType.map { type in
            let bare = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            return bare == "image/jpg" ? "image/jpeg" : bare
        }
        if let declared, declared != "application/octet-stream", declared != detected {
            throw Refusal(code: "image_type_mismatch", message: "the file is sent as \(declaredType) but is \(detected)")
        }
        self.data = data
        contentType = detected
        sha256 = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    public static let typeByExtension = ["jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"]

    /// The type the first bytes give: JPEG's SOI marker, PNG's signature, or a RIFF container of WEBP.
    static func contentType(of data: Data) -> String? {
        let bytes = [UInt8](data.prefix(12))
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if bytes.count == 12, bytes.starts(with: Array("RIFF".utf8)), Array(bytes[8..<12]) == Array("WEBP".utf8) { return "image/webp" }
        return nil
    }
}
