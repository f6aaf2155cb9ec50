extension AsyncSequence where Self: Sendable {
    /// Every element, in order: for query results known to be small.
    public func collectAll() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self { elements.append(element) }
        return elements
    }
}
