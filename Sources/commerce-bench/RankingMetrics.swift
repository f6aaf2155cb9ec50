import Foundation

/// Hit rate, recall and NDCG at k of ranked lists against sets of relevant items, averaged
/// over the queries added.
struct RankingMetrics {
    let k: Int
    /// Per query, in the order added: whether the top k held a relevant item (for intervals
    /// that pair one list's queries with another's).
    private(set) var hitPerQuery: [Bool] = []
    private var recall = 0.0
    private var ndcg = 0.0

    init(k: Int = 10) {
        self.k = k
    }

    mutating func add(ranked: [String], relevant: Set<String>) {
        guard !relevant.isEmpty else { return }
        let top = Array(ranked.prefix(k))
        let found = top.filter(relevant.contains)
        hitPerQuery.append(!found.isEmpty)
        recall += Double(found.count) / Double(relevant.count)
        // Binary relevance: DCG = Σ 1/log2(rank + 1) over the relevant items in the top k.
        var dcg = 0.0
        for (index, item) in top.enumerated() where relevant.contains(item) { dcg += 1 / log2(Double(index + 2)) }
        let ideal = (0..<min(k, relevant.count)).reduce(0.0) { $0 + 1 / log2(Double($1 + 2)) }
        ndcg += dcg / ideal
    }

    var queries: Int { hitPerQuery.count }
    var hitRate: Double { queries == 0 ? 0 : Double(hitPerQuery.filter { $0 }.count) / Double(queries) }
    var meanRecall: Double { queries == 0 ? 0 : recall / Double(queries) }
    var meanNDCG: Double { queries == 0 ? 0 : ndcg / Double(queries) }
}
