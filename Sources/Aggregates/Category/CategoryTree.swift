import Foundation

/// The shop's category tree, all on one stream (`category-tree`): a move is checked against
/// the whole tree (never under itself), slugs are unique across it and names among siblings,
/// so every change decides on one version. Trees have hundreds to a few thousand categories.
///
/// Products reference a category by id (``Product``); the catalog view shows each product
/// under its category's path as it stands, following renames and moves. A category is deleted
/// only when empty: no subcategories (checked here) and no products (checked by the
/// application against the catalog, which this stream does not hold).
public enum CategoryTree: Decider {
    public static let stream = "category-tree"
    public static let maximumCategories = 10_000
    /// As deep as a product's category path may be.
    public static let maximumDepth = 10

    public struct Category: Codable, Sendable, Equatable {
        public var id: CategoryID
        public var parentId: CategoryID?
        public var slug: String
        public var name: String
        public var localizedNames: [String: String]

        public init(id: CategoryID, parentId: CategoryID?, slug: String, name: String, localizedNames: [String: String]) {
            self.id = id
            self.parentId = parentId
            self.slug = slug
            self.name = name
            self.localizedNames = localizedNames
        }
    }

    public struct State: Sendable, Equatable, Encodable {
        public var categories: [CategoryID: Category] = [:]
        /// The top-level categories in order.
        public var roots: [CategoryID] = []
        /// Each category's subcategories in order (absent: none).
        public var children: [CategoryID: [CategoryID]] = [:]

        public init() {}

        public func siblings(under parent: CategoryID?) -> [CategoryID] {
            parent.map { children[$0] ?? [] } ?? roots
        }

        /// The category and its ancestors, the top-level one first; empty for an unknown id.
        public func lineage(of id: CategoryID) -> [Category] {
            var lineage: [Category] = []
            var next: CategoryID? = id
            while let current = next, let category = categories[current] {
                lineage.append(category)
                next = category.parentId
            }
            return lineage.reversed()
        }

        /// The names from the top down to the category: what a product in it shows as its path.
        public func path(of id: CategoryID) -> [String] { lineage(of: id).map(\.name) }

        /// The category and everything under it, parents before children.
        public func subtree(of id: CategoryID) -> [CategoryID] {
            var result = [id]
            var index = 0
            while index < result.count {
                result.append(contentsOf: children[result[index]] ?? [])
                index += 1
            }
            return result
        }

        /// Levels from the category down to its deepest descendant (1: no subcategories).
        func height(of id: CategoryID) -> Int {
            1 + ((children[id] ?? []).map { height(of: $0) }.max() ?? 0)
        }
    }

    public enum Command: Sendable {
        /// Position nil: after the last sibling.
        case create(id: CategoryID, parentId: CategoryID?, slug: String, name: String, localizedNames: [String: String], position: Int?)
        /// Sets the slug and every name as they are to stand.
        case rename(id: CategoryID, slug: String, name: String, localizedNames: [String: String])
        /// Under a new parent (nil: to the top level) or in another place among the same siblings.
        case move(id: CategoryID, parentId: CategoryID?, position: Int?)
        case delete(id: CategoryID)
    }

    public typealias Event = CategoryTreeEvent
    public static let initialState = State()

    public static func decide(_ command: Command, _ state: State, _ context: DecisionContext) throws(DomainError) -> [Event] {
        switch command {
        case .create(let id, let parentId, let slug, let name, let localizedNames, let position):
            guard state.categories[id] == nil else { throw DomainError(.alreadyExists, "category \(id) exists already") }
            guard state.categories.count < maximumCategories else { throw DomainError(.invalidValue, "the tree holds at most \(maximumCategories) categories") }
            try validate(slug: slug, name: name, localizedNames: localizedNames)
            try checkSlugFree(slug, in: state, except: nil)
            if let parentId {
                guard state.categories[parentId] != nil else { throw DomainError(.unknownCategory, "there is no category \(parentId)") }
                guard state.lineage(of: parentId).count < maximumDepth else {
                    throw DomainError(.categoryTooDeep, "categories nest at most \(maximumDepth) deep")
                }
            }
            let siblings = state.siblings(under: parentId)
            try checkNameFree(name, among: siblings, in: state, except: nil)
            return [.created(CategoryCreated(
                categoryId: id, parentId: parentId, slug: slug, name: name, localizedNames: localizedNames,
                position: try place(position, among: siblings.count)
            ))]
        case .rename(let id, let slug, let name, let localizedNames):
            let category = try existing(id, in: state)
            try validate(slug: slug, name: name, localizedNames: localizedNames)
            guard (slug, name, localizedNames) != (category.slug, category.name, category.localizedNames) else { return [] }
            try checkSlugFree(slug, in: state, except: id)
            try checkNameFree(name, among: state.siblings(under: category.parentId), in: state, except: id)
            return [.renamed(CategoryRenamed(categoryId: id, slug: slug, name: name, localizedNames: localizedNames))]
        case .move(let id, let parentId, let position):
            let category = try existing(id, in: state)
            if let parentId {
                guard state.categories[parentId] != nil else { throw DomainError(.unknownCategory, "there is no category \(parentId)") }
                guard !state.lineage(of: parentId).contains(where: { $0.id == id }) else {
                    throw DomainError(.invalidCategoryMove, "category \(id) cannot move under itself or one of its subcategories")
                }
                guard state.lineage(of: parentId).count + state.height(of: id) <= maximumDepth else {
                    throw DomainError(.categoryTooDeep, "categories nest at most \(maximumDepth) deep")
                }
            }
            let siblings = state.siblings(under: parentId).filter { $0 != id }
            let position = try place(position, among: siblings.count)
            if parentId == category.parentId {
                guard state.siblings(under: parentId).firstIndex(of: id) != position else { return [] }
            } else {
                try checkNameFree(category.name, among: siblings, in: state, except: id)
            }
            return [.moved(CategoryMoved(categoryId: id, parentId: parentId, position: position))]
        case .delete(let id):
            _ = try existing(id, in: state)
            guard (state.children[id] ?? []).isEmpty else {
                throw DomainError(.categoryNotEmpty, "category \(id) has subcategories; move or delete them first")
            }
            return [.deleted(CategoryDeleted(categoryId: id))]
        }
    }

