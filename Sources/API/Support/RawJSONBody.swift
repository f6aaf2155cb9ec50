import Hummingbird

/// A JSON response written beforehand by hand (events embed their stored JSON as it is).
struct RawJSONBody: ResponseGenerator {
    let bytes: [UInt8]

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(bytes: bytes)))
    }
}
