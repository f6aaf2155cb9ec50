import Aggregates
import Application
import EventStore
import Foundation
import Hummingbird
import NIOCore

/// Product images: uploaded by admins (multipart, checked by their first bytes), stored by their
/// SHA-256 in the ``ImageStorage``, recorded on the product in order; served publicly under
/// `/images/<sha256>.<ext>` with caching for good (a changed image is another name).
struct ProductImageRoutes {
    let repository: AggregateRepository
    let storage: any ImageStorage

    struct ImageOrder: Codable {
        let imageIds: [String]
    }

    func addRoutes(admin: RouterGroup<CommerceRequestContext>, public router: Router<CommerceRequestContext>) {
        admin.post("products/{productId}/images") { request, context in
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            let form = try MultipartForm(contentType: request.headers[.contentType], body: Array(body.readableBytesView))
            guard let file = form.part("file") else {
                throw Problem.unprocessable("missing_file", "the form needs a file part named file", field: "file")
            }
            let image: ImageFile
            do throws(ImageFile.Refusal) { image = try ImageFile(data: file.data, fileName: file.fileName, declaredType: file.contentType) } catch {
                throw Problem(error.code == "image_too_large" ? .contentTooLarge : .unprocessableContent, error.code, error.message, fields: ["field": .string("file")])
            }
            let alt = try form.text("alt") ?? ""
            let sku = try form.text("sku").flatMap { $0.isEmpty ? nil : $0 }.map { try SKU($0) }
            let id = try ProductID(try context.parameters.require("productId"))
            let stream = StreamName.of("product", id)
            // Nothing to record for a product that is not there: no file is kept for it.
            guard try await repository.load(Product.self, stream).state.id != nil else { throw ApplicationError.notFound("product \(id)") }
            // The file first: an event never names a file that is not stored (a file without
            // its event, after a failure, is only unused).
            try await storage.put(image.data, name: image.fileName)
            var result = try await repository.execute(Product.self, stream, ifMatch: try CommandResponses.ifMatch(request), metadata: CommandResponses.metadata(context.principal, request)) { state in
                guard state.id != nil else { throw ApplicationError.notFound("product \(id)") }
                return .addImage(ProductImage(imageId: image.sha256, contentType: image.contentType, bytes: image.data.count, alt: alt, sku: sku))
            }
            result.id = image.sha256
            return CommandResponses.created(result)
        }
        admin.delete("products/{productId}/images/{imageId}") { request, context in
            let imageId = try context.parameters.require("imageId")
            return try await repository.executeOnProduct(request, context) { _ in .removeImage(imageId: imageId) }
        }
        admin.put("products/{productId}/images") { request, context in
            let body = try await StrictJSON.decode(ImageOrder.self, from: request, context: context)
            return try await repository.executeOnProduct(request, context) { _ in .reorderImages(imageIds: body.imageIds) }
        }
        router.get("images/{file}") { request, context in
            let file = try context.parameters.require("file")
            guard Self.isImageFileName(file), let data = try await storage.get(name: file) else { throw Problem.notFound("image \(file)") }
            let etag = "\"\(file.prefix(64))\""
            var headers: HTTPFields = [
                .contentType: ImageFile.typeByExtension[String(file.split(separator: ".").last ?? "")] ?? "application/octet-stream",
                .cacheControl: "public, max-age=31536000, immutable", .eTag: etag,
            ]
            if request.headers[.ifNoneMatch] == etag { return Response(status: .notModified, headers: headers) }
            headers[.contentLength] = String(data.count)
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// `<64 lowercase hex>.<jpg|png|webp>`: a name only this API hands out.
    static func isImageFileName(_ name: String) -> Bool {
        let parts = name.split(separator: ".")
        return parts.count == 2 && parts[0].count == 64 && parts[0].allSatisfy { $0.isHexDigit && !$0.isUppercase }
            && ["jpg", "png", "webp"].contains(String(parts[1]))
    }
}
