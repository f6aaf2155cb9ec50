import Aggregates
import API
import Application
import EventStore
import Foundation
import HTTPTypes
import Hummingbird
import Kafka
import PostgresNIO
import Runtime
import Testing
import TestSupport
import Workers

/// A checkout sent with a W3C `traceparent`: every event it leads to — the request's, and those
/// the process managers append afterwards — carries its trace id as correlation id, and the
/// Kafka message the relay makes of each carries it in `ce_traceparent`. The tracer
/// (swift-distributed-tracing, `W3CTracer`) records the request's server span as a child of the
/// caller's span, and each process manager's step as a child of the event it handled.
@Suite("Trace context from the request to Kafka")
struct TraceContextTests {
    static let traceID = "0af7651916cd43dd8448eb211c80319c"
    static let traceparent = "00-\(traceID)-b7ad6b7169203331-01"
    static let callerSpan: UInt64 = 0xb7ad_6b71_6920_3331

    /// A span attribute's value as text; nil without the span or the attribute.
    static func attribute(_ name: String, of span: FinishedSpan?) -> String? {
        span?.attribute(name)
    }

    @Test("a traceparent's trace id follows a checkout through the process managers into the events, their spans and their Kafka headers; a malformed one starts a trace of its own, named in traceresponse")
    func followsACheckout() async throws {
        try await withAPI { api, postgres in
            let admin = try await api.admin(postgres)
            try await api.product(admin: admin, id: "lamp", sku: "LAMP-T", price: 3000, stock: 5)
            let (customer, _) = try await api.register("trace-\(UUID().uuidString.prefix(6))@example.com")
            let cart = try await api.readyCart(token: customer, product: "lamp", sku: "LAMP-T")
            let correlation = try #require(UUID(uuidString: "0af76519-16cd-43dd-8448-eb211c80319c"))
            @Sendable func traced() async throws -> [RecordedEvent] {
                try await readEverything(PostgresEventStore(client: postgres, logger: TestEnvironment.logger)).filter { $0.metadata.correlationID == correlation }
            }
            TestTracing.watch(correlation)
            try await withServices(lifecycleWorkers(postgres)) {
                let placed = try await api.call(.post, "/carts/\(cart)/checkout", token: customer, body: ["cardNumber": "4242424242424242"],
                                                headers: [HTTPField.Name("traceparent")!: Self.traceparent])
                #expect(placed.status == .created, "\(placed.body)")
                // The answer names the trace and the server's span, a child of the caller's.
                let server = try #require(placed.headers[HTTPField.Name("traceresponse")!].flatMap(TraceParent.init(header:)))
                #expect(server.traceID == correlation && server.parentID != Self.callerSpan)
                let serverSpan = TestTracing.spans(of: correlation).first { $0.kind == .server }
                #expect(serverSpan?.spanID == server.parentID && serverSpan?.parentSpanID == Self.callerSpan)
                #expect(Self.attribute("http.route", of: serverSpan) == "/carts/{cartId}/checkout")
                #expect(Self.attribute("http.response.status_code", of: serverSpan) == "201")
                // The process manager's authorization, appended later, carries the same id.
                try await waitUntil(timeout: .seconds(60)) { (try? await traced().contains { $0.type == "PaymentAuthorized" }) == true }
                // The step that appended it is a span of the trace, child of the event it handled.
                let authorized = try #require(try await traced().first { $0.type == "PaymentAuthorized" })
                let cause = try #require(authorized.metadata.causationID)
                try await waitUntil(timeout: .seconds(10)) {
                    TestTracing.spans(of: correlation).contains {
                        $0.kind == .consumer && $0.parentSpanID == TraceParent.spanID(of: cause) && Self.attribute("commerce.process.acted", of: $0) == "true"
                    }
                }
            }
            let events = try await traced()
            let types = Set(events.map(\.type))
            #expect(types.isSuperset(of: ["CartCheckedOut", "OrderPlaced", "StockReserved", "PaymentInitiated", "PaymentAuthorized"]), "\(types)")
            // The message the relay publishes for each of them (EventRelay sends CloudEventMessage.message(for:)).
            for event in events {
                let header = CloudEventMessage.message(for: event).header("ce_traceparent")?.stringValue ?? ""
                #expect(header.hasPrefix("00-\(Self.traceID)-") && header.hasSuffix("-01") && header.count == 55, "\(event.type): \(header)")
            }
            // A malformed traceparent is no trace: the request starts one of its own.
            let other = try await api.call(.post, "/carts", token: customer, body: ["currency": "EUR"],
                                           headers: [HTTPField.Name("traceparent")!: "00-\(Self.traceID.uppercased())-b7ad6b7169203331-01"])
            #expect(other.status == .created)
            let stream = other.string("stream")
            let correlations = try await postgres.query("SELECT correlation_id FROM events WHERE stream_name = \(stream)").decode(UUID?.self).collectAll()
            #expect(correlations.count == 1 && correlations[0] != nil && correlations[0] != correlation)
            // …and names it: the events' correlation id.
            let began = other.headers[HTTPField.Name("traceresponse")!].flatMap(TraceParent.init(header:))
            #expect(began?.traceID == correlations[0] && began?.traceID != nil)
        }
    }
}
