import API
import Foundation
import HTTPTypes
import Hummingbird
import Testing
import TestSupport

@Suite("Product images over HTTP: uploads checked by their bytes, stored by hash, served for caching, ordered per product")
struct ProductImageAPITests {
    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array("a tiny png body".utf8)
    static let jpeg: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE0] + Array("a tiny jpeg body".utf8)
    static let webp: [UInt8] = Array("RIFF".utf8) + [0x20, 0, 0, 0] + Array("WEBPVP8 a tiny webp".utf8)

    /// A multipart/form-data body: the file part, then any text fields.
    static func form(file: [UInt8], fileName: String, type: String, fields: [String: String] = [:]) -> (String, [UInt8]) {
        let boundary = "commerce-test-\(UUID().uuidString)"
        var body: [UInt8] = []
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
        body += file + Array("\r\n--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    func upload(_ api: APIClient, _ admin: String, _ product: String, file: [UInt8], fileName: String, type: String, fields: [String: String] = [:]) async throws -> APIClient.Answer {
        let (contentType, body) = Self.form(file: file, fileName: fileName, type: type, fields: fields)
        return try await api.call(.post, "/admin/products/\(product)/images", token: admin, bytes: body, headers: [.contentType: contentType])
    }

    static func sha256(_ bytes: [UInt8]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(bytes))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return String(text.prefix(64))
    }

    @Test("PNG, JPEG and WebP uploads are kept and listed in order; renamed, oversized and non-image files are refused with their codes; the file is served with caching")
    func uploads() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "lamp", sku: "LAMP-M", price: 4000, stock: 3)

            let png = try await upload(api, admin, "lamp", file: Self.png, fileName: "front.png", type: "image/png", fields: ["alt": "The lamp, lit"])
            #expect(png.status == .created, "\(png.body)")
            // The id is the file's SHA-256, computed here by sha256sum.
            #expect(png.string("id") == (try Self.sha256(Self.png)))
            let again = try await upload(api, admin, "lamp", file: Self.png, fileName: "front.png", type: "image/png", fields: ["alt": "The lamp, lit"])
            #expect(again.status == .created && again["position"] == nil, "the same file again changes nothing")
            let jpeg = try await upload(api, admin, "lamp", file: Self.jpeg, fileName: "side.JPG", type: "image/jpeg", fields: ["sku": "LAMP-M"])
            #expect(jpeg.status == .created, "\(jpeg.body)")
            let webp = try await upload(api, admin, "lamp", file: Self.webp, fileName: "top.webp", type: "application/octet-stream")
            #expect(webp.status == .created, "\(webp.body)")

            let refused: [(file: [UInt8], name: String, type: String, status: HTTPResponse.Status, code: String)] = [
                (Self.png, "renamed.jpg", "image/jpeg", .unprocessableContent, "image_type_mismatch"),
                (Self.png, "front.png", "image/jpeg", .unprocessableContent, "image_type_mismatch"),
                (Array("GIF89a not taken".utf8), "x.gif", "image/gif", .unprocessableContent, "not_an_image"),
                (Array("%PDF-1.7".utf8), "doc.png", "image/png", .unprocessableContent, "not_an_image"),
                ([], "empty.png", "image/png", .unprocessableContent, "image_empty"),
                (Self.png + [UInt8](repeating: 0, count: 5 * 1024 * 1024), "huge.png", "image/png", .contentTooLarge, "image_too_large"),
            ]
            for bad in refused {
                let answer = try await upload(api, admin, "lamp", file: bad.file, fileName: bad.name, type: bad.type)
                #expect(answer.status == bad.status && answer.code == bad.code, "\(bad.name): \(answer.status) \(answer.body)")
            }
            #expect(try await upload(api, admin, "nothing", file: Self.png, fileName: "a.png", type: "image/png").status == .notFound)
            #expect(try await upload(api, admin, "lamp", file: Self.png + [1], fileName: "a.png", type: "image/png", fields: ["sku": "NOPE"]).status == .notFound)
            let noFile = try await api.call(.post, "/admin/products/lamp/images", token: admin, json: "--b\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\nx\r\n--b--\r\n",
                                            headers: [.contentType: "multipart/form-data; boundary=b"])
            #expect(noFile.code == "missing_file")
            #expect(try await api.call(.post, "/admin/products/lamp/images", token: admin, json: "--b\r\nbroken", headers: [.contentType: "multipart/form-data; boundary=b"]).code == "malformed_multipart")
            #expect(try await api.call(.post, "/admin/products/lamp/images", token: admin, json: "{}").status == .unsupportedMediaType)

            // Served by name, cacheable for good, 304 on its ETag.
            let ids = [png.string("id"), jpeg.string("id"), webp.string("id")]
            let served = try await api.call(.get, "/images/\(ids[0]).png")
            #expect(served.status == .ok && served.headers[.contentType] == "image/png")
            #expect(served.bytes == Self.png)
            #expect(served.headers[.cacheControl] == "public, max-age=31536000, immutable")
            let etag = try #require(served.headers[.eTag])
            #expect(try await api.call(.get, "/images/\(ids[0]).png", headers: [.ifNoneMatch: etag]).status == .notModified)
            #expect(try await api.call(.get, "/images/\(ids[0]).jpg").status == .notFound, "not stored under another extension")
            #expect(try await api.call(.get, "/images/..%2F..%2Fetc%2Fpasswd").status == .notFound)

            // In the catalog, in order; reordered; one removed.
            try await project(postgres)
            func listed() async throws -> [[String: any Sendable]] {
                try await project(postgres)
                return (try await api.call(.get, "/catalog/products/lamp")["images"] as? [[String: any Sendable]]) ?? []
            }
            var images = try await listed()
            #expect(images.map { $0["imageId"] as? String } == ids)
            #expect(images.map { $0["url"] as? String } == ["/images/\(ids[0]).png", "/images/\(ids[1]).jpg", "/images/\(ids[2]).webp"])
            #expect(images[0]["alt"] as? String == "The lamp, lit" && images[1]["sku"] as? String == "LAMP-M")
            #expect(try await api.call(.put, "/admin/products/lamp/images", token: admin, body: ["imageIds": [ids[2], ids[0], ids[1]]]).status == .ok)
            #expect(try await api.call(.put, "/admin/products/lamp/images", token: admin, body: ["imageIds": [ids[2], ids[0]]]).status == .unprocessableContent)
            #expect(try await api.call(.delete, "/admin/products/lamp/images/\(ids[0])", token: admin).status == .ok)
            #expect(try await api.call(.delete, "/admin/products/lamp/images/\(ids[0])", token: admin).code == "product.unknown_image")
            images = try await listed()
            #expect(images.map { $0["imageId"] as? String } == [ids[2], ids[1]])
        }
    }
}
