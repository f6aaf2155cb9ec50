import Aggregates
import Application
import ArgumentParser
import EventStore
import Foundation

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Audits of the event log: verify its hash chains, anchor it, export it with proofs; erase a customer's personal data.",
        subcommands: [Verify.self, Anchor.self, Export.self, Erase.self]
    )

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-hash the log (or a part) and name the first broken link; with --anchor, also prove no stream was removed, cut short or rewritten up to it.",
            discussion: "Exits with status 1 when something does not verify."
        )

        @Option(help: "Only streams of this category (order, payment…).")
        var category: String?

        @Option(help: "Start at this global position (events before it are taken as they are).")
        var fromPosition: Int64 = 1

        @Option(help: "Stop at this global position.")
        var toPosition: Int64?

        @Option(help: "A published anchor, POSITION:ROOT_HEX (from `commerce audit anchor`); needs the whole log.")
        var anchor: String?

        func validate() throws {
            if let anchor, LogAnchor(anchor) == nil { throw ValidationError("--anchor must be POSITION:ROOT_HEX (64 hex digits)") }
            if fromPosition < 1 { throw ValidationError("--from-position must be 1 or more") }
            if anchor != nil, category != nil || fromPosition > 1 { throw ValidationError("--anchor checks the whole log: leave out --category and --from-position") }
        }

        func run() async throws {
            let scope = AuditScope(category: category, fromPosition: fromPosition, toPosition: toPosition)
            let progress = ProgressReporter("verifying")
            let result = try await withConfiguredStore(connections: 2) { store, _, _ in
                try await store.verify(scope: scope, anchor: anchor.flatMap(LogAnchor.init), progress: progress.report)
            }
            progress.finish()
            print("checked \(result.eventsChecked) events in \(result.streamsChecked) streams (\(scope)) up to position \(result.lastPosition) in \(progress.summary(events: result.eventsChecked))")
            if let broken = result.firstBrokenLink {
                print("BROKEN: \(result.brokenLinks) link(s); the first: \(broken)")
            } else {
                print("every hash chain holds")
            }
            if let discrepancies = result.anchorDiscrepancies {
                if discrepancies.isEmpty {
                    print("the anchor \(anchor ?? "") holds: every stream's head at its position is the one it recorded")
                } else {
                    print("ANCHOR DOES NOT HOLD: \(discrepancies.count) discrepanc\(discrepancies.count == 1 ? "y" : "ies")")
                    for discrepancy in discrepancies.prefix(50) { print("  \(discrepancy)") }
                }
            }
            if !result.isIntact { throw ExitCode(1) }
        }
    }

    struct Anchor: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the log up to now and record an anchor over every stream's head: publish the printed POSITION:ROOT outside the system.",
            discussion: "With --list, show the anchors recorded instead."
        )

        @Option(help: "Anchor at this position instead of the newest safe one.")
        var position: Int64?

        @Flag(help: "List the recorded anchors.")
        var list = false

        func run() async throws {
            if list {
                let anchors = try await withConfiguredStore(connections: 1) { store, _, _ in try await store.anchors() }
                for anchor in anchors {
                    print("\(anchor.anchor)  \(anchor.streams) streams, \(anchor.events) events, recorded \(anchor.createdAt.formatted(.iso8601))")
                }
                return
            }
            let progress = ProgressReporter("verifying")
            let (result, anchor) = try await withConfiguredStore(connections: 2) { store, _, _ in
                try await store.recordAnchor(at: position, progress: progress.report)
            }
            progress.finish()
            guard let anchor else {
                print("NOT ANCHORED: the log does not verify; the first broken link: \(result.firstBrokenLink.map(String.init(describing:)) ?? "?")")
                throw ExitCode(1)
            }
            print("verified \(result.eventsChecked) events in \(result.streamsChecked) streams in \(progress.summary(events: result.eventsChecked))")
            print("anchor: \(anchor)")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write events with every field their hashes cover, and each stream's anchor, as NDJSON that verifies on its own (scripts/verify_export.py)."
        )

        @Option(help: "One stream.")
        var stream: String?

        @Option(help: "One category of streams.")
        var category: String?

        @Option(help: "From a global position (a number) or a time (RFC 3339), inclusive.")
        var from: String?

        @Option(help: "To a global position (a number) or a time (RFC 3339), inclusive.")
        var to: String?

        @Option(help: "The file to write.")
        var out: String

        func validate() throws {
            if stream != nil, category != nil { throw ValidationError("give --stream or --category, not both") }
            if let stream { _ = try ArgumentValues.stream(stream) }
            _ = try ArgumentValues.historyPoint(from, option: "--from")
            _ = try ArgumentValues.historyPoint(to, option: "--to")
        }

        func run() async throws {
            var scope = AuditScope(stream: try stream.map(ArgumentValues.stream), category: category)
            switch try ArgumentValues.historyPoint(from, option: "--from") {
            case .position(let position): scope.fromPosition = max(1, position)
            case .time(let time): scope.fromTime = time
            case nil: break
            }
            switch try ArgumentValues.historyPoint(to, option: "--to") {
            case .position(let position): scope.toPosition = position
            case .time(let time): scope.toTime = time
            case nil: break
            }
            guard FileManager.default.createFile(atPath: out, contents: nil), let file = FileHandle(forWritingAtPath: out) else {
                throw ValidationError("cannot write \(out)")
            }
            defer { try? file.close() }
            let progress = ProgressReporter("exporting")
            let summary = try await withConfiguredStore(connections: 2) { store, _, _ in
                try await store.exportAudit(scope, progress: progress.report) { bytes in try file.write(contentsOf: bytes) }
            }
            progress.finish()
            print("exported \(summary.events) events of \(summary.streams) streams (\(scope)) to \(out) in \(progress.summary(events: summary.events))")
            if summary.brokenLinks > 0 { print("note: \(summary.brokenLinks) link(s) in the exported range are broken in the store itself") }
        }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a customer (GDPR art. 17): delete the keys their personal data is sealed with and close their account; events stay untouched and still verify.",
            discussion: "Sealed fields then read as [erased] everywhere: aggregates, read models, exports, Kafka. Backups keep the key until they age out."
        )

        @Option(help: "The customer's id (their user id).")
        var customer: String

        func validate() throws {
            do { _ = try CustomerID(customer) } catch { throw ValidationError(error.message) }
        }

        func run() async throws {
            let id = try CustomerID(customer)
            let report = try await withConfiguredStore(connections: 2) { store, _, _ in
                try await EraseCustomerData(store: store, protection: PersonalDataProtection(store: store))(id)
            }
            print("erased \(report.subjects.joined(separator: ", ")): \(report.keysDeleted) key(s) deleted; account \(report.accountClosed ? "closed" : "not found (closed before, or never signed up)")")
        }
    }
}
