/// Splits a SQL script into statements at top-level semicolons.
///
/// postgres-nio sends every query as a prepared statement, which holds one command, so a
/// migration file is run statement by statement (inside one transaction). Semicolons inside
/// quotes ('…', "…"), dollar-quoted bodies ($$…$$, $tag$…$tag$) and comments do not split.
enum SQLStatementSplitter {
    static func statements(in sql: String) -> [String] {
        let characters = Array(sql.unicodeScalars)
        var statements: [String] = []
        var current = String.UnicodeScalarView()
        var index = 0

        func flush() {
            let statement = String(current).trimmingWhitespace()
            if !statement.isEmpty && !statement.isOnlyComments { statements.append(statement) }
            current = String.UnicodeScalarView()
        }

        func copy(until terminator: [Unicode.Scalar], from start: Int) -> Int {
            // Copies characters[start...] up to and including `terminator`; returns the index after it.
            var position = start
            while position < characters.count {
                if position + terminator.count <= characters.count,
                   Array(characters[position..<position + terminator.count]) == terminator {
                    current.append(contentsOf: terminator)
                    return position + terminator.count
                }
                current.append(characters[position])
                position += 1
            }
            return position
        }

        while index < characters.count {
            let character = characters[index]
            let next: Unicode.Scalar? = index + 1 < characters.count ? characters[index + 1] : nil
            switch character {
            case ";":
                flush()
                index += 1
            case "'", "\"":
                current.append(character)
                index = copy(until: [character], from: index + 1)
            case "-" where next == "-":
                index = copy(until: ["\n"], from: index)
            case "/" where next == "*":
                current.append(contentsOf: ["/", "*"])
                index = copy(until: ["*", "/"], from: index + 2)
            case "$":
                // A dollar quote: $tag$ with a tag of letters, digits and underscores (maybe empty).
                var end = index + 1
                while end < characters.count, characters[end].properties.isAlphabetic || ("0"..."9").contains(characters[end]) || characters[end] == "_" {
                    end += 1
                }
                if end < characters.count, characters[end] == "$" {
                    let tag = Array(characters[index...end])
                    current.append(contentsOf: tag)
                    index = copy(until: tag, from: end + 1)
                } else {
                    current.append(character)
                    index += 1
                }
            default:
                current.append(character)
                index += 1
            }
        }
        flush()
        return statements
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }

    /// True for text that is nothing but `--` comment lines.
    fileprivate var isOnlyComments: Bool {
        split(separator: "\n").allSatisfy { $0.trimmingPrefix(while: \.isWhitespace).hasPrefix("--") }
    }
}
