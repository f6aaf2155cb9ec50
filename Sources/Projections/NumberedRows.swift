/// Rows keyed by an ``InternedNames`` number, kept in an array indexed by it, with the numbers of
/// the rows changed since the last ``takeChanged()``.
///
/// Numbers are dense (0, 1, 2, … in the order names were first seen), so an array holds them
/// without hashing: in a rebuild a view reads and writes its product's row and its viewer's
/// session once each, and a dictionary lookup, a whole-row copy back and a `Set` insert for the
/// change were most of the fold's time. A row is changed in place (``update(_:default:_:)``),
/// so a session's product list is appended to, not copied. The order history keeps its orders
/// so too: a dictionary of whole rows and a `Set` of changed ids, each grown to a quarter of a
/// million entries, were half of its fold's samples.
struct NumberedRows<Row> {
    private var rows: [Row?] = []
    private var changed: [Bool] = []
    private var changedNumbers: [Int32] = []

    subscript(number: Int32) -> Row? {
        Int(number) < rows.count ? rows[Int(number)] : nil
    }

    /// Whether `number` has a row, without copying it.
    func contains(_ number: Int32) -> Bool {
        Int(number) < rows.count && rows[Int(number)] != nil
    }

    /// Puts a row read from the tables: not a change.
    mutating func load(_ row: Row, at number: Int32) {
        grow(to: number)
        rows[Int(number)] = row
    }

    /// Changes the row of `number` in place (made from `initial` when there is none yet) and
    /// records it as changed.
    @discardableResult
    mutating func update<Result>(_ number: Int32, default initial: @autoclosure () -> Row, _ change: (inout Row) -> Result) -> Result {
        let index = Int(number)
        grow(to: number)
        if !changed[index] {
            changed[index] = true
            changedNumbers.append(number)
        }
        if rows[index] == nil { rows[index] = initial() }
        return change(&rows[index]!)
    }

    /// Changes the row of `number`, if there is one, in place, and records it as changed if
    /// `change` says it changed it.
    mutating func updateExisting(_ number: Int32, _ change: (inout Row) -> Bool) {
        let index = Int(number)
        guard index < rows.count, rows[index] != nil, change(&rows[index]!), !changed[index] else { return }
        changed[index] = true
        changedNumbers.append(number)
    }

    /// The rows changed since the last call, in the order first changed; none is changed after.
    mutating func takeChanged() -> [(number: Int32, row: Row)] {
        defer {
            for number in changedNumbers { changed[Int(number)] = false }
            changedNumbers.removeAll(keepingCapacity: true)
        }
        return changedNumbers.map { ($0, rows[Int($0)]!) }
    }

    private mutating func grow(to number: Int32) {
        let needed = Int(number) + 1
        guard needed > rows.count else { return }
        let added = max(needed, rows.count * 2) - rows.count
        rows.append(contentsOf: repeatElement(nil, count: added))
        changed.append(contentsOf: repeatElement(false, count: added))
    }
}

/// Rows of sendable values can be handed to another task (a rebuild's writes free them).
extension NumberedRows: Sendable where Row: Sendable {}