    public static func evolve(_ state: State, _ event: Event) -> State {
        var state = state
        switch event {
        case .created(let event):
            state.categories[event.categoryId] = Category(
                id: event.categoryId, parentId: event.parentId, slug: event.slug, name: event.name, localizedNames: event.localizedNames
            )
            state.insert(event.categoryId, under: event.parentId, at: event.position)
        case .renamed(let event):
            state.categories[event.categoryId]?.slug = event.slug
            state.categories[event.categoryId]?.name = event.name
            state.categories[event.categoryId]?.localizedNames = event.localizedNames
        case .moved(let event):
            guard let category = state.categories[event.categoryId] else { return state }
            state.remove(event.categoryId, under: category.parentId)
            state.categories[event.categoryId]?.parentId = event.parentId
            state.insert(event.categoryId, under: event.parentId, at: event.position)
        case .deleted(let event):
            guard let category = state.categories.removeValue(forKey: event.categoryId) else { return state }
            state.remove(event.categoryId, under: category.parentId)
            state.children[event.categoryId] = nil
        }
        return state
    }

    /// The limits a category's slug and names keep.
    public static func validate(slug: String, name: String, localizedNames: [String: String]) throws(DomainError) {
        guard (1...100).contains(slug.count), slug.split(separator: "-", omittingEmptySubsequences: false).allSatisfy({ part in
            !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) }
        }) else {
            throw DomainError(.invalidValue, "a slug is 1-100 lowercase letters and digits in words joined by single '-'")
        }
        try validateName(name)
        try LocaleTag.validate(localizedNames, "names", text: validateName)
    }

    /// A slug made from a name, for a category created without one: lowercase ASCII letters and
    /// digits (accents dropped), every other run of characters one '-'; the id's when the name
    /// leaves nothing.
    public static func slug(from name: String, id: CategoryID) -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        let words = folded.split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
        let slug = String(words.joined(separator: "-").prefix(100)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        if !slug.isEmpty { return slug }
        return id.rawValue.lowercased().split { !($0.isLetter || $0.isNumber) }.joined(separator: "-")
    }

    private static func validateName(_ name: String) throws(DomainError) {
        try validateText(name, "a category name", maximum: 100)
        guard !name.contains("/") else { throw DomainError(.invalidValue, "a category name has no '/' (it separates a path's names)") }
        guard !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw DomainError(.invalidValue, "a category name has no control characters")
        }
    }

    private static func existing(_ id: CategoryID, in state: State) throws(DomainError) -> Category {
        guard let category = state.categories[id] else { throw DomainError(.notFound, "there is no category \(id)") }
        return category
    }

    private static func checkSlugFree(_ slug: String, in state: State, except id: CategoryID?) throws(DomainError) {
        if let holder = state.categories.values.first(where: { $0.slug == slug && $0.id != id }) {
            throw DomainError(.duplicateCategory, "category \(holder.id) has the slug \(slug) already")
        }
    }

    /// Siblings' names differ (without regard to case), so that a path names one category.
    private static func checkNameFree(_ name: String, among siblings: [CategoryID], in state: State, except id: CategoryID?) throws(DomainError) {
        let folded = name.lowercased()
        if let holder = siblings.first(where: { $0 != id && state.categories[$0]?.name.lowercased() == folded }) {
            throw DomainError(.duplicateCategory, "category \(holder) beside it is named \(name) already")
        }
    }

    private static func place(_ position: Int?, among count: Int) throws(DomainError) -> Int {
        guard let position else { return count }
        guard (0...count).contains(position) else { throw DomainError(.invalidValue, "position is 0 to \(count) here") }
        return position
    }
}

extension CategoryTree.State {
    fileprivate mutating func insert(_ id: CategoryID, under parent: CategoryID?, at position: Int) {
        if let parent {
            var list = children[parent] ?? []
            list.insert(id, at: min(max(0, position), list.count))
            children[parent] = list
        } else {
            roots.insert(id, at: min(max(0, position), roots.count))
        }
    }

    fileprivate mutating func remove(_ id: CategoryID, under parent: CategoryID?) {
        if let parent {
            children[parent]?.removeAll { $0 == id }
            if children[parent]?.isEmpty == true { children[parent] = nil }
        } else {
            roots.removeAll { $0 == id }
        }
    }
}
