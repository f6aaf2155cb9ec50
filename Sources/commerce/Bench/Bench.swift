import ArgumentParser

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure performance; each benchmark prints its figures beside a raw baseline measured in the same run.",
        subcommands: [BenchAppend.self, BenchProjection.self, BenchHTTP.self]
    )
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
