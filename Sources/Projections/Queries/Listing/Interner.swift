/// Distinct strings numbered in the order first seen, so that an index compares and counts small
/// integers instead of strings (category paths, brands, attribute names and values).
struct Interner: Sendable {
    private(set) var strings: [String] = []
    private var numbers: [String: Int32] = [:]

    var count: Int { strings.count }

    /// The string's number, given it one if it has none.
    mutating func number(_ string: String) -> Int32 {
        if let number = numbers[string] { return number }
        let number = Int32(strings.count)
        strings.append(string)
        numbers[string] = number
        return number
    }

    /// The string's number; nil when it has none.
    func existing(_ string: String) -> Int32? { numbers[string] }

    subscript(number: Int32) -> String { strings[Int(number)] }
}
