import Aggregates
import Application
import Foundation
import Hummingbird

/// The exchange-rate table (admin group): the currencies whose prices are derived from another
/// currency's, for variants without a price set in them.
struct ExchangeRateRoutes {
    let repository: AggregateRepository

    struct RateBody: Codable {
        let base: String
        /// A decimal string (JSON numbers are binary fractions): "1.0825".
        let rate: String
        let roundingIncrement: Int?
    }

    struct RateView: Codable, Sendable {
        let currency: String
        let base: String
        let rate: String
        let roundingIncrement: Int
    }

    struct Table: Codable, Sendable {
        let rates: [RateView]
        let version: Int64
    }

    func addRoutes(admin: RouterGroup<CommerceRequestContext>) {
        admin.get("exchange-rates") { _, _ -> JSONBody<Table> in
            let (state, version) = try await repository.load(ExchangeRates.self, .of("currency", "rates"))
            let rates = state.rates.values.sorted { $0.currency.code < $1.currency.code }.map {
                RateView(currency: $0.currency.code, base: $0.base.code, rate: ExchangeRate.decimal($0.ratePerMillion), roundingIncrement: $0.roundingIncrement)
            }
            return JSONBody(Table(rates: rates, version: version))
        }
        admin.put("exchange-rates/{currency}") { request, context in
            let body = try await StrictJSON.decode(RateBody.self, from: request, context: context)
            let currency = try Currency(try context.parameters.require("currency"))
            guard let rate = ExchangeRate.millionths(body.rate) else {
                throw Problem.unprocessable(DomainError.Code.invalidValue.rawValue, "rate is a decimal string with at most six places, such as \"1.0825\"", field: "rate")
            }
            let exchangeRate = ExchangeRate(currency: currency, base: try Currency(body.base), ratePerMillion: rate, roundingIncrement: body.roundingIncrement ?? 1)
            return try await execute(request, context, .set([exchangeRate]))
        }
        admin.delete("exchange-rates/{currency}") { request, context in
            try await execute(request, context, .remove(try Currency(try context.parameters.require("currency"))))
        }
        admin.post("exchange-rates") { request, context in
            if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("text/csv") {
                throw Problem(.unsupportedMediaType, "unsupported_media_type", "send the file as text/csv")
            }
            let buffer = try await request.body.collect(upTo: context.maxUploadSize)
            guard let text = String(bytes: buffer.readableBytesView, encoding: .utf8) else {
                throw Problem.unprocessable("invalid_rates_file", "the file is not UTF-8 text")
            }
            let rates: [ExchangeRate]
            do { rates = try ExchangeRateFile.rates(text) } catch let refused as CatalogImportProblems {
                throw CatalogFileRoutes.refusal(refused, code: "invalid_rates_file")
            }
            return try await execute(request, context, .set(rates))
        }
    }

    private func execute(_ request: Request, _ context: CommerceRequestContext, _ command: ExchangeRates.Command) async throws -> Response {
        CommandResponses.ok(try await repository.execute(
            ExchangeRates.self, .of("currency", "rates"), ifMatch: try CommandResponses.ifMatch(request),
            metadata: CommandResponses.metadata(context.principal, request)
        ) { _ in command })
    }
}
