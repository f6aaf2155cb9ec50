import ArgumentParser

@main
struct CommerceBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commerce-bench",
        abstract: "Measure performance; each benchmark prints its figures beside a raw baseline measured in the same run.",
        discussion: "Configuration comes from the same environment variables as `commerce`; see the README.",
        subcommands: [BenchAppend.self, BenchProjection.self, BenchHTTP.self, BenchAnalytics.self, BenchAudit.self, BenchAuth.self, BenchRecommendations.self, BenchCatalog.self]
    )
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
