import Crypto
import EventStore
import Foundation
import PostgresNIO
import Testing
import TestSupport

@Suite("Audit: verify, anchors and exports name every tampering")
struct AuditTests {
    enum Tampering: String, CaseIterable, Sendable {
        case changedDataByte, deletedLastEvent, swappedEvents, removedStream
        /// A changed event with its own and its successors' hashes recomputed, as an attacker
        /// who knows the scheme would: every chain holds again; only the anchor can tell.
        case rewrittenAndRehashed
    }

    @Test("each tampering is named by verify, by verify --anchor, and by the Python verifier on an export", arguments: Tampering.allCases, [false, true])
    func tamperingIsNamed(_ tampering: Tampering, inParts: Bool) async throws {
        // In parts, the nine events are walked as two halves side by side, as a long log is.
        let partLength: Int64 = inParts ? 2 : 100_000
        try await withStore { store, client in
            try await appendHistory(store)
            let (clean, recorded) = try await store.recordAnchor()
            let anchor = try #require(recorded)
            #expect(clean.isIntact && clean.eventsChecked == 9 && clean.streamsChecked == 3)
            let earlier = try await exportFile(store, .everything)

            try await tamper(tampering, client)

            let result = try await store.verify(scope: .everything, partLength: partLength)
            let anchored = try await store.verify(scope: .everything, anchor: anchor, partLength: partLength)
            let discrepancies = try #require(anchored.anchorDiscrepancies)
            let later = try await exportFile(store, .everything)
            let python = try runExternalProcess(pythonExecutable, [verifierScript, later.path, "--anchor", anchor.description, "--since", earlier.path])
            #expect(python.status == 1, "\(python.output)\(python.errors)")

            switch tampering {
            case .changedDataByte:
                #expect(result.firstBrokenLink?.stream == stream("payment-1") && result.firstBrokenLink?.version == 3)
                #expect(result.firstBrokenLink?.expectedHash != nil && result.firstBrokenLink?.expectedHash != result.firstBrokenLink?.foundHash)
                // The head is untouched: the chain, not the anchor, catches this one.
                #expect(discrepancies.isEmpty)
                #expect(python.output.contains("payment-1@3 (position 7): the stored hash does not match"))
            case .deletedLastEvent:
                // The chains alone still hold: only the anchor, or an earlier export, can tell.
                #expect(result.firstBrokenLink == nil)
                #expect(discrepancies == [.init(kind: .streamTruncated, stream: "cart-1", anchoredVersion: 3, foundVersion: 2)])
                #expect(python.output.contains("cart-1: stream truncated (it was at version 3, now 2)"))
            case .swappedEvents:
                // In global order the event now labelled 3 comes right after version 1.
                #expect(result.firstBrokenLink?.stream == stream("payment-1") && result.firstBrokenLink?.version == 3)
                #expect(result.firstBrokenLink?.reason.contains("version 3 follows 1") == true)
                #expect(discrepancies.isEmpty)
                #expect(python.output.contains("payment-1@3 (position 4): version 3 follows 1"))
            case .removedStream:
                #expect(result.firstBrokenLink == nil)
                #expect(discrepancies == [.init(kind: .streamRemoved, stream: "order-1", anchoredVersion: 2, foundVersion: nil)])
                #expect(python.output.contains("order-1: stream removed (it was at version 2)"))
            case .rewrittenAndRehashed:
                #expect(result.firstBrokenLink == nil)
                #expect(discrepancies == [.init(kind: .streamRewritten, stream: "payment-1", anchoredVersion: 4, foundVersion: 4)])
                #expect(python.output.contains("payment-1: stream rewritten (version 4 has another hash)"))
            }
            let headsChanged = [.deletedLastEvent, .removedStream, .rewrittenAndRehashed].contains(tampering)
            #expect(python.output.contains("not the anchor's") == headsChanged)
        }
    }

