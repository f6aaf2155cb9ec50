import Aggregates
import Application
import EventStore
import Foundation
import Hummingbird
import Projections

/// Promotions for admins: create and change (the whole definition), activate, deactivate,
/// archive; issue coupon codes (given or generated) and withdraw one; list promotions, codes and
/// redemptions; per-promotion figures, also as an analytics report over a period.
struct PromotionRoutes {
    let repository: AggregateRepository
    let reader: PromotionsReader
    let analytics: AnalyticsReader

    struct CodesRequest: Codable {
        struct Generate: Codable {
            let count: Int
            let prefix: String?
        }
        let codes: [String]?
        let generate: Generate?
        let usageLimit: Int?
        let perCustomerLimit: Int?
    }

    struct IssuedCodes: Codable, Sendable, ResponseEncodable {
        let promotionId: String
        let codes: [String]
    }

    struct PromotionView: Codable, Sendable, ResponseEncodable {
        let promotionId: String
        let status: String
        let definition: PromotionDefinition
        /// Uses counted on the promotion's stream (limited promotions only; nil otherwise).
        let countedUses: Int?
        let figures: PromotionsReader.Figures?
        let version: Int64
    }

    struct Page<Item: Codable & Sendable>: Codable, Sendable, ResponseEncodable {
        let items: [Item]
        let nextCursor: String?
    }

    struct FiguresReport: Codable, Sendable, ResponseEncodable {
        let from: String
        let to: String
        let timeZone: String
        let promotions: [PromotionsReader.Figures]
    }

