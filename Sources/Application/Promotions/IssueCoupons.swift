import Aggregates
import EventStore
import Foundation

/// Issues coupon codes for a promotion: the codes given, or `count` generated ones, all in one
/// transaction, each on a new stream (so a code that exists anywhere refuses the whole request
/// and nothing is written). A generated batch that collides with an existing code is drawn again.
public struct IssueCoupons: Sendable {
    public enum Codes: Sendable {
        case given([CouponCode])
        case generated(count: Int, prefix: String)
    }

    /// At most this many codes per request.
    public static let maximumBatch = 1000

    let repository: AggregateRepository

    public init(repository: AggregateRepository) {
        self.repository = repository
    }

    /// - Returns: the codes issued.
    /// - Throws: ``ApplicationError`` not found (no such promotion), ``DomainError`` (archived or
    ///   automatic promotion, invalid limits, `coupon.duplicate` naming a code that exists).
    public func callAsFunction(_ codes: Codes, promotion id: PromotionID, usageLimit: Int?, perCustomerLimit: Int?, metadata: EventMetadata) async throws -> [CouponCode] {
        let (promotion, _) = try await repository.load(Promotion.self, .of("promotion", id))
        guard let definition = promotion.definition else { throw ApplicationError.notFound("promotion \(id)") }
        guard promotion.status != .archived else { throw DomainError(.invalidTransition, "promotion \(id) is archived") }
        guard !definition.automatic else { throw DomainError(.invalidPromotion, "promotion \(id) applies automatically; codes are for promotions that do not") }
        for attempt in 1...3 {
            let batch: [CouponCode]
            switch codes {
            case .given(let given):
                guard (1...Self.maximumBatch).contains(given.count) else {
                    throw DomainError(.invalidValue, "give 1 to \(Self.maximumBatch) codes")
                }
                guard Set(given).count == given.count else { throw DomainError(.duplicateCoupon, "the same code is given twice") }
                batch = given
            case .generated(let count, let prefix):
                guard (1...Self.maximumBatch).contains(count) else { throw DomainError(.invalidValue, "generate 1 to \(Self.maximumBatch) codes") }
                guard prefix.count <= 12, prefix.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                    throw DomainError(.invalidValue, "a code prefix is up to 12 letters or digits")
                }
                var random = SystemRandomNumberGenerator()
                batch = try CouponCode.generate(count: count, prefix: prefix, using: &random)
            }
            let context = DecisionContext(now: Date())
            var appends: [StreamAppend] = []
            for code in batch {
                let events = try Coupon.decide(.issue(code: code, promotionId: id, usageLimit: usageLimit, perCustomerLimit: perCustomerLimit),
                                               Coupon.initialState, context)
                appends.append(StreamAppend(stream: .of("coupon", code), expectedVersion: .noStream,
                                            events: events.map { AggregateRepository.newEvent($0, metadata) }))
            }
            do {
                _ = try await repository.append(appends)
                return batch
            } catch let error as EventStoreError where error.code == .wrongExpectedVersion {
                if case .generated = codes, attempt < 3 { continue }
                let taken = error.stream.map { String($0.id) } ?? "one of them"
                throw DomainError(.duplicateCoupon, "the code \(taken) exists already")
            }
        }
        throw DomainError(.duplicateCoupon, "no free codes could be drawn")
    }
}
