import EventStore
import Foundation
import Logging
import Runtime
import Synchronization
import Testing
import Tracing

/// The tracer as values: W3C propagation in and out, a span per operation continuing its
/// parent's trace, each ended span exported once with what was recorded on it.
@Suite("W3C tracer")
struct W3CTracerTests {
    /// W3C Trace Context's own example.
    static let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    struct Headers: Extractor, Injector {
        func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
    }

    final class Exported: Sendable {
        let spans = Mutex<[FinishedSpan]>([])
        var all: [FinishedSpan] { spans.withLock { $0 } }
        var tracer: W3CTracer { W3CTracer { span in self.spans.withLock { $0.append(span) } } }
    }

    @Test("a traceparent is read into the context and written back out with tracestate; a malformed one is ignored")
    func propagation() {
        let tracer = Exported().tracer
        var context = InstrumentationContext.topLevel
        tracer.extract(["traceparent": Self.header, "tracestate": "vendor=abc"], into: &context, using: Headers())
        #expect(context.traceParent?.header == Self.header)
        var out: [String: String] = [:]
        tracer.inject(context, into: &out, using: Headers())
        #expect(out == ["traceparent": Self.header, "tracestate": "vendor=abc"])

        for malformed in ["", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"] {
            var ignored = InstrumentationContext.topLevel
            tracer.extract(["traceparent": malformed], into: &ignored, using: Headers())
            #expect(ignored.traceParent == nil, "\(malformed)")
            var nothing: [String: String] = [:]
            tracer.inject(ignored, into: &nothing, using: Headers())
            #expect(nothing.isEmpty)
        }
    }

    @Test("a span continues its parent's trace with a span id of its own; without a parent it begins a trace")
    func spans() throws {
        let exported = Exported()
        let tracer = exported.tracer
        var incoming = InstrumentationContext.topLevel
        tracer.extract(["traceparent": Self.header], into: &incoming, using: Headers())
        let parent = try #require(incoming.traceParent)

        let child = tracer.startSpan("child", context: incoming, ofKind: .server)
        let ids = try #require(child.context.traceParent)
        #expect(ids.traceID == parent.traceID && ids.parentID != parent.parentID && ids.parentID != 0 && ids.sampled)
        var out: [String: String] = [:]
        tracer.inject(child.context, into: &out, using: Headers())
        #expect(out["traceparent"] == "00-4bf92f3577b34da6a3ce929d0e0e4736-\(FinishedSpan.hex(ids.parentID))-01")

        let grandchild = tracer.startSpan("grandchild", context: child.context, ofKind: .internal)
        #expect(grandchild.context.traceParent?.traceID == parent.traceID)

        let root = tracer.startSpan("root", context: .topLevel, ofKind: .consumer)
        let other = tracer.startSpan("another root", context: .topLevel, ofKind: .consumer)
        #expect(root.context.traceParent?.traceID != parent.traceID)
        #expect(root.context.traceParent?.traceID != other.context.traceParent?.traceID)
        for span in [grandchild, child, root, other] { span.end() }

        let byName = Dictionary(uniqueKeysWithValues: exported.all.map { ($0.operationName, $0) })
        #expect(byName["child"]?.parentSpanID == parent.parentID)
        #expect(byName["grandchild"]?.parentSpanID == ids.parentID)
        #expect(byName["root"]?.parentSpanID == nil && byName["root"]?.kind == .consumer)
    }

    @Test("an ended span is exported once, with its name, attributes, status, error types and links; an unsampled parent stays unsampled")
    func export() throws {
        let exported = Exported()
        let tracer = exported.tracer
        var unsampled = InstrumentationContext.topLevel
        unsampled.traceParent = TraceParent(traceID: UUID(), parentID: 42, sampled: false)
        let span = tracer.startSpan("first name", context: unsampled, ofKind: .producer, at: DefaultTracerClock.now)
        #expect(span.context.traceParent?.sampled == false)
        span.operationName = "renamed"
        span.attributes["count"] = 3
        span.setStatus(.init(code: .error))
        struct Refused: Error {}
        span.recordError(Refused())
        var linked = InstrumentationContext.topLevel
        linked.traceParent = TraceParent(header: Self.header)
        span.addLink(SpanLink(context: linked, attributes: [:]))
        span.addLink(SpanLink(context: .topLevel, attributes: [:]))
        #expect(span.isRecording)
        span.end()
        span.end()
        #expect(!span.isRecording)

        let finished = try #require(exported.all.count == 1 ? exported.all.first : nil)
        #expect(finished.operationName == "renamed" && finished.kind == .producer && finished.parentSpanID == 42)
        #expect(finished.attributes.get("count") == .int64(3) && finished.attribute("count") == "3" && finished.attribute("absent") == nil)
        #expect(finished.status?.code == .error && finished.errors == ["Refused"])
        #expect(finished.links.map(\.header) == [Self.header], "a link without a trace is none")
        #expect(finished.endNanoseconds >= finished.startNanoseconds)
    }

    @Test("the log line of a span carries its trace id, span id, parent and attributes")
    func logLine() throws {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "unit") { JSONLogHandler(label: $0, write: { line in lines.withLock { $0.append(line) } }) }
        logger.logLevel = .debug
        let exported = Exported()
        var incoming = InstrumentationContext.topLevel
        incoming.traceParent = TraceParent(header: Self.header)
        let span = exported.tracer.startSpan("POST /carts", context: incoming, ofKind: .server)
        span.attributes["http.response.status_code"] = 201
        span.end()
        let finished = try #require(exported.all.first)
        finished.log(to: logger)
        let line = try #require(lines.withLock { $0.first })
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let text = "\(object)"
        #expect(text.contains("4bf92f3577b34da6a3ce929d0e0e4736") && text.contains("00f067aa0ba902b7") && text.contains(FinishedSpan.hex(finished.spanID)))
        #expect(text.contains("span POST /carts") && text.contains("201"), "\(line)")
    }
}