    func addRoutes(admin: RouterGroup<CommerceRequestContext>) {
        admin.post("promotions") { request, context in
            let definition = try await StrictJSON.decode(PromotionDefinition.self, from: request, context: context)
            let id = try PromotionID(RandomIdentifier.hex(prefix: "promo_"))
            var result = try await repository.execute(Promotion.self, .of("promotion", id), ifMatch: nil, metadata: metadata(request, context)) { _ in
                .create(id: id, definition: definition)
            }
            result.id = id.rawValue
            return CommandResponses.created(result)
        }
        admin.get("promotions") { request, _ -> Page<PromotionsReader.Summary> in
            let query = request.uri.queryParameters
            var status: String?
            if let text = query["status"] {
                guard Promotion.Status(rawValue: String(text)) != nil else {
                    throw Problem.badRequest("invalid_parameter", "status must be draft, active, inactive or archived", field: "status")
                }
                status = String(text)
            }
            let page = try await reader.promotions(
                status: status, limit: try QueryParameters.limit(query["limit"]), after: try QueryParameters.text(query["cursor"], "cursor", maxLength: 64)
            )
            return Page(items: page.items, nextCursor: page.nextCursor)
        }
        admin.get("promotions/{promotionId}") { _, context -> Response in
            let id = try promotionID(context)
            let (state, version) = try await repository.load(Promotion.self, .of("promotion", id))
            guard let definition = state.definition else { throw ApplicationError.notFound("promotion \(id)") }
            let view = PromotionView(
                promotionId: id.rawValue, status: state.status.rawValue, definition: definition, countedUses: definition.isLimited ? state.uses : nil,
                figures: try await reader.figures(promotion: id, from: nil, to: nil).first, version: version
            )
            var response = Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: .init(bytes: try StrictJSON.encoder.encode(view))))
            response.headers[.eTag] = "\"\(version)\""
            return response
        }
        admin.put("promotions/{promotionId}") { request, context in
            let definition = try await StrictJSON.decode(PromotionDefinition.self, from: request, context: context)
            return try await promotion(.change(definition), request, context)
        }
        admin.post("promotions/{promotionId}/activate") { request, context in try await promotion(.activate, request, context) }
        admin.post("promotions/{promotionId}/deactivate") { request, context in try await promotion(.deactivate, request, context) }
        admin.post("promotions/{promotionId}/archive") { request, context in try await promotion(.archive, request, context) }
        admin.post("promotions/{promotionId}/codes") { request, context -> EditedResponse<IssuedCodes> in
            let id = try promotionID(context)
            let body = try await StrictJSON.decode(CodesRequest.self, from: request, context: context)
            let codes: IssueCoupons.Codes
            switch (body.codes, body.generate) {
            case (let given?, nil):
                codes = .given(try given.map { text in
                    do { return try CouponCode(text) } catch {
                        throw Problem(.unprocessableContent, "invalid_coupon_code", (error as? DomainError)?.message ?? "not a coupon code", fields: ["field": .string("codes")])
                    }
                })
            case (nil, let generate?):
                codes = .generated(count: generate.count, prefix: generate.prefix ?? "")
            default:
                throw Problem.badRequest("invalid_body", "give either codes or generate", field: "codes")
            }
            let issued = try await IssueCoupons(repository: repository)(
                codes, promotion: id, usageLimit: body.usageLimit, perCustomerLimit: body.perCustomerLimit, metadata: metadata(request, context)
            )
            return EditedResponse(status: .created, response: IssuedCodes(promotionId: id.rawValue, codes: issued.map(\.rawValue)))
        }
        admin.get("promotions/{promotionId}/codes") { request, context -> Page<PromotionsReader.Code> in
            let query = request.uri.queryParameters
            let page = try await reader.codes(
                of: try promotionID(context), limit: try QueryParameters.integer(query["limit"], "limit", default: 100, range: 1...1000).asInt,
                after: try QueryParameters.text(query["cursor"], "cursor", maxLength: 32)
            )
            return Page(items: page.items, nextCursor: page.nextCursor)
        }
        admin.post("coupons/{code}/disable") { request, context in
            guard let code = try? CouponCode(try context.parameters.require("code")) else {
                throw Problem(.notFound, DomainError.Code.unknownCoupon.rawValue, "no such coupon code")
            }
            return CommandResponses.ok(try await repository.execute(
                Coupon.self, .of("coupon", code), ifMatch: try CommandResponses.ifMatch(request), metadata: metadata(request, context)
            ) { _ in .disable })
        }
        admin.get("promotions/{promotionId}/redemptions") { request, context -> Page<PromotionsReader.Redemption> in
            let query = request.uri.queryParameters
            let page = try await reader.redemptions(
                of: try promotionID(context), limit: try QueryParameters.limit(query["limit"]),
                after: try QueryParameters.text(query["cursor"], "cursor", maxLength: 64)
            )
            return Page(items: page.items, nextCursor: page.nextCursor)
        }
        admin.get("analytics/promotions") { request, _ -> FiguresReport in
            let period = try await ReportPeriod.parse(request.uri.queryParameters, reader: analytics)
            let (from, to) = try period.instants()
            return FiguresReport(from: period.from, to: period.to, timeZone: period.timeZone,
                                 promotions: try await reader.figures(promotion: nil, from: from, to: to))
        }
    }

    private func promotion(_ command: Promotion.Command, _ request: Request, _ context: CommerceRequestContext) async throws -> Response {
        let id = try promotionID(context)
        return CommandResponses.ok(try await repository.execute(
            Promotion.self, .of("promotion", id), ifMatch: try CommandResponses.ifMatch(request), metadata: metadata(request, context)
        ) { state in
            guard state.id != nil else { throw ApplicationError.notFound("promotion \(id)") }
            return command
        })
    }

    private func promotionID(_ context: CommerceRequestContext) throws -> PromotionID {
        guard let id = try? PromotionID(try context.parameters.require("promotionId")) else { throw ApplicationError.notFound("this promotion") }
        return id
    }

    private func metadata(_ request: Request, _ context: CommerceRequestContext) -> EventMetadata {
        CommandResponses.metadata(context.principal, request)
    }
}

extension Int64 {
    fileprivate var asInt: Int { Int(self) }
}

extension AnalyticsReader.Period {
    /// The period's first and last local days as instants: `[from 00:00, day after to 00:00)` in its zone.
    func instants() throws -> (Date, Date) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: timeZone) ?? TimeZone(secondsFromGMT: 0)!
        func start(_ text: String) throws -> Date {
            let parts = text.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3, let date = calendar.date(from: DateComponents(year: parts[0], month: parts[1], day: parts[2])) else {
                throw Problem.badRequest("invalid_parameter", "dates are YYYY-MM-DD", field: "from")
            }
            return date
        }
        let first = try start(from)
        let last = try start(to)
        return (first, calendar.date(byAdding: .day, value: 1, to: last) ?? last)
    }
}