    @Test("an intact log: the Python verifier recomputes every hash and the anchor's root independently")
    func intactExportVerifies() async throws {
        try await withStore { store, _ in
            try await appendHistory(store)
            let (_, recorded) = try await store.recordAnchor()
            let anchor = try #require(recorded)
            let file = try await exportFile(store, .everything)
            let python = try runExternalProcess(pythonExecutable, [verifierScript, file.path, "--anchor", anchor.description])
            #expect(python.status == 0, "\(python.output)\(python.errors)")
            #expect(python.output.contains("verified: 9 events in 3 streams"))
            #expect(python.output.contains("root of the stream heads at position \(anchor.position): \(anchor.root.hexString)"))

            // A part of the log: each stream's anchor line makes it verify on its own.
            let part = try await exportFile(store, AuditScope(category: "payment", fromPosition: 3))
            let partCheck = try runExternalProcess(pythonExecutable, [verifierScript, part.path])
            #expect(partCheck.status == 0, "\(partCheck.output)\(partCheck.errors)")
            let lines = try String(contentsOf: part, encoding: .utf8).split(separator: "\n")
            #expect(lines.filter { $0.contains(#""kind":"anchor""#) }.count == 1)
            #expect(lines.filter { $0.contains(#""kind":"event""#) }.count == 3)
            for partLength: Int64 in [1, 100_000] {
                let verified = try await store.verify(scope: AuditScope(category: "payment", fromPosition: 3), partLength: partLength)
                #expect(verified.isIntact && verified.eventsChecked == 3 && verified.streamsChecked == 1)
                let all = try await store.verify(scope: .everything, partLength: partLength)
                #expect(all.isIntact && all.eventsChecked == 9 && all.streamsChecked == 3)
            }

            // An edited export no longer verifies, and the cut-off one neither.
            let edited = FileManager.default.temporaryDirectory.appendingPathComponent("edited-\(UUID().uuidString).ndjson")
            try String(contentsOf: file, encoding: .utf8).replacingOccurrences(of: #"\"amount\":300"#, with: #"\"amount\":900"#).write(to: edited, atomically: true, encoding: .utf8)
            let editedCheck = try runExternalProcess(pythonExecutable, [verifierScript, edited.path])
            #expect(editedCheck.status == 1 && editedCheck.output.contains("payment-1@3"))
            try lines.dropLast().joined(separator: "\n").write(to: edited, atomically: true, encoding: .utf8)
            let cut = try runExternalProcess(pythonExecutable, [verifierScript, edited.path])
            #expect(cut.status == 1 && cut.output.contains("the end line is missing"))
        }
    }

    @Test("an anchor's root is the Merkle root of the documented leaves, computed by hand here")
    func anchorRootByHand() {
        let heads = [
            LogAnchor.StreamHead(stream: "order-1", version: 2, hash: [UInt8](repeating: 1, count: 32)),
            LogAnchor.StreamHead(stream: "cart-1", version: 3, hash: [UInt8](repeating: 2, count: 32)),
            LogAnchor.StreamHead(stream: "payment-1", version: 4, hash: [UInt8](repeating: 3, count: 32)),
        ]
        func sha(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
        func leaf(_ head: LogAnchor.StreamHead) -> [UInt8] {
            sha([0] + Array(head.stream.utf8) + [0x1F] + Array(String(head.version).utf8) + [0x1F] + head.hash)
        }
        // Sorted: cart-1, order-1, payment-1; the odd third goes up unchanged.
        let expected = sha([1] + sha([1] + leaf(heads[1]) + leaf(heads[0])) + leaf(heads[2]))
        #expect(LogAnchor.root(of: heads) == expected)
        #expect(LogAnchor.root(of: []) == [UInt8](repeating: 0, count: 32))
        #expect(LogAnchor("12:\(expected.hexString)") == LogAnchor(position: 12, root: expected))
        #expect(LogAnchor("12:abc") == nil && LogAnchor("x:\(expected.hexString)") == nil)
    }

    // MARK: - Helpers

    private var verifierScript: String { TestEnvironment.repositoryRoot.appendingPathComponent("scripts/verify_export.py").path }

    /// payment-1: 4 events (amounts 100…400), cart-1: 3, order-1: 2, interleaved in global order.
    private func appendHistory(_ store: PostgresEventStore) async throws {
        for round in 1...4 {
            try await store.append([makeEvent("Paid", #"{"amount":\#(round * 100),"note":"ü€"}"#)], to: stream("payment-1"), expectedVersion: .any)
            if round <= 3 { try await store.append([makeEvent("ItemAdded", #"{"n":\#(round)}"#)], to: stream("cart-1"), expectedVersion: .any) }
            if round <= 2 { try await store.append([makeEvent("Placed", #"{"n":\#(round)}"#, actor: nil)], to: stream("order-1"), expectedVersion: .any) }
        }
    }

    /// As a superuser bypassing the immutability trigger would, the way an attacker with full access could.
    private func tamper(_ tampering: Tampering, _ client: PostgresClient) async throws {
        try await client.query("ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete")
        switch tampering {
        case .changedDataByte:
            try await client.query(#"UPDATE events SET data = replace(data::text, '300', '900')::json WHERE stream_name = 'payment-1' AND stream_version = 3"#)
        case .deletedLastEvent:
            try await client.query("DELETE FROM events WHERE stream_name = 'cart-1' AND stream_version = 3")
        case .swappedEvents:
            try await client.query("UPDATE events SET stream_version = 1000 WHERE stream_name = 'payment-1' AND stream_version = 2")
            try await client.query("UPDATE events SET stream_version = 2 WHERE stream_name = 'payment-1' AND stream_version = 3")
            try await client.query("UPDATE events SET stream_version = 3 WHERE stream_name = 'payment-1' AND stream_version = 1000")
        case .removedStream:
            try await client.query("DELETE FROM events WHERE stream_name = 'order-1'")
        case .rewrittenAndRehashed:
            try await client.query(#"UPDATE events SET data = replace(data::text, '300', '900')::json WHERE stream_name = 'payment-1' AND stream_version = 3"#)
            for version in 3...4 {
                try await client.query(
                    """
                    UPDATE events e SET hash = sha256(p.hash || convert_to(event_canonical_text(e.stream_name, e.stream_version, e.event_id,
                        e.event_type, e.schema_version, e.data::text, e.metadata::text, e.correlation_id, e.causation_id, e.actor, e.recorded_at), 'UTF8'))
                    FROM events p WHERE e.stream_name = 'payment-1' AND e.stream_version = \(version)
                      AND p.stream_name = 'payment-1' AND p.stream_version = \(version - 1)
                    """
                )
            }
        }
        try await client.query("ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete")
    }

    private func exportFile(_ store: PostgresEventStore, _ scope: AuditScope) async throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).ndjson")
        var bytes: [UInt8] = []
        _ = try await store.exportAudit(scope) { bytes += $0 }
        try Data(bytes).write(to: url)
        return url
    }
}
