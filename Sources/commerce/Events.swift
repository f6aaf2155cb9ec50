import Aggregates
import ArgumentParser
import Runtime
import Foundation

struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The event catalog: every event type, its stream category and schema version.",
        subcommands: [List.self, Samples.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every event type with its category and current schema version.")

        func run() {
            for entry in EventCatalog.entries {
                print("\(pad(entry.category, 11))\(pad(entry.eventType, 30))v\(entry.schemaVersion)")
            }
        }
    }

    struct Samples: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a sample of every event type, as stored, to <out>/<Type>.v<N>.json (checked against schemas/events)."
        )

        @Option(help: "Directory to write the samples to.")
        var out: String

        func run() throws {
            let directory = URL(fileURLWithPath: out)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            for entry in EventCatalog.entries {
                try entry.sampleJSON.write(to: directory.appendingPathComponent("\(entry.eventType).v\(entry.schemaVersion).json"), atomically: true, encoding: .utf8)
            }
            print("wrote \(EventCatalog.entries.count) samples to \(directory.path)")
        }
    }
}
