import Crypto
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import PostgresNIO

/// `Idempotency-Key` on commands (POST, PUT, PATCH, DELETE): the first request with a key runs
/// and its answer is kept; the same key with the same method, path and body gets that answer
/// again (with `Idempotent-Replayed: true`); the same key with anything else is 422
/// `idempotency_key_reused`; while the first is still running, 409 `idempotency_key_in_progress`.
/// Keys belong to the caller (its user id; for a guest, its guest token; without either, its
/// address). Server errors are not kept, so a retry runs again. A key is remembered for a day
/// (``AuthHousekeeping`` deletes it then); a first request that never answered — its server
/// stopped, or the database went away — stops holding its key after ``abandonedAfter``, and the
/// next request with the key runs.
///
/// Installed on route groups after the checks of who may call them, never on `/auth/…`.
struct IdempotencyMiddleware: RouterMiddleware {
    let client: PostgresClient

    static let header = HTTPField.Name("Idempotency-Key")!
    static let replayed = HTTPField.Name("Idempotent-Replayed")!
    /// Longer than any request runs.
    static let abandonedAfter: TimeInterval = 120

    func handle(_ request: Request, context: CommerceRequestContext, next: (Request, CommerceRequestContext) async throws -> Response) async throws -> Response {
        guard let key = request.headers[Self.header], [.post, .put, .patch, .delete].contains(request.method) else {
            return try await next(request, context)
        }
        guard (1...255).contains(key.utf8.count), key.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x21 && $0.value < 0x7F }) else {
            throw Problem.badRequest("invalid_idempotency_key", "Idempotency-Key must be 1 to 255 visible ASCII characters")
        }
        let principal = context.principal?.userID
            ?? request.headers[GuestToken.header].map { "guest:" + GuestToken.hash($0) }
            ?? "address:\(context.remoteAddress)"
        let body = try await request.body.collect(upTo: context.maxUploadSize)
        var digest = SHA256()
        digest.update(data: Array("\(request.method.rawValue) \(request.uri.path)\n".utf8))
        digest.update(data: Array(body.readableBytesView))
        let hash = ByteBuffer(bytes: digest.finalize())

        let claimed = try await client.query(
            """
            INSERT INTO idempotency_keys AS k (principal, key, request_hash) VALUES (\(principal), \(key), \(hash))
            ON CONFLICT (principal, key) DO UPDATE
                SET request_hash = excluded.request_hash, status = NULL, response_body = NULL, content_type = NULL, etag = NULL, created_at = now()
                WHERE k.created_at < now() - make_interval(secs => \(AuthHousekeeping.idempotencyKeyLifetime))
                   OR (k.status IS NULL AND k.created_at < now() - make_interval(secs => \(Self.abandonedAfter)))
            RETURNING 1
            """,
            logger: context.logger
        ).decode(Int.self).collectAll()
        guard !claimed.isEmpty else { return try await replay(principal: principal, key: key, hash: hash, context: context) }

        var forwarded = request
        forwarded.body = .init(buffer: body)
        let response: Response
        do {
            response = try await next(forwarded, context)
        } catch {
            let problem = Problem.from(error)
            guard problem.status.code < 500 else {
                try? await forget(principal: principal, key: key, context: context)
                throw error
            }
            response = try problem.response(from: request, context: context)
        }
        guard response.status.code < 500 else {
            try? await forget(principal: principal, key: key, context: context)
            return response
        }
        let answer = try await Collected.body(of: response)
        try await client.query(
            """
            UPDATE idempotency_keys SET status = \(Int(response.status.code)), response_body = \(String(buffer: answer)),
                   content_type = \(response.headers[.contentType]), etag = \(response.headers[.eTag])
            WHERE principal = \(principal) AND key = \(key)
            """,
            logger: context.logger
        )
        return Response(status: response.status, headers: response.headers, body: .init(byteBuffer: answer))
    }

    private func replay(principal: String, key: String, hash: ByteBuffer, context: CommerceRequestContext) async throws -> Response {
        let rows = try await client.query(
            "SELECT request_hash, status, response_body, content_type, etag FROM idempotency_keys WHERE principal = \(principal) AND key = \(key)",
            logger: context.logger
        ).decode((ByteBuffer, Int?, String?, String?, String?).self).collectAll()
        guard let (storedHash, status, body, contentType, etag) = rows.first else {
            throw Problem(.conflict, "idempotency_key_in_progress", "a request with this Idempotency-Key is still running; retry shortly")
        }
        guard storedHash == hash else {
            throw Problem(.unprocessableContent, "idempotency_key_reused", "this Idempotency-Key was used for a different request")
        }
        guard let status, let body else {
            throw Problem(.conflict, "idempotency_key_in_progress", "a request with this Idempotency-Key is still running; retry shortly",
                          headers: [.retryAfter: "1"])
        }
        var headers: HTTPFields = [Self.replayed: "true"]
        if let contentType { headers[.contentType] = contentType }
        if let etag { headers[.eTag] = etag }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    private func forget(principal: String, key: String, context: CommerceRequestContext) async throws {
        try await client.query("DELETE FROM idempotency_keys WHERE principal = \(principal) AND key = \(key)", logger: context.logger)
    }
}

/// Reads a response body into one buffer (command answers are small), so it can be stored.
private final class Collected: ResponseBodyWriter {
    var buffer = ByteBuffer()

    func write(_ part: ByteBuffer) async throws {
        buffer.writeImmutableBuffer(part)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}

    static func body(of response: Response) async throws -> ByteBuffer {
        let collected = Collected()
        try await response.body.write(collected)
        return collected.buffer
    }
}
