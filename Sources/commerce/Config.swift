import ArgumentParser
import Runtime

struct Config: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the effective configuration: every variable, its value and whether it came from the environment or the default; secrets redacted. Fails, naming the variable, on a bad value."
    )

    func run() throws {
        for line in try SettingsReport.lines() { print(line) }
    }
}
