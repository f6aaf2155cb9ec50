@testable import Aggregates
import Foundation
import Testing

@Suite("Category tree")
struct CategoryTreeTests {
    let apparel: CategoryID = id("apparel")
    let shirts: CategoryID = id("shirts")
    let knitwear: CategoryID = id("knitwear")
    let home: CategoryID = id("home")

    func created(_ id: CategoryID, under parent: CategoryID?, _ name: String, at position: Int, names: [String: String] = [:]) -> CategoryTreeEvent {
        .created(CategoryCreated(categoryId: id, parentId: parent, slug: name.lowercased(), name: name, localizedNames: names, position: position))
    }

    /// Apparel (Shirts, Knitwear), Home — in that order.
    var tree: [CategoryTreeEvent] {
        [
            created(apparel, under: nil, "Apparel", at: 0, names: ["de": "Bekleidung"]), created(home, under: nil, "Home", at: 1),
            created(knitwear, under: apparel, "Knitwear", at: 0), created(shirts, under: apparel, "Shirts", at: 0),
        ]
    }

    @Test("categories go where the position says, and paths and subtrees follow the parents")
    func placesAndPaths() throws {
        let state = CategoryTree.fold(tree)
        #expect(state.roots == [apparel, home])
        #expect(state.children[apparel] == [shirts, knitwear], "Shirts was put at 0, before Knitwear")
        #expect(state.path(of: shirts) == ["Apparel", "Shirts"])
        #expect(state.subtree(of: apparel) == [apparel, shirts, knitwear])
        #expect(state.path(of: id("nothing")).isEmpty)
        #expect(try given(CategoryTree.self, tree, when: .create(id: id("garden"), parentId: nil, slug: "garden", name: "Garden", localizedNames: [:], position: nil))
            == [created(id("garden"), under: nil, "Garden", at: 2)], "no position: after the last sibling")
    }

    @Test("a move takes the subtree along, a reorder is a move under the same parent, and repeating either changes nothing")
    func moves() throws {
        let moved = try given(CategoryTree.self, tree, when: .move(id: shirts, parentId: home, position: nil))
        #expect(moved == [.moved(CategoryMoved(categoryId: shirts, parentId: home, position: 0))])
        let after = CategoryTree.fold(tree + moved)
        #expect(after.children[apparel] == [knitwear] && after.children[home] == [shirts])
        #expect(after.path(of: shirts) == ["Home", "Shirts"])

        let reordered = try given(CategoryTree.self, tree, when: .move(id: shirts, parentId: apparel, position: 1))
        #expect(CategoryTree.fold(tree + reordered).children[apparel] == [knitwear, shirts])
        #expect(try given(CategoryTree.self, tree, when: .move(id: shirts, parentId: apparel, position: 0)).isEmpty, "already there")
        let toTop = try given(CategoryTree.self, tree, when: .move(id: knitwear, parentId: nil, position: 0))
        #expect(CategoryTree.fold(tree + toTop).roots == [knitwear, apparel, home])
    }

    @Test("moves under itself, past the depth limit or onto a sibling's name are refused")
    func refusedMoves() {
        expectRefusal(CategoryTree.self, tree, when: .move(id: apparel, parentId: shirts, position: nil), code: .invalidCategoryMove)
        expectRefusal(CategoryTree.self, tree, when: .move(id: apparel, parentId: apparel, position: nil), code: .invalidCategoryMove)
        expectRefusal(CategoryTree.self, tree, when: .move(id: shirts, parentId: id("nothing"), position: nil), code: .unknownCategory)
        expectRefusal(CategoryTree.self, tree, when: .move(id: shirts, parentId: home, position: 5), code: .invalidValue)
        expectRefusal(CategoryTree.self, tree, when: .move(id: id("nothing"), parentId: nil, position: nil), code: .notFound)
        let clash = tree + [created(id("home-shirts"), under: home, "shirts", at: 0)]
        expectRefusal(CategoryTree.self, clash, when: .move(id: shirts, parentId: home, position: nil), code: .duplicateCategory)

        // A chain ten deep: nothing goes under its end, and a two-level subtree not under its ninth.
        var chain: [CategoryTreeEvent] = []
        for level in 0..<CategoryTree.maximumDepth {
            chain.append(created(id("level-\(level)"), under: level == 0 ? nil : id("level-\(level - 1)"), "Level \(level)", at: 0))
        }
        expectRefusal(CategoryTree.self, chain, when: .create(id: id("deeper"), parentId: id("level-9"), slug: "deeper", name: "Deeper", localizedNames: [:], position: nil),
                      code: .categoryTooDeep)
        expectRefusal(CategoryTree.self, chain + tree, when: .move(id: apparel, parentId: id("level-8"), position: nil), code: .categoryTooDeep)
        #expect((try? given(CategoryTree.self, chain + tree, when: .move(id: home, parentId: id("level-8"), position: nil)))?.count == 1, "a leaf fits at the tenth level")
    }

    @Test("slugs are unique in the tree, names among siblings, and both keep their form")
    func namesAndSlugs() {
        let new = { (slug: String, name: String, parent: CategoryID?) in
            CategoryTree.Command.create(id: id("new"), parentId: parent, slug: slug, name: name, localizedNames: [:], position: nil)
        }
        expectRefusal(CategoryTree.self, tree, when: new("shirts", "Other", nil), code: .duplicateCategory)
        expectRefusal(CategoryTree.self, tree, when: new("other", "SHIRTS", apparel), code: .duplicateCategory)
        #expect((try? given(CategoryTree.self, tree, when: new("home-shirts", "Shirts", home)))?.count == 1, "the same name under another parent")
        for slug in ["", "Shirts", "two--dashes", "-lead", "trail-", "spa ce", "ümlaut"] {
            expectRefusal(CategoryTree.self, tree, when: new(slug, "Other", nil), code: .invalidValue)
        }
        for name in ["", "  ", "A/B", String(repeating: "x", count: 101), "Nul\u{0}Name", "Two\nLines"] {
            expectRefusal(CategoryTree.self, tree, when: new("other", name, nil), code: .invalidValue)
        }
        expectRefusal(CategoryTree.self, tree, when: .create(id: id("x"), parentId: nil, slug: "x", name: "X", localizedNames: ["english": "X"], position: nil), code: .invalidValue)
        expectRefusal(CategoryTree.self, tree, when: .create(id: id("x"), parentId: nil, slug: "x", name: "X", localizedNames: ["de": "X", "DE": "Y"], position: nil), code: .invalidValue)
        expectRefusal(CategoryTree.self, tree, when: .create(id: apparel, parentId: nil, slug: "x", name: "X", localizedNames: [:], position: nil), code: .alreadyExists)
        expectRefusal(CategoryTree.self, tree, when: .create(id: id("x"), parentId: id("nothing"), slug: "x", name: "X", localizedNames: [:], position: nil), code: .unknownCategory)

        #expect(CategoryTree.slug(from: "Shirts & Tops", id: id("c1")) == "shirts-tops")
        #expect(CategoryTree.slug(from: "Bücher für Kinder", id: id("c1")) == "bucher-fur-kinder")
        #expect(CategoryTree.slug(from: "日本", id: id("Cat_7")) == "cat-7", "nothing ASCII in the name: the id's")
    }

    @Test("a rename sets slug and names, keeps the place, and repeating it changes nothing; only an empty category is deleted")
    func renameAndDelete() throws {
        let rename = CategoryTree.Command.rename(id: apparel, slug: "clothing", name: "Clothing", localizedNames: ["de": "Kleidung", "fr": "Vêtements"])
        let renamed = try given(CategoryTree.self, tree, when: rename)
        #expect(renamed == [.renamed(CategoryRenamed(categoryId: apparel, slug: "clothing", name: "Clothing", localizedNames: ["de": "Kleidung", "fr": "Vêtements"]))])
        let after = CategoryTree.fold(tree + renamed)
        #expect(after.path(of: shirts) == ["Clothing", "Shirts"] && after.roots == [apparel, home])
        #expect(try given(CategoryTree.self, tree + renamed, when: rename).isEmpty)
        expectRefusal(CategoryTree.self, tree, when: .rename(id: apparel, slug: "home", name: "Apparel", localizedNames: [:]), code: .duplicateCategory)
        expectRefusal(CategoryTree.self, tree, when: .rename(id: apparel, slug: "apparel", name: "home", localizedNames: [:]), code: .duplicateCategory)

        expectRefusal(CategoryTree.self, tree, when: .delete(id: apparel), code: .categoryNotEmpty)
        let deleted = try given(CategoryTree.self, tree, when: .delete(id: shirts))
        let state = CategoryTree.fold(tree + deleted)
        #expect(state.categories[shirts] == nil && state.children[apparel] == [knitwear])
        let emptied = CategoryTree.fold(tree + deleted + [.deleted(CategoryDeleted(categoryId: knitwear))])
        #expect(emptied.children[apparel] == nil, "no subcategories left")
        #expect((try? given(CategoryTree.self, tree + deleted + [.deleted(CategoryDeleted(categoryId: knitwear))], when: .delete(id: apparel)))?.count == 1)
    }

    @Test("texts by language: the tag asked for, else its language, else the default; the default language first means the default text")
    func languages() {
        let names = ["de": "Hemden", "fr-CH": "Chemises", "pt-BR": "Camisas"]
        let pick = { (preferred: [String]) in LanguagePreference(preferred: preferred, defaultLocale: "en").pick(names, default: "Shirts") }
        #expect(pick(["de"]) == ("de", "Hemden"))
        #expect(pick(["de-AT"]) == ("de", "Hemden"), "a regional reader gets the bare language")
        #expect(pick(["fr"]) == ("fr-CH", "Chemises"), "a bare language gets its only region")
        #expect(pick(["PT-br"]) == ("pt-BR", "Camisas"), "tags compare without case")
        #expect(pick(["it", "de"]) == ("de", "Hemden"), "the first preference that has one")
        #expect(pick(["en-GB", "de"]) == (nil, "Shirts"), "the default language first: the default text")
        #expect(pick([]) == (nil, "Shirts"))
        #expect(LocaleTag.isValid("zh-Hant-TW") && LocaleTag.isValid("de") && !LocaleTag.isValid("d") && !LocaleTag.isValid("de_DE") && !LocaleTag.isValid("de-"))
    }
}
