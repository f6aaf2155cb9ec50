@testable import Projections
import Testing

@Suite("Search terms: words, edits and corrections")
struct SearchTermsTests {
    let dictionary = SearchDictionary(["classic", "t", "shirt", "teapot", "tea", "towel", "shetland", "sweater", "kettle"])

    @Test("words are lower-cased runs of letters and digits, without repeats")
    func words() {
        #expect(SearchTerms("T-Shirt, t-shirt!  Größe 42", dictionary: .empty).terms.map(\.word) == ["t", "shirt", "größe", "42"])
        #expect(SearchTerms("   ", dictionary: .empty).terms.isEmpty)
        #expect(SearchTerms(String(repeating: "a ", count: 5) + (1...20).map { "w\($0)" }.joined(separator: " "), dictionary: .empty).terms.count == SearchTerms.maximumWords)
    }

    @Test("edit distance counts a swap of neighbours as one edit and stops past the limit")
    func editDistance() {
        func distance(_ a: String, _ b: String, _ limit: Int = 3) -> Int? { SearchTerms.editDistance(Array(a), Array(b), limit: limit) }
        #expect(distance("shrit", "shirt") == 1)        // r and i swapped
        #expect(distance("kettle", "ketle") == 1)       // t dropped
        #expect(distance("teapot", "teapto") == 1)
        #expect(distance("kitten", "sitting") == 3)     // k→s, e→i, +g
        #expect(distance("kitten", "sitting", 2) == nil)
        #expect(distance("abc", "abc") == 0)
        #expect(distance("", "ab") == 2)
        #expect(distance("ab", "ba") == 1)
    }

    @Test("a word the catalog lacks is searched as its closest words within the edits its length allows")
    func corrections() {
        let terms = SearchTerms("t-shrit", dictionary: dictionary)
        #expect(terms.terms.map(\.alternatives) == [["t"], ["shirt"]])
        #expect(terms.corrections == ["shrit": ["shirt"]])
        #expect(terms.textQuery == "(t) & (shirt | shrit:* | shirt:*)")
        // Two letters: no correction (searched as typed); six and more: two edits.
        #expect(SearchTerms("xy", dictionary: dictionary).terms[0].alternatives == [])
        #expect(SearchTerms("swaetr", dictionary: dictionary).terms[0].alternatives == ["sweater"])
        #expect(SearchTerms("tea", dictionary: dictionary).textQuery == "(tea | tea:*)")
        #expect(SearchTerms("", dictionary: dictionary).textQuery == "")
        #expect(SearchTerms("zzzz tea", dictionary: dictionary).textQuery == "(zzzz) & (tea | tea:*)")
    }

    @Test("corrections found once are given again alike, for each limit; a dictionary's words are its own")
    func correctionsRemembered() {
        // Closest words written out: every word within one edit of "shrit" (a swap counts one).
        #expect(dictionary.closest(to: "shrit", limit: 5) == ["shirt"])
        #expect(dictionary.closest(to: "shrit", limit: 5) == ["shirt"], "the same again, remembered")
        let teas = SearchDictionary(["tea", "ten", "toa", "tee"])
        #expect(teas.closest(to: "tez", limit: 5) == ["tea", "tee", "ten"])
        #expect(teas.closest(to: "tez", limit: 1) == ["tea"], "a smaller limit is not served the longer list")
        #expect(dictionary.closest(to: "tez", limit: 5) == ["tea"], "another dictionary's corrections are not shared")
    }

    @Test("suggestions walk the names most ordered first, then by name, keeping those with a word beginning with every typed word")
    func suggestionIndex() {
        let index = SuggestionIndex([
            ("tent", "Trail Tent", 3), ("tee", "Classic T-shirt", 9), ("teapot", "Teapot", 3), ("towel", "Tea towel", 0),
            ("long", "A very long name with more than ten words in it: the tea is at the end", 1),
        ])
        #expect(index.entries.map(\.productId) == ["tee", "teapot", "tent", "long", "towel"], "orders, then name")
        #expect(index.matching(["te"], limit: 10).map(\.productId) == ["teapot", "tent", "long", "towel"])
        #expect(index.matching(["te"], limit: 2).map(\.productId) == ["teapot", "tent"])
        #expect(index.matching(["t", "sh"], limit: 10).map(\.productId) == ["tee"], "every typed word begins a word")
        #expect(index.matching(["tow", "tea"], limit: 10).map(\.productId) == ["towel"])
        #expect(index.matching(["shirt", "x"], limit: 10).isEmpty)
        #expect(index.matching(["end"], limit: 10).map(\.productId) == ["long"], "every word of a long name counts")
    }
}
