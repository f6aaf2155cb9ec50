/// Ids numbered in the order first seen, so that a builder's counting dictionaries key on small
/// integers. A viewed product touches a dozen counts (the product, its hour, the viewer's
/// session, the customer's product, a pair with each product viewed before it): hashing the id
/// strings for each of them was a third of a rebuild's folding; now each id is hashed once per
/// event.
struct InternedNames {
    private var numbers: [String: Int32] = [:]
    private var names: [String] = []

    /// The number of `name`, given it now if new.
    mutating func number(_ name: String) -> Int32 {
        if let number = numbers[name] { return number }
        let number = Int32(names.count)
        numbers[name] = number
        names.append(name)
        return number
    }

    /// The number of `name` if it has one.
    func existingNumber(_ name: String) -> Int32? {
        numbers[name]
    }

    subscript(number: Int32) -> String {
        names[Int(number)]
    }

    /// Each number's place among the names in order: rows sorted by these integers come out in
    /// the order of their ids, for one sort of the distinct names instead of comparing names on
    /// every step of sorting the rows (sorting a rebuild's pairs by name was 7 % of its samples).
    func ranks() -> [UInt32] {
        let order = names.indices.sorted { names[$0] < names[$1] }
        var ranks = [UInt32](repeating: 0, count: names.count)
        for (rank, index) in order.enumerated() { ranks[index] = UInt32(rank) }
        return ranks
    }
}
