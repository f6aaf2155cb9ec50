import Aggregates
import Application
import EventStore
import Foundation
import Hummingbird
import NIOCore
import PostgresNIO

/// An error response in RFC 9457 form (`application/problem+json`), with a stable `code`
/// clients can match on, and fields of its own where they help (the current version on a
/// conflict, the field at fault).
public struct Problem: Error, HTTPResponseError, Sendable {
    public enum Value: Sendable, Encodable, Equatable {
        case string(String)
        case integer(Int64)
        /// A list of objects (the problems of a file, line by line).
        indirect case objects([[String: Value]])

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let value): try container.encode(value)
            case .integer(let value): try container.encode(value)
            case .objects(let value): try container.encode(value)
            }
        }
    }

    public let status: HTTPResponse.Status
    public let code: String
    public let detail: String
    public var fields: [String: Value]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ code: String, _ detail: String, fields: [String: Value] = [:], headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.detail = detail
        self.fields = fields
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var body: [String: Value] = fields
        body["type"] = .string("https://commerce.dev/problems/\(code)")
        body["title"] = .string(status.reasonPhrase)
        body["status"] = .integer(Int64(status.code))
        body["code"] = .string(code)
        body["detail"] = .string(detail)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var headers = headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }
}

extension Problem {
    static func notFound(_ what: String) -> Problem {
        Problem(.notFound, "not_found", "\(what) does not exist")
    }

    /// PostgreSQL is down or went away under the request: nothing is lost, the client may retry
    /// (with the same `Idempotency-Key` for a command).
    static let databaseUnavailable = Problem(
        .serviceUnavailable, "database_unavailable", "the database cannot be reached just now; try again shortly", headers: [.retryAfter: "2"]
    )

    static func badRequest(_ code: String, _ detail: String, field: String? = nil) -> Problem {
        Problem(.badRequest, code, detail, fields: field.map { ["field": .string($0)] } ?? [:])
    }

    static func unprocessable(_ code: String, _ detail: String, field: String? = nil) -> Problem {
        Problem(.unprocessableContent, code, detail, fields: field.map { ["field": .string($0)] } ?? [:])
    }

    /// Maps what the layers below throw to the response a client gets. Anything unknown is a
    /// 500 `internal_error` whose detail names no internals.
    static func from(_ error: any Error) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case let refusal as ApplicationError:
            return Problem(status(of: refusal.code), refusal.code.rawValue, refusal.message)
        case let unavailable as PromotionUnavailable:
            var fields: [String: Value] = ["promotionId": .string(unavailable.promotionId.rawValue), "reason": .string(unavailable.refusal.rawValue)]
            if let code = unavailable.code { fields["couponCode"] = .string(code.rawValue) }
            return Problem(.conflict, DomainError.Code.promotionUsedUp.rawValue, unavailable.message, fields: fields)
        case let notUsable as CouponNotUsable:
            var fields: [String: Value] = ["couponCode": .string(notUsable.code.rawValue), "reason": .string(notUsable.refusal.rawValue)]
            if let promotion = notUsable.promotionId { fields["promotionId"] = .string(promotion.rawValue) }
            let code: DomainError.Code = notUsable.refusal == .unknown ? .unknownCoupon : .couponNotUsable
            return Problem(.unprocessableContent, code.rawValue, "the code \(notUsable.code): \(notUsable.refusal.explanation)", fields: fields)
        case let contended as PlaceOrder.Contended:
            return Problem(.conflict, "checkout_contended", "stock changed under this checkout \(contended.attempts) times; try again")
        case let conflict as VersionConflict:
            return Problem(.conflict, "version_conflict", "the resource is at version \(conflict.currentVersion), not \(conflict.expectedVersion)",
                           fields: ["currentVersion": .integer(conflict.currentVersion)])
        case _ where DatabaseOutage.explains(error):
            return .databaseUnavailable
        case let transaction as PostgresTransactionError where transaction.closureError != nil:
            return from(transaction.closureError!)
        case let domain as DomainError:
            return Problem(status(of: domain.code), domain.code.rawValue, domain.message)
        case let store as EventStoreError where store.code == .wrongExpectedVersion:
            var fields: [String: Value] = [:]
            if let actual = store.actualVersion { fields["currentVersion"] = .integer(actual) }
            return Problem(.conflict, "version_conflict", "the resource was changed meanwhile; read it again and retry", fields: fields)
        case let store as EventStoreError where store.code == .idempotencyConflict:
            return Problem(.conflict, store.code.rawValue, store.message)
        case let store as EventStoreError where store.code != .database && store.code != .immutable:
            return Problem(.unprocessableContent, store.code.rawValue, store.message)
        case is NIOTooManyBytesError:
            return Problem(.contentTooLarge, "body_too_large", "the request body is over the limit")
        case let http as HTTPError:
            return Problem(http.status, http.status == .notFound ? "route_not_found" : "http_\(http.status.code)", http.body ?? http.status.reasonPhrase)
        default:
            return Problem(.internalServerError, "internal_error", "the server failed to handle the request; it has been logged")
        }
    }

    static func status(of code: ApplicationError.Code) -> HTTPResponse.Status {
        switch code {
        case .notFound: .notFound
        case .gatewayUnavailable: .badGateway
        case .purchaseRequired: .forbidden
        case .notSoldInCurrency: .unprocessableContent
        default: .conflict
        }
    }

    static func status(of code: DomainError.Code) -> HTTPResponse.Status {
        switch code {
        case .notFound, .unknownVariant, .unknownImage, .unknownTranslation, .unknownLine, .unknownReservation, .unknownCoupon, .notOnWishlist: .notFound
        case .alreadyExists, .invalidTransition, .cartClosed, .insufficientStock, .duplicateVariant, .duplicateReservation,
             .productDiscontinued, .orderNotPaid, .unknownOperation, .promotionUsedUp, .promotionInactive, .duplicateCoupon,
             .duplicateReview, .duplicateWishlist, .defaultWishlist, .wishlistFull, .duplicateCategory, .categoryNotEmpty, .duplicateProductSlug:
            .conflict
        case .notReviewAuthor, .ownReview: .forbidden
        default: .unprocessableContent
        }
    }
}

/// Turns every error into problem+json, and logs the unexpected ones.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            // The client went away (or the server is stopping): nothing failed, nobody reads the answer.
            if error is CancellationError { throw error }
            let problem = Problem.from(error)
            if problem.status == .internalServerError {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            }
            return try problem.response(from: request, context: context)
        }
    }
}
