/// What is wrong with one line of a catalog file: the line (the header is line 1), the column
/// when one cell is at fault, and why.
public struct CatalogImportProblem: Sendable, Equatable, Codable {
    public let line: Int
    public let column: String?
    public let reason: String

    public init(line: Int, column: String?, reason: String) {
        self.line = line
        self.column = column
        self.reason = reason
    }
}

/// A file refused: every problem found, by line. Nothing of it was written.
public struct CatalogImportProblems: Error, Sendable, Equatable {
    public let problems: [CatalogImportProblem]

    public init(_ problems: [CatalogImportProblem]) {
        self.problems = problems.sorted { ($0.line, $0.column ?? "") < ($1.line, $1.column ?? "") }
    }
}
